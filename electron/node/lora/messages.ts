// The protocol's message types and the codecs of their bodies. Body decoders never throw: a body
// that does not parse is a Rejection naming what was wrong.
import { sha256 } from '@noble/hashes/sha2.js';
import { CID_BYTES, DAG_CBOR_CODEC, RAW_CODEC, contentIdBytes, contentIdFromBytes, type ContentId } from '../storage/content-id.ts';
import { ByteReader, ByteWriter, toHex } from './bytes.ts';
import { PUBLIC_KEY_BYTES } from './keys.ts';
import { KEY_ID_BYTES, MAX_SHORT_HEADER_MESSAGE_BYTES, MAX_SINGLE_FRAME_MESSAGE_BYTES, SHORT_HEADER_CODE, SIGNED_OVERHEAD_BYTES, reject, type KeyId, type Rejection } from './wire.ts';

export type EmergencyPriority = 'advisory' | 'urgent' | 'life_threatening';
const PRIORITY_CODES: Readonly<Record<EmergencyPriority, number>> = { advisory: 1, urgent: 2, life_threatening: 3 };
const PRIORITY_BY_CODE = new Map(Object.entries(PRIORITY_CODES).map(([name, code]) => [code, name as EmergencyPriority]));

/** Meshtastic relays a packet at most 7 hops; the same ceiling holds for our own relaying. */
export const MAX_HOP_LIMIT = 7;
/** Priority, hop limit and the author's public key: an emergency verifies on arrival, without waiting for a key-announce that may be lost. */
const EMERGENCY_FIXED_BYTES = 2 + 32;
/** Latitude and longitude, i32 each in 1e-7 degrees (Meshtastic's units). */
const POSITION_BYTES = 8;
/** Set in the priority byte: a position follows the author's key. */
const HAS_POSITION_BIT = 0x80;
/**
 * Emergencies always fit one frame (107 bytes of text), so they never wait on a lost fragment. The
 * room for a position is kept whether or not one is attached: a text that fits, fits with a fix.
 */
export const EMERGENCY_TEXT_MAX_BYTES = MAX_SINGLE_FRAME_MESSAGE_BYTES - SIGNED_OVERHEAD_BYTES - EMERGENCY_FIXED_BYTES - POSITION_BYTES;
/** An all-clear: the emergency's seq, hop limit and the author's key, then an optional word of why. */
const EMERGENCY_CLEAR_FIXED_BYTES = 4 + 1 + 32;
export const EMERGENCY_CLEAR_TEXT_MAX_BYTES = MAX_SINGLE_FRAME_MESSAGE_BYTES - SIGNED_OVERHEAD_BYTES - EMERGENCY_CLEAR_FIXED_BYTES;
/** Type and position: all a chunk message holds besides file bytes (the transfer is found by position). */
const FILE_CHUNK_FIXED_BYTES = 1 + 2;
/** File bytes per chunk frame: the rest of one short-header frame (wire.ts) after type and position. */
export const MAX_CHUNK_DATA_BYTES = MAX_SHORT_HEADER_MESSAGE_BYTES - FILE_CHUNK_FIXED_BYTES;
/** Chunk hashes: 8 bytes of SHA-256, a second preimage costs ~2^64 hashes. */
export const CHUNK_HASH_BYTES = 8;
/**
 * File chunks one leaf hash vouches for, checked together once all are in: 8 hash bytes per
 * 8 x 225 file bytes (0.44 %) instead of per chunk (3.6 %). The last group of a file may be shorter.
 */
export const CHUNKS_PER_LEAF_HASH = 8;
/**
 * Chunk positions are 15 bits: each sender numbers the chunks of all its transfers in one ring, so
 * a chunk frame needs no transfer id. The 16th bit marks the end of a round (see transfer/README.md).
 */
