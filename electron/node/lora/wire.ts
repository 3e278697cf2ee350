// The LoRa wire format: frames of at most 231 bytes (the PRIVATE_APP payload the firmware carries),
// each starting with a network tag and a version, holding either one whole message or one fragment
// of a larger one. Layout byte by byte in README.md of this folder. Parsing never throws: every
// malformed input is a typed Rejection.
import { sha256 } from '@noble/hashes/sha2.js';
import { MAX_PAYLOAD_BYTES } from '../radio/errors.ts';
import { ByteReader, concatBytes, toHex } from './bytes.ts';

export const WIRE_VERSION = 1;
export const MAX_FRAME_BYTES = MAX_PAYLOAD_BYTES;
export const NETWORK_TAG_BYTES = 3;
/** Network tag + version byte, in front of every frame. */
export const FRAME_HEADER_BYTES = NETWORK_TAG_BYTES + 1;
/** The type code that marks a fragment; message type codes start at 1. */
export const FRAGMENT_CODE = 0x00;
/** Fragment code, message nonce (u16), index, count. */
export const FRAGMENT_HEADER_BYTES = 5;
export const FRAGMENT_DATA_BYTES = MAX_FRAME_BYTES - FRAME_HEADER_BYTES - FRAGMENT_HEADER_BYTES;
/** Largest message that travels unfragmented. */
export const MAX_SINGLE_FRAME_MESSAGE_BYTES = MAX_FRAME_BYTES - FRAME_HEADER_BYTES;
/**
 * File chunks are nearly all of what goes on air, so their frames leave out the type byte: the
 * version byte with SHORT_HEADER_BIT set stands for this version and type SHORT_HEADER_CODE at once.
 */
export const SHORT_HEADER_CODE = 0x08;
const SHORT_HEADER_BIT = 0x80;
/** Largest message of type SHORT_HEADER_CODE in one frame: its type byte rides in the version byte. */
export const MAX_SHORT_HEADER_MESSAGE_BYTES = MAX_SINGLE_FRAME_MESSAGE_BYTES + 1;
/** The wire's hard ceiling: a fragment count is one byte. The receiver's own limit is lower. */
export const MAX_FRAGMENTS = 255;
export const KEY_ID_BYTES = 8;
export const SIGNATURE_BYTES = 64;
/** Type, hops, key id, sequence number: the part of a signed message in front of its body. */
export const SIGNED_HEADER_BYTES = 1 + 1 + KEY_ID_BYTES + 4;
export const SIGNED_OVERHEAD_BYTES = SIGNED_HEADER_BYTES + SIGNATURE_BYTES;

/** Sequence numbers of signed messages count seconds from here, so they double as send times. */
export const SEQ_EPOCH_MS = Date.UTC(2025, 0, 1);

export function seqForTime(nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - SEQ_EPOCH_MS) / 1000)) >>> 0;
}

export function timeOfSeq(seq: number): number {
  return SEQ_EPOCH_MS + seq * 1000;
}

/** Hex of the first 8 bytes of SHA-256 over the public key (domain-separated). */
export type KeyId = string;

export type RejectReason =
  | 'wrong_network'
  | 'bad_version'
  | 'truncated'
  | 'bad_length'
  | 'unknown_type'
  | 'bad_field'
  | 'bad_fragment'
  | 'key_mismatch'
  | 'bad_signature'
  | 'duplicate'
  | 'replay'
  | 'clock_skew';

export const REJECT_REASONS: readonly RejectReason[] = [
  'wrong_network',
  'bad_version',
  'truncated',
  'bad_length',
  'unknown_type',
  'bad_field',
  'bad_fragment',
  'key_mismatch',
  'bad_signature',
  'duplicate',
  'replay',
  'clock_skew',
];

export type Rejection = {
  readonly ok: false;
  readonly reason: RejectReason;
  readonly detail: string;
  readonly keyId?: KeyId;
  /** A replay: the type code and sequence number of the signed message heard before. */
  readonly repeats?: { readonly code: number; readonly seq: number };
};

