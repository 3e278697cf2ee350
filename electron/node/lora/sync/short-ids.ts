// Short ids: what the coded symbols carry instead of whole 33-byte ids (codec + SHA-256 digest).
//
// A key is up to 8 bytes, packed big-endian into two u32 words (hi = bytes 0-3, lo = bytes 4-7):
//   identity (idBytes)  = digest[0..idBytes) XOR mask(salt, codec, digest[16..32))
//   check    (checkBytes) = a salted hash of the identity, so a peeling decoder can tell a symbol
//                           holding one key from a XOR of several
//   rest     zero
// The salt is the session number, fresh per session: ids that collide in one session almost surely
// do not in the next. The mask only hides the first 16 digest bytes behind the last 16, so a peer
// who knows an identity needs just the other 32 - idBytes digest bytes (and the codec) to rebuild
// the whole id. The mixing is not cryptographic: a digest is already SHA-256 and the salt only has
// to break up collisions; a collision costs a missed id for one session, never a wrong id.
import { CID_BYTES, DAG_CBOR_CODEC, RAW_CODEC, contentIdBytes, contentIdFromBytes, type ContentId } from '../../storage/content-id.ts';

export const DIGEST_BYTES = 32;
const DIGEST_OFFSET = CID_BYTES - DIGEST_BYTES;
/** The digest half that keys the mask; it travels in the clear in replies. */
const MASK_SOURCE_OFFSET = 16;
const MIN_ID_BYTES = 2;
/** Identities stay below 2^48 so they are exact JavaScript numbers. */
const MAX_ID_BYTES = 6;
const KEY_BYTES = 8;
const MAX_CHECK_BYTES = 3;

export type ShortIdParams = {
  /** Bytes of identity per key: collisions between differing ids cost a missed id per ~2^(8·idBytes) / (d·n) sessions. */
  readonly idBytes: number;
  /** Bytes of check per key: a mixed symbol passes for a pure one with probability 2^(-8·checkBytes). */
  readonly checkBytes: number;
  readonly salt: number;
};

/** An id in the parts the protocol moves: the codec as one bit and the 32-byte digest. */
export type IdParts = { readonly dagCbor: boolean; readonly digest: Uint8Array };

export function validParams(idBytes: number, checkBytes: number): boolean {
  return Number.isInteger(idBytes) && Number.isInteger(checkBytes) && idBytes >= MIN_ID_BYTES && idBytes <= MAX_ID_BYTES && checkBytes >= 1 && checkBytes <= MAX_CHECK_BYTES && idBytes + checkBytes <= KEY_BYTES;
}

export function idPartsOf(id: ContentId): IdParts {
  const bytes = contentIdBytes(id);
  return { dagCbor: bytes[1] === DAG_CBOR_CODEC, digest: bytes.subarray(DIGEST_OFFSET) };
}

export function contentIdOfParts(parts: IdParts): ContentId {
  const bytes = new Uint8Array(CID_BYTES);
  bytes.set([1, parts.dagCbor ? DAG_CBOR_CODEC : RAW_CODEC, 0x12, DIGEST_BYTES]);
  bytes.set(parts.digest, DIGEST_OFFSET);
  return contentIdFromBytes(bytes);
}

/** murmur3's 32-bit finaliser: every input bit reaches every output bit. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function wordAt(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** Mask of the top `bytes` (1..7) bytes of a 64-bit value, as [hi, lo] word masks. */
function topBytesMask(bytes: number): [number, number] {
  if (bytes < 4) return [(0xffffffff << (8 * (4 - bytes))) >>> 0, 0];
  return [0xffffffff, bytes === 4 ? 0 : (0xffffffff << (8 * (8 - bytes))) >>> 0];
}

/**
 * One session's short-id scheme. Keys are returned as [hi, lo]; a zero key never occurs for a real
 * id except with probability 2^-64.
 */
export class ShortIdScheme {
  readonly params: ShortIdParams;
  readonly #idMask: [number, number];
  readonly #checkMask: number;
  readonly #checkShift: number;
  readonly #scratch = new Uint8Array(KEY_BYTES);

  constructor(params: ShortIdParams) {
    if (!validParams(params.idBytes, params.checkBytes)) throw new RangeError(`short ids of ${params.idBytes} + ${params.checkBytes} bytes are not supported`);
    this.params = { ...params, salt: params.salt >>> 0 };
    this.#idMask = topBytesMask(params.idBytes);
    this.#checkMask = (1 << (8 * params.checkBytes)) - 1;
    this.#checkShift = 8 * (KEY_BYTES - params.idBytes - params.checkBytes);
  }