export const CHUNK_POSITIONS = 0x8000;
const END_OF_ROUND_BIT = 0x8000;
const MANIFEST_FIXED_BYTES = 4 + CID_BYTES + 4 + 1 + 2;
/** Top hashes a manifest carries at most, so it stays one signed frame and a loss costs one frame. */
export const MAX_MANIFEST_HASHES = Math.floor((MAX_SINGLE_FRAME_MESSAGE_BYTES - SIGNED_OVERHEAD_BYTES - MANIFEST_FIXED_BYTES) / CHUNK_HASH_BYTES);
/** Smallest chunk that holds two hashes, so every hash level is smaller than the one below it. */
const MIN_CHUNK_BYTES = 2 * CHUNK_HASH_BYTES;
/** Signers a file-request can ask not to answer (holders already caught serving bad chunks). */
export const MAX_EXCLUDED_SIGNERS = 8;
const ROOT_HASH_BYTES = 32;
/** The manifest's file-description extension after the top hashes: version u8 (1) · media type code u8 · name UTF-8 (the rest). */
const MANIFEST_EXTENSION_V1 = 1;
const MANIFEST_EXTENSION_FIXED_BYTES = 2;
/** A file name in a manifest is at most this long (UTF-8 bytes)... */
export const MAX_MANIFEST_NAME_BYTES = 64;
/** ...and kept at least this long even when it then needs a second frame (a file of ~20 KB: 12 top hashes). */
export const MIN_MANIFEST_NAME_BYTES = 20;
/** Media types a manifest names by code (its index; 0: not said). Append only: the codes are on the wire. */
export const MANIFEST_MEDIA_TYPES = [
  '',
  'text/plain',
  'text/csv',
  'image/png',
  'image/jpeg',
  'application/pdf',
  'application/json',
  'image/webp',
  'application/geo+json',
  'application/gpx+xml',
  'text/markdown',
  'application/zip',
  'audio/ogg',
  'application/octet-stream',
] as const;
const CHUNK_BITMAP_FIXED_BYTES = 1 + 4 + 2;
/** Widest span of chunk indices one ack or nack can describe (its bitmap fills one frame). */
export const MAX_BITMAP_SPAN = (MAX_SINGLE_FRAME_MESSAGE_BYTES - CHUNK_BITMAP_FIXED_BYTES) * 8;
/** Most chunks (file and hash chunks) of one transfer: one ack or nack can always name them all. */
export const MAX_TRANSFER_CHUNKS = MAX_BITMAP_SPAN;

/** Degrees, to 1e-7 on the wire. */
export type WirePosition = { readonly latitude: number; readonly longitude: number };
export type EmergencyMessage = {
  readonly type: 'emergency';
  readonly priority: EmergencyPriority;
  readonly hopLimit: number;
  readonly text: string;
  /** The author's key, carried in the message (the sender fills in its own); its hash must be the signer's key id. */
  readonly publicKey?: Uint8Array;
  /** Where the author's radio was, when it had a fix. */
  readonly position?: WirePosition;
};
/** "Received": sent by the receiving node itself; unsigned (lightweight), so who acked is a claim, not a proof. */
export type EmergencyAckMessage = { readonly type: 'emergency-ack'; readonly emergencyKeyId: KeyId; readonly emergencySeq: number; readonly acker: KeyId };
/**
 * "Seen by a person": the operator pressed the alert's button. Signed by the acker, whose key rides
 * along (like an emergency's), so it verifies anywhere in the mesh.
 */
