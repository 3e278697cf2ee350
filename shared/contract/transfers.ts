import { z } from 'zod';
import { ContentId } from './storage.ts';

// The LoRa protocol's own limits, mirrored because the contract imports nothing from the node;
// test/unit/contract/transfers.test.ts keeps the two equal.
/** A file asked of radio neighbours is at most this big unless the operator allows more (bytes). */
export const LORA_FILE_DEFAULT_BYTES = 50 * 1024;
/** Nothing larger travels over LoRa: on LONG_FAST, 200 KB is already over an hour of radio time. */
export const LORA_FILE_MAX_BYTES = 200 * 1024;
/** Meshtastic's largest hop limit: a request may cross at most this many relays. */
export const LORA_MAX_HOP_LIMIT = 7;

export const TransferState = z.enum(['requesting', 'receiving', 'sending', 'paused', 'verifying', 'done', 'failed', 'cancelled']);
export type TransferState = z.infer<typeof TransferState>;

/** One LoRa file transfer, in either direction, as the console shows it. */
export const FileTransfer = z.object({
  id: z.string(),
  contentId: ContentId,
  /** `incoming`: this node asked for the file; `outgoing`: it serves the file to a neighbour. */
  direction: z.enum(['incoming', 'outgoing']),
  state: TransferState,
  /** Bytes of the whole file; null until a holder's signed manifest says. */
  size: z.number().int().nullable(),
  chunksDone: z.number().int(),
  chunksTotal: z.number().int().nullable(),
  bytesDone: z.number().int(),
  /** Radio time left at the channel's pace (not wall-clock time); null while unknown. */
  etaMs: z.number().nullable(),
  /** Key ids or radio ids (`!xxxxxxxx`) serving this file, or being served. */
  peers: z.array(z.string()),
  /** The file's name and media type as its holder's manifest said; null until then, or when it said none. */
  name: z.string().nullable(),
  mediaType: z.string().nullable(),
  /** Relays the request may cross (incoming), or the chunks cross to the farthest receiver (outgoing). */
  hopLimit: z.number().int().nullable(),
  /** Transmissions from one end to the other: 1 a radio neighbour, 2 through one relay; null until a holder answers. */
  hops: z.number().int().nullable(),
  /** Still asking, and nobody has answered for this long (radio time); null otherwise. */
  unansweredMs: z.number().nullable(),
  /** Radio time the whole file costs on air, every hop counted (each relay sends every chunk again); null while the size is unknown. */
  airtimeMs: z.number().nullable(),
  /** Holders that sent chunks not matching the signed manifest: blamed and no longer used. */
  badPeers: z.array(z.string()),
  /** Why it failed, in words for the operator. */
  error: z.string().nullable(),
  startedAt: z.number(),
  updatedAt: z.number(),
});
export type FileTransfer = z.infer<typeof FileTransfer>;

export const FileRequest = z
  .object({
    contentId: ContentId,
    maxBytes: z
      .number()
      .int('whole bytes')
      .min(1, 'at least 1 byte')
      .max(LORA_FILE_MAX_BYTES, `at most ${LORA_FILE_MAX_BYTES / 1024} KB over LoRa`)
      .default(LORA_FILE_DEFAULT_BYTES),
    /** Relays the request may cross; absent: the radio's own hop limit. Asking again with more widens an unanswered request. */
    hopLimit: z.number().int('whole hops').min(0).max(LORA_MAX_HOP_LIMIT, `at most ${LORA_MAX_HOP_LIMIT} hops (the firmware's limit)`).optional(),
  })
  .strict();

/** What a file of this size costs before it is asked for, at the radio's preset. */
export const FileEstimateRequest = z
  .object({
    maxBytes: z.number().int().min(1).max(LORA_FILE_MAX_BYTES, `at most ${LORA_FILE_MAX_BYTES / 1024} KB over LoRa`).default(LORA_FILE_DEFAULT_BYTES),
  })
  .strict();

export const FileEstimate = z.object({
  /** The preset the figures are for (the radio's, or LONG_FAST without one). */
  preset: z.string(),
  /** Frames one hop carries: request, manifest, hash and file chunks, final ack. */
  frames: z.number().int(),
  /** Radio time on air per hop; every relay between holder and asker adds as much again. */
  airtimeMsPerHop: z.number(),
  /** Radio time the holder takes to send it at its share of the channel, without losses. */
  etaMs: z.number(),
  /** The radio's hop limit: how far a request goes unless widened. */
  hopLimit: z.number().int(),
});
export type FileEstimate = z.infer<typeof FileEstimate>;

/** Names one transfer, by the id `files.request` or `files.transfers` gave. */
export const TransferRef = z.object({ id: z.string().min(1).max(64) }).strict();