export function reject(reason: RejectReason, detail: string, keyId?: KeyId): Rejection {
  return keyId === undefined ? { ok: false, reason, detail } : { ok: false, reason, detail, keyId };
}

const NETWORK_TAG_DOMAIN = 'pakit-mesh/lora network tag v1\0';
const SIGNATURE_DOMAIN = new TextEncoder().encode('pakit-mesh/lora signed message v1\0');

/** First bytes of a hash of the network id: frames of other networks are dropped on byte 3. */
export function networkTag(networkId: string): Uint8Array {
  return sha256(new TextEncoder().encode(NETWORK_TAG_DOMAIN + networkId)).slice(0, NETWORK_TAG_BYTES);
}

export type ParsedFrame =
  | { readonly ok: true; readonly kind: 'message'; readonly bytes: Uint8Array }
  | { readonly ok: true; readonly kind: 'fragment'; readonly nonce: number; readonly index: number; readonly count: number; readonly data: Uint8Array };

export function parseFrame(tag: Uint8Array, frame: Uint8Array): ParsedFrame | Rejection {
  if (frame.length > MAX_FRAME_BYTES) return reject('bad_length', `frame of ${frame.length} bytes exceeds ${MAX_FRAME_BYTES}`);
  if (frame.length < NETWORK_TAG_BYTES) return reject('truncated', 'shorter than the network tag');
  for (let i = 0; i < NETWORK_TAG_BYTES; i++) if (frame[i] !== tag[i]) return reject('wrong_network', 'network tag differs');
  if (frame.length < FRAME_HEADER_BYTES + 1) return reject('truncated', 'no message after the frame header');
  const versionByte = frame[NETWORK_TAG_BYTES]!;
  if ((versionByte & ~SHORT_HEADER_BIT) !== WIRE_VERSION) return reject('bad_version', `version ${versionByte & ~SHORT_HEADER_BIT}, expected ${WIRE_VERSION}`);
  if (versionByte & SHORT_HEADER_BIT) return { ok: true, kind: 'message', bytes: concatBytes(Uint8Array.of(SHORT_HEADER_CODE), frame.subarray(FRAME_HEADER_BYTES)) };
  const bytes = frame.subarray(FRAME_HEADER_BYTES);
  if (bytes[0] !== FRAGMENT_CODE) return { ok: true, kind: 'message', bytes };
  const reader = new ByteReader(bytes.subarray(1));
  const nonce = reader.u16();
  const index = reader.u8();
  const count = reader.u8();
  const data = reader.rest();
  if (reader.truncated) return reject('truncated', 'fragment header cut short');
  if (count < 2) return reject('bad_fragment', `fragment count ${count}: a message of one frame is not fragmented`);
  if (index >= count) return reject('bad_fragment', `fragment index ${index} of ${count}`);
  if (data.length === 0) return reject('bad_fragment', 'empty fragment');
  return { ok: true, kind: 'fragment', nonce, index, count, data };
}

function frameHeader(tag: Uint8Array): Uint8Array {
  return concatBytes(tag, Uint8Array.of(WIRE_VERSION));
}

/** The message type code of a frame of ours (FRAGMENT_CODE for a fragment), read without parsing the message. */
export function frameTypeCode(frame: Uint8Array): number | undefined {
  const versionByte = frame[NETWORK_TAG_BYTES];
  if (versionByte === undefined) return undefined;
  return versionByte & SHORT_HEADER_BIT ? SHORT_HEADER_CODE : frame[FRAME_HEADER_BYTES];
}