export type EmergencySeenMessage = { readonly type: 'emergency-seen'; readonly emergencyKeyId: KeyId; readonly emergencySeq: number; readonly publicKey?: Uint8Array };
/** The author closes its emergency everywhere. Signed by the emergency's own key (carried, like the emergency's). */
export type EmergencyClearMessage = { readonly type: 'emergency-clear'; readonly emergencySeq: number; readonly hopLimit: number; readonly text: string; readonly publicKey?: Uint8Array };
export type KeyAnnounceMessage = { readonly type: 'key-announce'; readonly publicKey: Uint8Array };
/** Asks the neighbour that holds this key to announce it: a signed message came under a key not yet known. */
export type KeyRequestMessage = { readonly type: 'key-request'; readonly keyId: KeyId };
/** The sender's index summary (storage's IndexSummary): peers with another root start a sync. */
export type IndexAnnounceMessage = { readonly type: 'index-announce'; readonly version: number; readonly blockCount: number; readonly rootHash: string };
/** A set-reconciliation payload; its content belongs to the sync protocol, not to the wire. */
export type SyncMessage = { readonly type: 'sync'; readonly session: number; readonly payload: Uint8Array };
/** Absent fields mean the defaults: at most DEFAULT_MAX_FILE_BYTES, nobody excluded. */
export type FileRequestMessage = {
  readonly type: 'file-request';
  readonly contentId: ContentId;
  readonly maxBytes?: number;
  /** Key ids of holders that must not answer: the requester caught them serving bad chunks. */
  readonly excluded?: readonly KeyId[];
};
/**
 * A holder's answer: the file's size and chunking, where its chunks sit in the holder's position
 * ring, and the top of the hash tree that vouches for every chunk (transfer/README.md).
 */
export type FileManifestMessage = {
  readonly type: 'file-manifest';
  readonly transferId: number;
  readonly contentId: ContentId;
  readonly size: number;
  readonly chunkSize: number;
  readonly firstPosition: number;
  /** CHUNK_HASH_BYTES of SHA-256 per chunk of the tree's top level (per group of file chunks for a file without a tree), in order. */
  readonly topHashes: readonly Uint8Array[];
  /** What the holder calls the file (see fitManifestName), and its media type when MANIFEST_MEDIA_TYPES has it. */
  readonly name?: string;
  readonly mediaType?: string;
};
/** `endOfRound`: the sender has nothing else to send for this transfer until it hears back. */
export type FileChunkMessage = { readonly type: 'file-chunk'; readonly position: number; readonly endOfRound: boolean; readonly data: Uint8Array };
/**
 * Chunk numbers of one transfer: `nack` lists chunks missing, `ack` chunks held (sent as a bitmap).
 * An ack of no chunks holds them all (the receiver has the file, or wants no more of it): it goes as
 * the transfer id alone, like an empty nack (a nudge).
 */
export type ChunkBitmapMessage = { readonly type: 'ack' | 'nack'; readonly transferId: number; readonly chunks: readonly number[] };
/** A message of a type registered at run time (see MessageRegistry). */
export type CustomMessage = { readonly type: 'custom'; readonly name: string; readonly value: unknown };

export type BuiltinMessage =
  | EmergencyMessage
  | EmergencyAckMessage
  | EmergencySeenMessage
  | EmergencyClearMessage
  | KeyAnnounceMessage
  | KeyRequestMessage
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
  'file-chunk': SHORT_HEADER_CODE,
  ack: 0x09,
  nack: 0x0a,
  'key-request': 0x0b,
  'emergency-seen': 0x0c,
  'emergency-clear': 0x0d,
};
const BUILTIN_BY_CODE = new Map(Object.entries(BUILTIN_CODES).map(([type, code]) => [code, type as BuiltinType]));
/** What must be trusted is signed: it is acted on or passed on by others. */
const SIGNED_BUILTINS: ReadonlySet<BuiltinType> = new Set(['emergency', 'emergency-seen', 'emergency-clear', 'key-announce', 'index-announce', 'file-manifest']);

export function builtinTypeOf(code: number): BuiltinType | undefined {
  return BUILTIN_BY_CODE.get(code);
}

export function isSignedBuiltin(type: BuiltinType): boolean {
  return SIGNED_BUILTINS.has(type);
}

/** The hash of chunks checked together: SHA-256 of their concatenation, cut to CHUNK_HASH_BYTES. */
export function chunkHashOf(chunks: readonly Uint8Array[]): Uint8Array {
  const hash = sha256.create();
  for (const chunk of chunks) hash.update(chunk);
  return hash.digest().slice(0, CHUNK_HASH_BYTES);
}

/** Default and hard ceiling of a file asked for over LoRa (50 KB takes ~20 min on LONG_FAST). */
export const DEFAULT_MAX_FILE_BYTES = 50 * 1024;
export const MAX_FILE_BYTES = 200 * 1024;

