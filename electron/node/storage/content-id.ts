// Content ids are CIDv1 strings (base32, e.g. `bafkrei…`) over SHA-256: the same ids IPFS and
// libp2p tools print, so blocks can later travel over libp2p without translation.
import { createHash } from 'node:crypto';
import { CID } from 'multiformats/cid';
import { create as createDigest } from 'multiformats/hashes/digest';
import { StorageError } from './errors.ts';

/** A printable content id: a CIDv1 (sha2-256) in base32. */
export type ContentId = string;

/** Leaf blocks hold file bytes as they are. */
export const RAW_CODEC = 0x55;
/** File roots are dag-cbor nodes listing their blocks. */
export const DAG_CBOR_CODEC = 0x71;
export type BlockCodec = typeof RAW_CODEC | typeof DAG_CBOR_CODEC;

const SHA2_256 = 0x12;

export function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

export function contentIdFor(codec: BlockCodec, bytes: Uint8Array): CID {
  return CID.createV1(codec, createDigest(SHA2_256, sha256(bytes)));
}

/** Parses and validates an id; the store only holds CIDv1 sha2-256 raw or dag-cbor blocks. */
export function parseContentId(id: string): CID {
  let cid: CID;
  try {
    cid = CID.parse(id);
  } catch (cause) {
    throw invalidId(id, cause);
  }
  if (
    cid.version !== 1 ||
    cid.multihash.code !== SHA2_256 ||
    cid.multihash.digest.length !== 32 ||
    (cid.code !== RAW_CODEC && cid.code !== DAG_CBOR_CODEC)
  ) {
    throw invalidId(id);
  }
  return cid;
}

/**
 * Every id the store accepts is exactly 36 bytes: version 1, a one-byte codec, sha2-256 (0x12),
 * length 32, digest. The DAG index packs ids at this fixed width.
 */
export const CID_BYTES = 36;
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';
const BASE32_CODES = Uint8Array.from(BASE32, (char) => char.charCodeAt(0));
const BASE32_VALUES = new Int8Array(128).fill(-1);
BASE32_CODES.forEach((code, value) => (BASE32_VALUES[code] = value));

/**
 * The 36 bytes of a content id. A direct base32 decode for the canonical form (9 µs of CID.parse
 * per id would dominate index inserts); other spellings go through parseContentId.
 */
export function contentIdBytes(id: ContentId): Uint8Array {
  if (id.length === 59 && id.charCodeAt(0) === 0x62 /* 'b' */) {
    const bytes = new Uint8Array(CID_BYTES);
    let buffer = 0;
    let bits = 0;
    let out = 0;
    for (let i = 1; i < id.length; i++) {
      const value = BASE32_VALUES[id.charCodeAt(i)] ?? -1;
      if (value < 0) return parseContentId(id).bytes;
      buffer = ((buffer << 5) | value) & 0xffff;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        bytes[out++] = buffer >> bits;
      }
    }
    if (bytes[0] === 1 && (bytes[1] === RAW_CODEC || bytes[1] === DAG_CBOR_CODEC) && bytes[2] === SHA2_256 && bytes[3] === 32) {
      return bytes;
    }
  }
  return parseContentId(id).bytes;
}

/** The canonical printable id of 36 id bytes (inverse of contentIdBytes). */
export function contentIdFromBytes(bytes: Uint8Array): ContentId {
  const chars = new Uint8Array(1 + Math.ceil((bytes.length * 8) / 5));
  chars[0] = 0x62; // 'b', the base32 multibase prefix
  let out = 1;
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      chars[out++] = BASE32_CODES[(buffer >> bits) & 31]!;
    }
  }
  if (bits > 0) chars[out] = BASE32_CODES[(buffer << (5 - bits)) & 31]!;
  return String.fromCharCode(...chars);
}

/** True when `bytes` hash to the digest in `cid` (the check behind every read). */
export function matchesContentId(cid: CID, bytes: Uint8Array): boolean {
  return sha256(bytes).equals(cid.multihash.digest);
}

function invalidId(id: string, cause?: unknown): StorageError {
  return new StorageError(
    'invalid_content_id',
    `"${id.slice(0, 80)}" is not a content id this node stores (expected a CIDv1 sha2-256, raw or dag-cbor, e.g. "bafkrei…").`,
    'Check the id was copied completely; ids are case-sensitive base32 starting with "b".',
    { contentId: id, cause },
  );
}