/** Frames for one message: itself when it fits, else fragments sharing `nonce` (fresh per message). */
export function buildFrames(tag: Uint8Array, message: Uint8Array, nonce: number): Uint8Array[] {
  if (message.length === 0) throw new RangeError('empty message');
  if (message[0] === SHORT_HEADER_CODE && message.length <= MAX_SHORT_HEADER_MESSAGE_BYTES) {
    return [concatBytes(tag, Uint8Array.of(WIRE_VERSION | SHORT_HEADER_BIT), message.subarray(1))];
  }
  const header = frameHeader(tag);
  if (message.length <= MAX_SINGLE_FRAME_MESSAGE_BYTES) return [concatBytes(header, message)];
  const count = Math.ceil(message.length / FRAGMENT_DATA_BYTES);
  if (count > MAX_FRAGMENTS) throw new RangeError(`message of ${message.length} bytes needs ${count} fragments, the wire allows ${MAX_FRAGMENTS}`);
  const frames: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    const data = message.subarray(index * FRAGMENT_DATA_BYTES, (index + 1) * FRAGMENT_DATA_BYTES);
    const fragmentHeader = Uint8Array.of(FRAGMENT_CODE, (nonce >>> 8) & 0xff, nonce & 0xff, index, count);
    frames.push(concatBytes(header, fragmentHeader, data));
  }
  return frames;
}

export type Envelope =
  | { readonly signed: false; readonly code: number; readonly body: Uint8Array }
  | {
      readonly signed: true;
      readonly code: number;
      /** Relays that re-sent the message; outside the signature so a relay can count itself. */
      readonly hops: number;
      readonly keyId: KeyId;
      readonly keyIdBytes: Uint8Array;
      readonly seq: number;
      readonly body: Uint8Array;
      readonly signature: Uint8Array;
    };

/**
 * Splits message bytes into envelope fields. `signedness(code)` tells whether a type code is
 * known and signed; undefined means unknown.
 */
export function parseEnvelope(bytes: Uint8Array, signedness: (code: number) => boolean | undefined): Envelope | Rejection {
  const code = bytes[0];
  if (code === undefined) return reject('truncated', 'empty message');
  const signed = signedness(code);
  if (signed === undefined) return reject('unknown_type', `message type 0x${code.toString(16).padStart(2, '0')}`);
  if (!signed) return { signed: false, code, body: bytes.subarray(1) };
  if (bytes.length < SIGNED_OVERHEAD_BYTES) return reject('truncated', `signed message of ${bytes.length} bytes is shorter than its ${SIGNED_OVERHEAD_BYTES}-byte envelope`);
  const reader = new ByteReader(bytes.subarray(1));
  const hops = reader.u8();
  const keyIdBytes = reader.bytes(KEY_ID_BYTES);
  const seq = reader.u32();
  const body = reader.bytes(reader.remaining - SIGNATURE_BYTES);
  const signature = reader.bytes(SIGNATURE_BYTES);
  return { signed: true, code, hops, keyId: toHex(keyIdBytes), keyIdBytes, seq, body, signature };
}

/** The bytes a signature covers: domain, network tag, version, type, key id, seq, body (not hops). */
export function signedPayload(tag: Uint8Array, code: number, keyIdBytes: Uint8Array, seq: number, body: Uint8Array): Uint8Array {
  const seqBytes = Uint8Array.of(seq >>> 24, seq >>> 16, seq >>> 8, seq);
  return concatBytes(SIGNATURE_DOMAIN, tag, Uint8Array.of(WIRE_VERSION, code), keyIdBytes, seqBytes, body);
}

export function encodeSignedMessage(code: number, hops: number, keyIdBytes: Uint8Array, seq: number, body: Uint8Array, signature: Uint8Array): Uint8Array {
  const seqBytes = Uint8Array.of(seq >>> 24, seq >>> 16, seq >>> 8, seq);
  return concatBytes(Uint8Array.of(code, hops), keyIdBytes, seqBytes, body, signature);
}

export function encodeUnsignedMessage(code: number, body: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(code), body);
}

/** A copy of signed message bytes with `hops` more relay hops counted (the signature stays valid). */
export function withHopsAdded(message: Uint8Array, hops: number): Uint8Array {
  const copy = Uint8Array.from(message);
  copy[1] = Math.min(255, (copy[1] ?? 0) + hops);
  return copy;
}