/**
 * Chunk counts of a transfer's hash tree, top level first, the file's own chunks last. The level
 * above the file holds one 8-byte hash per CHUNKS_PER_LEAF_HASH file chunks, each level above that
 * one hash per chunk of the level below, all chunked like the file, until a level's hashes are few
 * enough to ride in the manifest. Undefined when the wire cannot carry it.
 */
export function hashTreeLevels(size: number, chunkSize: number): number[] | undefined {
  if (!Number.isInteger(size) || size < 1 || !Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_BYTES || chunkSize > MAX_CHUNK_DATA_BYTES) return undefined;
  const fanout = Math.floor(chunkSize / CHUNK_HASH_BYTES);
  const levels = [Math.ceil(size / chunkSize)];
  while (topHashCount(levels) > MAX_MANIFEST_HASHES) levels.unshift(Math.ceil(topHashCount(levels) / fanout));
  return levels.reduce((sum, count) => sum + count, 0) <= MAX_TRANSFER_CHUNKS ? levels : undefined;
}

/**
 * A manifest's file description: a later version is skipped (the transfer works without it), and a
 * name that could be a path or holds control characters is dropped rather than shown.
 */
function fileDescriptionOf(extension: Uint8Array): { name?: string; mediaType?: string } {
  if (extension.length < MANIFEST_EXTENSION_FIXED_BYTES || extension[0] !== MANIFEST_EXTENSION_V1) return {};
  const mediaType = MANIFEST_MEDIA_TYPES[extension[1]!] || undefined;
  let name: string | undefined;
  try {
    name = new TextDecoder('utf-8', { fatal: true }).decode(extension.subarray(MANIFEST_EXTENSION_FIXED_BYTES)) || undefined;
  } catch {
    name = undefined;
  }
  const safeName = name !== undefined && name.length <= MAX_MANIFEST_NAME_BYTES && isPlainFileName(name) ? name : undefined;
  return { ...(safeName === undefined ? {} : { name: safeName }), ...(mediaType === undefined ? {} : { mediaType }) };
}

/** No path separators, no control characters, not "." or "..": a name to show and save as, nothing else. */
export function isPlainFileName(name: string): boolean {
  return name !== '.' && name !== '..' && !/[\\/\u0000-\u001f\u007f]/.test(name);
}

/**
 * The name a manifest carries: whole when the manifest stays one frame, else cut (the extension kept)
 * to what fits, but never below MIN_MANIFEST_NAME_BYTES (the manifest then takes two frames).
 */
export function fitManifestName(name: string, topHashes: number): string {
  const room = MAX_SINGLE_FRAME_MESSAGE_BYTES - SIGNED_OVERHEAD_BYTES - MANIFEST_FIXED_BYTES - topHashes * CHUNK_HASH_BYTES - MANIFEST_EXTENSION_FIXED_BYTES;
  const budget = Math.min(MAX_MANIFEST_NAME_BYTES, Math.max(MIN_MANIFEST_NAME_BYTES, room));
  const encoder = new TextEncoder();
  if (encoder.encode(name).length <= budget) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 && name.length - dot <= 8 ? name.slice(dot) : '';
  const marker = '…';
  let stem = [...name.slice(0, name.length - extension.length)];
  while (stem.length > 0 && encoder.encode(stem.join('') + marker + extension).length > budget) stem = stem.slice(0, -1);
  return stem.join('') + marker + extension;
}

/** Hashes the manifest carries for a tree of these levels: one per top chunk, or per group of file chunks when no tree is needed. */
export function topHashCount(levels: readonly number[]): number {
  return levels.length > 1 ? levels[0]! : Math.ceil(levels[0]! / CHUNKS_PER_LEAF_HASH);
}

const textEncoder = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function emergencyTextBytes(text: string): number {
  return textEncoder.encode(text).length;
}

