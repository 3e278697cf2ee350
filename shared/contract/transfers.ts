import { z } from 'zod';
import { ContentId } from './storage.ts';

// The LoRa protocol's own limits, mirrored because the contract imports nothing from the node;
// test/unit/contract/transfers.test.ts keeps the two equal.
/** A file asked of radio neighbours is at most this big unless the operator allows more (bytes). */
export const LORA_FILE_DEFAULT_BYTES = 50 * 1024;
/** Nothing larger travels over LoRa: on LONG_FAST, 200 KB is already over an hour of radio time. */
export const LORA_FILE_MAX_BYTES = 200 * 1024;

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
  })
  .strict();

/** Names one transfer, by the id `files.request` or `files.transfers` gave. */
export const TransferRef = z.object({ id: z.string().min(1).max(64) }).strict();