  /** The salted mask over the identity bytes, from the codec and the digest's last 16 bytes. */
  #mask(dagCbor: boolean, digest: Uint8Array, offset: number): [number, number] {
    const salt = this.params.salt;
    let x = mix32(salt ^ (dagCbor ? 0x5bd1e995 : 0x27d4eb2f));
    let y = mix32(salt + 0x9e3779b9);
    for (let at = offset + MASK_SOURCE_OFFSET; at < offset + DIGEST_BYTES; at += 4) {
      const word = wordAt(digest, at);
      x = mix32(Math.imul(x ^ word, 0x9e3779b1) + 0x7f4a7c15);
      y = mix32(Math.imul(y + word, 0xcc9e2d51) ^ 0x1b873593);
    }
    return [mix32(x ^ y) & this.#idMask[0], mix32(y + x) & this.#idMask[1]];
  }

  /** The key (identity and check) of an id whose digest starts at `bytes[offset]`. */
  keyOf(dagCbor: boolean, bytes: Uint8Array, offset = 0): [number, number] {
    const [maskHi, maskLo] = this.#mask(dagCbor, bytes, offset);
    const hi = (wordAt(bytes, offset) & this.#idMask[0]) ^ maskHi;
    const lo = (wordAt(bytes, offset + 4) & this.#idMask[1]) ^ maskLo;
    return this.#withCheck(hi >>> 0, lo >>> 0);
  }

  /** The identity of a key as an exact number (below 2^48), for lookups. */
  identityOf(hi: number, lo: number): number {
    return ((hi & this.#idMask[0]) >>> 0) * 0x10000 + ((lo & this.#idMask[1]) >>> 16);
  }

  /** True when the key's check matches its identity and the bytes past the check are zero. */
  isKey(hi: number, lo: number): boolean {
    const identityHi = (hi & this.#idMask[0]) >>> 0;
    const identityLo = (lo & this.#idMask[1]) >>> 0;
    const [expectedHi, expectedLo] = this.#withCheck(identityHi, identityLo);
    return expectedHi === hi >>> 0 && expectedLo === lo >>> 0;
  }

  /** The bytes a peer that knows the identity needs to rebuild the digest: digest[idBytes..32]. */
  tailOf(parts: IdParts): Uint8Array {
    return parts.digest.slice(this.params.idBytes);
  }

  /** Rebuilds an id from its key's identity, its codec and its tail (inverse of keyOf + tailOf). */
  partsFromTail(hi: number, lo: number, dagCbor: boolean, tail: Uint8Array): IdParts {
    const idBytes = this.params.idBytes;
    if (tail.length !== DIGEST_BYTES - idBytes) throw new RangeError(`a tail is ${DIGEST_BYTES - idBytes} bytes`);
    const digest = new Uint8Array(DIGEST_BYTES);
    digest.set(tail, idBytes);
    const [maskHi, maskLo] = this.#mask(dagCbor, digest, 0);
    this.#writeKey(hi ^ maskHi, lo ^ maskLo);
    digest.set(this.#scratch.subarray(0, idBytes), 0);
    return { dagCbor, digest };
  }

  /** Key bytes as sent: identity then check. */
  writeKey(hi: number, lo: number, out: Uint8Array, at: number): void {
    this.#writeKey(hi, lo);
    out.set(this.#scratch.subarray(0, this.keyBytes), at);
  }

  readKey(bytes: Uint8Array, at: number): [number, number] {
    this.#scratch.fill(0);
    this.#scratch.set(bytes.subarray(at, at + this.keyBytes));
    return [wordAt(this.#scratch, 0), wordAt(this.#scratch, 4)];
  }

  /** Identity bytes as sent in a request. */
  writeIdentity(hi: number, lo: number, out: Uint8Array, at: number): void {
    this.#writeKey(hi, lo);
    out.set(this.#scratch.subarray(0, this.params.idBytes), at);
  }

  /** The full key of identity bytes read from a request. */
  readIdentity(bytes: Uint8Array, at: number): [number, number] {
    this.#scratch.fill(0);
    this.#scratch.set(bytes.subarray(at, at + this.params.idBytes));
    return this.#withCheck(wordAt(this.#scratch, 0), wordAt(this.#scratch, 4));
  }

  get keyBytes(): number {
    return this.params.idBytes + this.params.checkBytes;
  }

  #withCheck(identityHi: number, identityLo: number): [number, number] {
    const check = (mix32(mix32(identityHi ^ this.params.salt ^ 0x68e31da4) + identityLo) & this.#checkMask) >>> 0;
    const shift = this.#checkShift;
    // The check sits right after the identity; it may straddle the two words.
    if (shift >= 32) return [(identityHi | (check << (shift - 32))) >>> 0, identityLo];
    const lo = (identityLo | (check << shift)) >>> 0;
    const hi = shift === 0 ? identityHi : (identityHi | (check >>> (32 - shift))) >>> 0;
    return [hi, lo];
  }

  #writeKey(hi: number, lo: number): void {
    const s = this.#scratch;
    s[0] = hi >>> 24;
    s[1] = hi >>> 16;
    s[2] = hi >>> 8;
    s[3] = hi;
    s[4] = lo >>> 24;
    s[5] = lo >>> 16;
    s[6] = lo >>> 8;
    s[7] = lo;
  }
}
