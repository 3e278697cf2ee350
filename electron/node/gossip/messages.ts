// Signed announcements: the one message format every transport carries. Gossipsub already signs its
// envelope (StrictSign), but that signature does not survive leaving libp2p; ours is over a
// canonical dag-cbor encoding, so the same bytes can be relayed over LoRa and still be checked.
// Pure: no I/O, no clock (the caller passes time and sequence).
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import * as dagCbor from '@ipld/dag-cbor';
import { z } from 'zod';
import { parseContentId } from '../storage/content-id.ts';

/** Prefix of the signed bytes, so an announcement signature can never pass for another kind of signature. */
const SIGNING_DOMAIN = new TextEncoder().encode('pakit-mesh announcement v1\0');
export const ENVELOPE_VERSION = 1;
/** Larger envelopes are refused before decoding. */
export const MAX_ENVELOPE_BYTES = 64 * 1024;
/** Block ids per storage announcement; more are sent as several announcements. */
export const MAX_BLOCKS_PER_STORAGE_ANNOUNCEMENT = 256;

/** What an author states, before signing. */
export type UnsignedAnnouncement = {
  /** Network id: an announcement from another network never verifies here. */
  net: string;
  /** Message type: `block`, `storage`, or a registered custom type. */
  kind: string;
  /** The author's Ed25519 public key (32 bytes). */
  author: Uint8Array;
  /** Strictly increasing per author (microseconds-based, so it survives restarts): replay refusal. */
  seq: number;
  /** Author's clock, ms since the epoch: announcements outside the acceptance window are dropped. */
  ts: number;
  body: unknown;
};

export type Announcement = UnsignedAnnouncement & { sig: Uint8Array };

const EnvelopeShape = z
  .object({
    v: z.literal(ENVELOPE_VERSION),
    net: z.string().min(1).max(64),
    kind: z.string().regex(/^[a-z][a-z0-9-]{0,31}$/),
    author: z.instanceof(Uint8Array).refine((bytes) => bytes.length === 32),
    seq: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    ts: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    body: z.unknown(),
    sig: z.instanceof(Uint8Array).refine((bytes) => bytes.length === 64),
  })
  .strict();

const contentId = z.string().max(128).refine((id) => {
  try {
    parseContentId(id);
    return true;
  } catch {
    return false;
  }
}, 'not a content id');

/** Body of a `block` announcement: "I hold this block". */
export const BlockAnnouncement = z.object({ cid: contentId, size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER) }).strict();
export type BlockAnnouncement = z.infer<typeof BlockAnnouncement>;

/** Body of a `storage` announcement: capacity offered and (some of) the blocks held. */
export const StorageAnnouncement = z
  .object({
    capacity: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    blocks: z.array(contentId).max(MAX_BLOCKS_PER_STORAGE_ANNOUNCEMENT),
  })
  .strict();
export type StorageAnnouncement = z.infer<typeof StorageAnnouncement>;

export function signAnnouncement(unsigned: UnsignedAnnouncement, sign: (bytes: Uint8Array) => Uint8Array): Announcement {
  return { ...unsigned, sig: sign(signedBytes(unsigned)) };
}

export function encodeAnnouncement(announcement: Announcement): Uint8Array {
  const { net, kind, author, seq, ts, body, sig } = announcement;
  return dagCbor.encode({ v: ENVELOPE_VERSION, net, kind, author, seq, ts, body, sig });
}

export type DecodeResult =
  | { ok: true; announcement: Announcement }
  /** `newerVersion`: a well-formed envelope of a version this node does not know (not the sender's fault). */
  | { ok: false; error: string; newerVersion?: boolean };

/** Structure only (no signature check); refuses anything not in canonical form, so one message has one encoding. */
export function decodeAnnouncement(bytes: Uint8Array): DecodeResult {
  if (bytes.length > MAX_ENVELOPE_BYTES) return { ok: false, error: `envelope over ${MAX_ENVELOPE_BYTES} bytes` };
  let value: unknown;
  try {
    value = dagCbor.decode(bytes);
  } catch (cause) {
    return { ok: false, error: `not dag-cbor: ${(cause as Error).message}` };
  }
  const version = (value as { v?: unknown } | null)?.v;
  if (typeof version === 'number' && Number.isInteger(version) && version > ENVELOPE_VERSION) {
    return { ok: false, error: `envelope version ${version} is newer than ${ENVELOPE_VERSION}`, newerVersion: true };
  }
  const parsed = EnvelopeShape.safeParse(value);
  if (!parsed.success) return { ok: false, error: `bad envelope: ${parsed.error.issues[0]?.message ?? 'invalid'}` };
  const { v: _version, ...announcement } = parsed.data;
  if (!sameBytes(encodeAnnouncement(announcement), bytes)) return { ok: false, error: 'not in canonical encoding' };
  return { ok: true, announcement };
}

/**
 * Ed25519 through node:crypto (OpenSSL): about 15x the verifications per second of the pure-JS
 * identity.verifySignature (`npm run bench -- gossip`), which matters on a relay that checks every
 * message. Key objects are kept per author, since a mesh has few authors and many messages.
 */
export function verifyAnnouncement(announcement: Announcement): boolean {
  try {
    return verify(null, signedBytes(announcement), keyObjectOf(announcement.author), announcement.sig);
  } catch {
    return false;
  }
}

const MAX_CACHED_KEYS = 1024;
const keyObjects = new Map<string, KeyObject>();

function keyObjectOf(publicKey: Uint8Array): KeyObject {
  const x = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.length).toString('base64url');
  let key = keyObjects.get(x);
  if (!key) {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
    if (keyObjects.size >= MAX_CACHED_KEYS) keyObjects.delete(keyObjects.keys().next().value!);
    keyObjects.set(x, key);
  }
  return key;
}

/** The bytes the signature covers: domain prefix and the canonical encoding of everything but `sig`. */
export function signedBytes(unsigned: UnsignedAnnouncement): Uint8Array {
  const { net, kind, author, seq, ts, body } = unsigned;
  const encoded = dagCbor.encode({ v: ENVELOPE_VERSION, net, kind, author, seq, ts, body });
  const out = new Uint8Array(SIGNING_DOMAIN.length + encoded.length);
  out.set(SIGNING_DOMAIN, 0);
  out.set(encoded, SIGNING_DOMAIN.length);
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));
}