function utf8OrUndefined(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Degrees to Meshtastic's i32 of 1e-7 degrees (as the u32 with the same bits). */
function degreesToWire(degrees: number, limit: number): number {
  if (!Number.isFinite(degrees) || Math.abs(degrees) > limit) throw new RangeError(`a coordinate must be within ±${limit} degrees, got ${degrees}`);
  return Math.round(degrees * 1e7) >>> 0;
}

/** Rounded to the 7 decimals the wire holds, so a position reads back as written. */
function wireToDegrees(bits: number): number {
  return Number(((bits | 0) / 1e7).toFixed(7));
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
      if (message.publicKey?.length !== PUBLIC_KEY_BYTES) throw new RangeError('an emergency carries its author’s public key');
      const position = message.position;
      out.u8(PRIORITY_CODES[message.priority] | (position ? HAS_POSITION_BIT : 0)).u8(message.hopLimit).bytes(message.publicKey);
      if (position) out.u32(degreesToWire(position.latitude, 90)).u32(degreesToWire(position.longitude, 180));
      return out.bytes(text).finish();
    }
    case 'emergency-ack':
      checkUint(message.emergencySeq, 0xffff_ffff, 'emergency seq');
      return out.bytes(fromHex(message.emergencyKeyId, KEY_ID_BYTES, 'key id')).u32(message.emergencySeq).bytes(fromHex(message.acker, KEY_ID_BYTES, 'acker key id')).finish();
    case 'emergency-seen':
      checkUint(message.emergencySeq, 0xffff_ffff, 'emergency seq');
      if (message.publicKey?.length !== PUBLIC_KEY_BYTES) throw new RangeError('a seen-ack carries its signer’s public key');
      return out.bytes(fromHex(message.emergencyKeyId, KEY_ID_BYTES, 'key id')).u32(message.emergencySeq).bytes(message.publicKey).finish();
    case 'emergency-clear': {
      checkUint(message.emergencySeq, 0xffff_ffff, 'emergency seq');
      checkUint(message.hopLimit, MAX_HOP_LIMIT, 'hop limit');
      const text = textEncoder.encode(message.text);
      if (text.length > EMERGENCY_CLEAR_TEXT_MAX_BYTES) throw new RangeError(`an all-clear's text is at most ${EMERGENCY_CLEAR_TEXT_MAX_BYTES} bytes of UTF-8, got ${text.length}`);
      if (message.publicKey?.length !== PUBLIC_KEY_BYTES) throw new RangeError('an all-clear carries its author’s public key');
      return out.u32(message.emergencySeq).u8(message.hopLimit).bytes(message.publicKey).bytes(text).finish();
    }
    case 'key-announce':
      if (message.publicKey.length !== PUBLIC_KEY_BYTES) throw new RangeError(`public key must be ${PUBLIC_KEY_BYTES} bytes`);
      return out.bytes(message.publicKey).finish();
    case 'key-request':
      return out.bytes(fromHex(message.keyId, KEY_ID_BYTES, 'key id')).finish();
    case 'index-announce':
      checkUint(message.version, 0xffff_ffff, 'index version');
      checkUint(message.blockCount, 0xffff_ffff, 'block count');
      return out.u32(message.version).u32(message.blockCount).bytes(fromHex(message.rootHash, ROOT_HASH_BYTES, 'root hash')).finish();
    case 'sync':
      checkUint(message.session, 0xffff_ffff, 'sync session');
      return out.u32(message.session).bytes(message.payload).finish();
    case 'file-request': {
      const maxBytes = message.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
      const excluded = message.excluded ?? [];
      checkUint(maxBytes, 0xffff_ffff, 'max bytes');
      if (excluded.length > MAX_EXCLUDED_SIGNERS) throw new RangeError(`a file-request excludes at most ${MAX_EXCLUDED_SIGNERS} signers`);
      out.bytes(contentIdBytes(message.contentId)).u32(maxBytes);
      for (const keyId of excluded) out.bytes(fromHex(keyId, KEY_ID_BYTES, 'excluded key id'));
      return out.finish();
    }
    case 'file-manifest': {
      checkUint(message.transferId, 0xffff_ffff, 'transfer id');
      checkUint(message.size, 0xffff_ffff, 'file size');
      checkUint(message.firstPosition, CHUNK_POSITIONS - 1, 'first position');
      const levels = hashTreeLevels(message.size, message.chunkSize);
      if (!levels) throw new RangeError(`a ${message.size}-byte file in ${message.chunkSize}-byte chunks does not fit a transfer`);
      if (topHashCount(levels) !== message.topHashes.length) throw new RangeError(`the manifest needs ${topHashCount(levels)} top hashes, got ${message.topHashes.length}`);
      out.u32(message.transferId).bytes(contentIdBytes(message.contentId)).u32(message.size).u8(message.chunkSize).u16(message.firstPosition);
      for (const hash of message.topHashes) {
        if (hash.length !== CHUNK_HASH_BYTES) throw new RangeError(`chunk hashes are ${CHUNK_HASH_BYTES} bytes`);
        out.bytes(hash);
      }
      const mediaCode = Math.max(0, MANIFEST_MEDIA_TYPES.indexOf((message.mediaType ?? '') as (typeof MANIFEST_MEDIA_TYPES)[number]));
      const name = new TextEncoder().encode(message.name ?? '');
      if (name.length > MAX_MANIFEST_NAME_BYTES) throw new RangeError(`a manifest's file name is at most ${MAX_MANIFEST_NAME_BYTES} bytes`);
      if (mediaCode > 0 || name.length > 0) out.u8(MANIFEST_EXTENSION_V1).u8(mediaCode).bytes(name);
      return out.finish();
    }
    case 'file-chunk':
      checkUint(message.position, CHUNK_POSITIONS - 1, 'chunk position');
      if (message.data.length === 0 || message.data.length > MAX_CHUNK_DATA_BYTES) throw new RangeError(`chunk data must be 1..${MAX_CHUNK_DATA_BYTES} bytes`);
      return out.u16(message.position | (message.endOfRound ? END_OF_ROUND_BIT : 0)).bytes(message.data).finish();
    case 'ack':
    case 'nack':
      checkUint(message.transferId, 0xffff_ffff, 'transfer id');
      out.u32(message.transferId);
      if (message.chunks.length > 0) out.bytes(encodeChunkBitmap(message.chunks));
      return out.finish();
  }
}

