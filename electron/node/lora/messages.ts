// The protocol's message types and the codecs of their bodies. Body decoders never throw: a body
// that does not parse is a Rejection naming what was wrong.
import { sha256 } from '@noble/hashes/sha2.js';
import { CID_BYTES, DAG_CBOR_CODEC, RAW_CODEC, contentIdBytes, contentIdFromBytes, type ContentId } from '../storage/content-id.ts';
import { ByteReader, ByteWriter, equalBytes, toHex } from './bytes.ts';
import { PUBLIC_KEY_BYTES } from './keys.ts';
import { KEY_ID_BYTES, MAX_SINGLE_FRAME_MESSAGE_BYTES, SIGNED_OVERHEAD_BYTES, reject, type KeyId, type Rejection } from './wire.ts';

export type EmergencyPriority = 'advisory' | 'urgent' | 'life_threatening';
const PRIORITY_CODES: Readonly<Record<EmergencyPriority, number>> = { advisory: 1, urgent: 2, life_threatening: 3 };
const PRIORITY_BY_CODE = new Map(Object.entries(PRIORITY_CODES).map(([name, code]) => [code, name as EmergencyPriority]));

/** Meshtastic relays a packet at most 7 hops; the same ceiling holds for our own relaying. */
export const MAX_HOP_LIMIT = 7;
const EMERGENCY_FIXED_BYTES = 2;
/** Emergencies always fit one frame, so they never wait on a lost fragment. */
export const EMERGENCY_TEXT_MAX_BYTES = MAX_SINGLE_FRAME_MESSAGE_BYTES - SIGNED_OVERHEAD_BYTES - EMERGENCY_FIXED_BYTES;
const FILE_CHUNK_FIXED_BYTES = 1 + 4 + 2;
/** File bytes per chunk frame: the rest of one frame after type, transfer id and chunk index. */
export const MAX_CHUNK_DATA_BYTES = MAX_SINGLE_FRAME_MESSAGE_BYTES - FILE_CHUNK_FIXED_BYTES;
/** Chunk hashes in a manifest: 8 bytes of SHA-256, a second preimage costs ~2^64 hashes. */
export const CHUNK_HASH_BYTES = 8;
const ROOT_HASH_BYTES = 32;
const CHUNK_BITMAP_FIXED_BYTES = 1 + 4 + 2;
/** Widest span of chunk indices one ack or nack can describe (its bitmap fills one frame). */
export const MAX_BITMAP_SPAN = (MAX_SINGLE_FRAME_MESSAGE_BYTES - CHUNK_BITMAP_FIXED_BYTES) * 8;

export type EmergencyMessage = { readonly type: 'emergency'; readonly priority: EmergencyPriority; readonly hopLimit: number; readonly text: string };
/** Confirms one emergency; unsigned (lightweight), so who acked is a claim, not a proof. */
export type EmergencyAckMessage = { readonly type: 'emergency-ack'; readonly emergencyKeyId: KeyId; readonly emergencySeq: number; readonly acker: KeyId };
export type KeyAnnounceMessage = { readonly type: 'key-announce'; readonly publicKey: Uint8Array };
/** The sender's index summary (storage's IndexSummary): peers with another root start a sync. */
export type IndexAnnounceMessage = { readonly type: 'index-announce'; readonly version: number; readonly blockCount: number; readonly rootHash: string };
/** A set-reconciliation payload; its content belongs to the sync protocol, not to the wire. */
export type SyncMessage = { readonly type: 'sync'; readonly session: number; readonly payload: Uint8Array };
export type FileRequestMessage = { readonly type: 'file-request'; readonly contentId: ContentId };
export type FileManifestMessage = {
  readonly type: 'file-manifest';
  readonly transferId: number;
  readonly contentId: ContentId;
  readonly size: number;
  readonly chunkSize: number;
  /** CHUNK_HASH_BYTES of SHA-256 per chunk, in order: each chunk is checked as it arrives. */
  readonly chunkHashes: readonly Uint8Array[];
};
export type FileChunkMessage = { readonly type: 'file-chunk'; readonly transferId: number; readonly index: number; readonly data: Uint8Array };
/** Selective repeat: `ack` lists chunks received, `nack` chunks missing (sent as a bitmap). */
export type ChunkBitmapMessage = { readonly type: 'ack' | 'nack'; readonly transferId: number; readonly chunks: readonly number[] };
/** A message of a type registered at run time (see MessageRegistry). */
export type CustomMessage = { readonly type: 'custom'; readonly name: string; readonly value: unknown };

export type BuiltinMessage =
  | EmergencyMessage
  | EmergencyAckMessage
  | KeyAnnounceMessage
  | IndexAnnounceMessage
  | SyncMessage
  | FileRequestMessage
  | FileManifestMessage
  | FileChunkMessage
  | ChunkBitmapMessage;
export type LoraMessage = BuiltinMessage | CustomMessage;
export type BuiltinType = BuiltinMessage['type'];

export const BUILTIN_CODES: Readonly<Record<BuiltinType, number>> = {
  emergency: 0x01,
  'emergency-ack': 0x02,
  'key-announce': 0x03,
  'index-announce': 0x04,
  sync: 0x05,
  'file-request': 0x06,
  'file-manifest': 0x07,
  'file-chunk': 0x08,
  ack: 0x09,
  nack: 0x0a,
};
const BUILTIN_BY_CODE = new Map(Object.entries(BUILTIN_CODES).map(([type, code]) => [code, type as BuiltinType]));
/** What must be trusted is signed: it is acted on or passed on by others. */
const SIGNED_BUILTINS: ReadonlySet<BuiltinType> = new Set(['emergency', 'key-announce', 'index-announce', 'file-manifest']);

export function builtinTypeOf(code: number): BuiltinType | undefined {
  return BUILTIN_BY_CODE.get(code);
}

export function isSignedBuiltin(type: BuiltinType): boolean {
  return SIGNED_BUILTINS.has(type);
}

export function chunkHashOf(data: Uint8Array): Uint8Array {
  return sha256(data).slice(0, CHUNK_HASH_BYTES);
}

/** The expected length and hash of chunk `index` under a signed manifest. */
export function chunkMatchesManifest(manifest: FileManifestMessage, index: number, data: Uint8Array): boolean {
  const expectedHash = manifest.chunkHashes[index];
  if (expectedHash === undefined) return false;
  const isLast = index === manifest.chunkHashes.length - 1;
  const expectedLength = isLast ? manifest.size - index * manifest.chunkSize : manifest.chunkSize;
  return data.length === expectedLength && equalBytes(chunkHashOf(data), expectedHash);
}

/** Splits file bytes into chunks and builds the manifest that vouches for them. */
export function planFileTransfer(
  bytes: Uint8Array,
  contentId: ContentId,
  transferId: number,
  chunkSize = MAX_CHUNK_DATA_BYTES,
): { manifest: FileManifestMessage; chunks: FileChunkMessage[] } {
  const chunks: FileChunkMessage[] = [];
  for (let index = 0; index * chunkSize < bytes.length; index++) {
    chunks.push({ type: 'file-chunk', transferId, index, data: bytes.subarray(index * chunkSize, (index + 1) * chunkSize) });
  }
  const manifest: FileManifestMessage = {
    type: 'file-manifest',
    transferId,
    contentId,
    size: bytes.length,
    chunkSize,
    chunkHashes: chunks.map((chunk) => chunkHashOf(chunk.data)),
  };
  return { manifest, chunks };
}

const textEncoder = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function emergencyTextBytes(text: string): number {
  return textEncoder.encode(text).length;
}