/** Base index (u16) then one bit per chunk from there, least significant bit first. */
function encodeChunkBitmap(chunks: readonly number[]): Uint8Array {
  for (const index of chunks) checkUint(index, 0xffff, 'chunk index');
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
      const flags = input.u8();
      const priority = PRIORITY_BY_CODE.get(flags & ~HAS_POSITION_BIT);
      const hopLimit = input.u8();
      const publicKey = input.bytes(PUBLIC_KEY_BYTES);
      const position = flags & HAS_POSITION_BIT ? { latitude: wireToDegrees(input.u32()), longitude: wireToDegrees(input.u32()) } : undefined;
      const textBytes = input.rest();
      if (input.truncated || textBytes.length === 0) return reject('truncated', 'emergency without text');
      if (priority === undefined) return reject('bad_field', 'unknown emergency priority');
      if (hopLimit > MAX_HOP_LIMIT) return reject('bad_field', `hop limit ${hopLimit} above ${MAX_HOP_LIMIT}`);
      if (position && (Math.abs(position.latitude) > 90 || Math.abs(position.longitude) > 180)) return reject('bad_field', 'position outside the globe');
      const text = utf8OrUndefined(textBytes);
      if (text === undefined) return reject('bad_field', 'emergency text is not UTF-8');
      return done({ type, priority, hopLimit, text, publicKey: Uint8Array.from(publicKey), ...(position && { position }) });
    }
    case 'emergency-ack': {
      const emergencyKeyId = toHex(input.bytes(KEY_ID_BYTES));
      const emergencySeq = input.u32();
      const acker = toHex(input.bytes(KEY_ID_BYTES));
      return done({ type, emergencyKeyId, emergencySeq, acker });
    }
    case 'emergency-seen': {
      const emergencyKeyId = toHex(input.bytes(KEY_ID_BYTES));
      const emergencySeq = input.u32();
      const publicKey = Uint8Array.from(input.bytes(PUBLIC_KEY_BYTES));
      return done({ type, emergencyKeyId, emergencySeq, publicKey });
    }
    case 'emergency-clear': {
      const emergencySeq = input.u32();
      const hopLimit = input.u8();
      const publicKey = Uint8Array.from(input.bytes(PUBLIC_KEY_BYTES));
      const text = utf8OrUndefined(input.rest());
      if (input.truncated) return reject('truncated', 'emergency-clear cut short');
      if (hopLimit > MAX_HOP_LIMIT) return reject('bad_field', `hop limit ${hopLimit} above ${MAX_HOP_LIMIT}`);
      if (text === undefined) return reject('bad_field', 'all-clear text is not UTF-8');
      return done({ type, emergencySeq, hopLimit, text, publicKey });
    }
    case 'key-announce':
      return done({ type, publicKey: Uint8Array.from(input.bytes(PUBLIC_KEY_BYTES)) });
    case 'key-request':
      return done({ type, keyId: toHex(input.bytes(KEY_ID_BYTES)) });
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
      const contentId = decodeContentId(input.bytes(CID_BYTES));
      const maxBytes = input.u32();
      if (input.truncated) return reject('truncated', 'file-request cut short');
      if (contentId === undefined) return reject('bad_field', 'not a sha2-256 CIDv1');
      const excludedBytes = input.rest();
      if (excludedBytes.length % KEY_ID_BYTES !== 0 || excludedBytes.length > MAX_EXCLUDED_SIGNERS * KEY_ID_BYTES) {
        return reject('bad_length', `excluded signers take ${excludedBytes.length} bytes`);
      }
      const excluded = Array.from({ length: excludedBytes.length / KEY_ID_BYTES }, (_, i) => toHex(excludedBytes.subarray(i * KEY_ID_BYTES, (i + 1) * KEY_ID_BYTES)));
      return done({ type, contentId, maxBytes, excluded });
    }
    case 'file-manifest': {
      const transferId = input.u32();
      const contentId = decodeContentId(input.bytes(CID_BYTES));
      const size = input.u32();
      const chunkSize = input.u8();
      const firstPosition = input.u16();
      if (input.truncated) return reject('truncated', 'file-manifest header cut short');
      if (contentId === undefined) return reject('bad_field', 'not a sha2-256 CIDv1');
      if (firstPosition >= CHUNK_POSITIONS) return reject('bad_field', `first position ${firstPosition} outside the ring`);
      const levels = hashTreeLevels(size, chunkSize);
      if (!levels) return reject('bad_field', `size ${size} in chunks of ${chunkSize} is not a transfer`);
      const count = topHashCount(levels);
      const extensionBytes = input.remaining - count * CHUNK_HASH_BYTES;
      if (extensionBytes < 0 || extensionBytes === 1) return reject('bad_length', `${count} top hashes need ${count * CHUNK_HASH_BYTES} bytes, got ${input.remaining}`);
      const hashes = Uint8Array.from(input.bytes(count * CHUNK_HASH_BYTES));
      const topHashes = Array.from({ length: count }, (_, i) => hashes.subarray(i * CHUNK_HASH_BYTES, (i + 1) * CHUNK_HASH_BYTES));
      return done({ type, transferId, contentId, size, chunkSize, firstPosition, topHashes, ...fileDescriptionOf(input.rest()) });
    }
    case 'file-chunk': {
      const position = input.u16();
      const data = Uint8Array.from(input.rest());
      if (input.truncated || data.length === 0) return reject('truncated', 'file-chunk without data');
      return done({ type, position: position & (CHUNK_POSITIONS - 1), endOfRound: (position & END_OF_ROUND_BIT) !== 0, data });
    }
    case 'ack':
    case 'nack': {
      const transferId = input.u32();
      if (!input.truncated && input.remaining === 0) return done({ type, transferId, chunks: [] });
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