function fromHex(hex: string, length: number, what: string): Uint8Array {
  if (!new RegExp(`^[0-9a-f]{${length * 2}}$`).test(hex)) throw new RangeError(`${what} must be ${length * 2} lower-case hex digits`);
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

function checkUint(value: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${what} must be an integer in 0..${max}, got ${value}`);
}

/** Encodes the body of a built-in message. Throws RangeError on values the wire cannot carry. */
export function encodeBuiltinBody(message: BuiltinMessage): Uint8Array {
  const out = new ByteWriter();
  switch (message.type) {
    case 'emergency': {
      const text = textEncoder.encode(message.text);
      if (text.length === 0 || text.length > EMERGENCY_TEXT_MAX_BYTES) throw new RangeError(`emergency text must be 1..${EMERGENCY_TEXT_MAX_BYTES} bytes of UTF-8, got ${text.length}`);
      checkUint(message.hopLimit, MAX_HOP_LIMIT, 'hop limit');
      return out.u8(PRIORITY_CODES[message.priority]).u8(message.hopLimit).bytes(text).finish();
    }
    case 'emergency-ack':
      checkUint(message.emergencySeq, 0xffff_ffff, 'emergency seq');
      return out.bytes(fromHex(message.emergencyKeyId, KEY_ID_BYTES, 'key id')).u32(message.emergencySeq).bytes(fromHex(message.acker, KEY_ID_BYTES, 'acker key id')).finish();
    case 'key-announce':
      if (message.publicKey.length !== PUBLIC_KEY_BYTES) throw new RangeError(`public key must be ${PUBLIC_KEY_BYTES} bytes`);
      return out.bytes(message.publicKey).finish();
    case 'index-announce':
      checkUint(message.version, 0xffff_ffff, 'index version');
      checkUint(message.blockCount, 0xffff_ffff, 'block count');
      return out.u32(message.version).u32(message.blockCount).bytes(fromHex(message.rootHash, ROOT_HASH_BYTES, 'root hash')).finish();
    case 'sync':
      checkUint(message.session, 0xffff_ffff, 'sync session');
      return out.u32(message.session).bytes(message.payload).finish();
    case 'file-request':
      return out.bytes(contentIdBytes(message.contentId)).finish();
    case 'file-manifest': {
      checkUint(message.transferId, 0xffff_ffff, 'transfer id');
      checkUint(message.size, 0xffff_ffff, 'file size');
      if (!Number.isInteger(message.chunkSize) || message.chunkSize < 1 || message.chunkSize > MAX_CHUNK_DATA_BYTES) throw new RangeError(`chunk size must be 1..${MAX_CHUNK_DATA_BYTES}`);
      const count = Math.ceil(message.size / message.chunkSize);
      if (message.size === 0 || count !== message.chunkHashes.length || count > 0xffff) throw new RangeError(`a ${message.size}-byte file in ${message.chunkSize}-byte chunks has ${count} chunk hashes, got ${message.chunkHashes.length}`);
      out.u32(message.transferId).bytes(contentIdBytes(message.contentId)).u32(message.size).u8(message.chunkSize).u16(count);
      for (const hash of message.chunkHashes) {
        if (hash.length !== CHUNK_HASH_BYTES) throw new RangeError(`chunk hashes are ${CHUNK_HASH_BYTES} bytes`);
        out.bytes(hash);
      }
      return out.finish();
    }
    case 'file-chunk':
      checkUint(message.transferId, 0xffff_ffff, 'transfer id');
      checkUint(message.index, 0xffff, 'chunk index');
      if (message.data.length === 0 || message.data.length > MAX_CHUNK_DATA_BYTES) throw new RangeError(`chunk data must be 1..${MAX_CHUNK_DATA_BYTES} bytes`);
      return out.u32(message.transferId).u16(message.index).bytes(message.data).finish();
    case 'ack':
    case 'nack':
      checkUint(message.transferId, 0xffff_ffff, 'transfer id');
      return out.u32(message.transferId).bytes(encodeChunkBitmap(message.chunks)).finish();
  }
}

/** Base index (u16) then one bit per chunk from there, least significant bit first. */
function encodeChunkBitmap(chunks: readonly number[]): Uint8Array {
  for (const index of chunks) checkUint(index, 0xffff, 'chunk index');
  if (chunks.length === 0) return Uint8Array.of(0, 0);
  const base = Math.min(...chunks);
  const span = Math.max(...chunks) - base + 1;
  if (span > MAX_BITMAP_SPAN) throw new RangeError(`chunk indices span ${span}, one bitmap covers ${MAX_BITMAP_SPAN}`);
  const bitmap = new Uint8Array(2 + Math.ceil(span / 8));
  bitmap[0] = base >>> 8;
  bitmap[1] = base & 0xff;
  for (const index of chunks) bitmap[2 + ((index - base) >>> 3)]! |= 1 << ((index - base) & 7);
  return bitmap;
}

function decodeContentId(bytes: Uint8Array): ContentId | undefined {
  const valid = bytes[0] === 1 && (bytes[1] === RAW_CODEC || bytes[1] === DAG_CBOR_CODEC) && bytes[2] === 0x12 && bytes[3] === 32;
  return valid ? contentIdFromBytes(bytes) : undefined;
}

/** Decodes the body of a built-in message; never throws. */
export function decodeBuiltinBody(type: BuiltinType, body: Uint8Array): BuiltinMessage | Rejection {
  const input = new ByteReader(body);
  const done = <T extends BuiltinMessage>(message: T): T | Rejection => {
    if (input.truncated) return reject('truncated', `${type} body cut short`);
    if (input.remaining > 0) return reject('bad_length', `${type} body has ${input.remaining} trailing bytes`);
    return message;
  };
  switch (type) {
    case 'emergency': {
      const priority = PRIORITY_BY_CODE.get(input.u8());
      const hopLimit = input.u8();
      const textBytes = input.rest();
      if (input.truncated || textBytes.length === 0) return reject('truncated', 'emergency without text');
      if (priority === undefined) return reject('bad_field', 'unknown emergency priority');
      if (hopLimit > MAX_HOP_LIMIT) return reject('bad_field', `hop limit ${hopLimit} above ${MAX_HOP_LIMIT}`);
      let text: string;
      try {
        text = strictUtf8.decode(textBytes);
      } catch {
        return reject('bad_field', 'emergency text is not UTF-8');
      }
      return done({ type, priority, hopLimit, text });
    }
    case 'emergency-ack': {
      const emergencyKeyId = toHex(input.bytes(KEY_ID_BYTES));
      const emergencySeq = input.u32();
      const acker = toHex(input.bytes(KEY_ID_BYTES));
      return done({ type, emergencyKeyId, emergencySeq, acker });
    }
    case 'key-announce':
      return done({ type, publicKey: Uint8Array.from(input.bytes(PUBLIC_KEY_BYTES)) });
    case 'index-announce': {
      const version = input.u32();
      const blockCount = input.u32();
      const rootHash = toHex(input.bytes(ROOT_HASH_BYTES));
      return done({ type, version, blockCount, rootHash });
    }
    case 'sync': {
      const session = input.u32();
      return done({ type, session, payload: Uint8Array.from(input.rest()) });
    }
    case 'file-request': {
      const idBytes = input.bytes(CID_BYTES);
      if (input.truncated) return reject('truncated', 'file-request cut short');
      const contentId = decodeContentId(idBytes);
      return contentId === undefined ? reject('bad_field', 'not a sha2-256 CIDv1') : done({ type, contentId });
    }
    case 'file-manifest': {
      const transferId = input.u32();
      const idBytes = input.bytes(CID_BYTES);
      const size = input.u32();
      const chunkSize = input.u8();
      const count = input.u16();
      if (input.truncated) return reject('truncated', 'file-manifest header cut short');
      const contentId = decodeContentId(idBytes);
      if (contentId === undefined) return reject('bad_field', 'not a sha2-256 CIDv1');
      if (size === 0 || chunkSize === 0 || chunkSize > MAX_CHUNK_DATA_BYTES || count !== Math.ceil(size / chunkSize)) {
        return reject('bad_field', `size ${size}, chunk size ${chunkSize} and chunk count ${count} disagree`);
      }
      if (input.remaining !== count * CHUNK_HASH_BYTES) return reject('bad_length', `${count} chunk hashes need ${count * CHUNK_HASH_BYTES} bytes, got ${input.remaining}`);
      const hashes = Uint8Array.from(input.rest());
      const chunkHashes = Array.from({ length: count }, (_, i) => hashes.subarray(i * CHUNK_HASH_BYTES, (i + 1) * CHUNK_HASH_BYTES));
      return done({ type, transferId, contentId, size, chunkSize, chunkHashes });
    }
    case 'file-chunk': {
      const transferId = input.u32();
      const index = input.u16();
      const data = Uint8Array.from(input.rest());
      if (input.truncated || data.length === 0) return reject('truncated', 'file-chunk without data');
      return done({ type, transferId, index, data });
    }
    case 'ack':
    case 'nack': {
      const transferId = input.u32();
      const base = input.u16();
      const bitmap = input.rest();
      if (input.truncated) return reject('truncated', `${type} cut short`);
      const chunks: number[] = [];
      for (let bit = 0; bit < bitmap.length * 8; bit++) if ((bitmap[bit >>> 3]! >>> (bit & 7)) & 1) chunks.push(base + bit);
      if (chunks.some((index) => index > 0xffff)) return reject('bad_field', 'chunk index beyond 65535');
      return done({ type, transferId, chunks });
    }
  }
}
