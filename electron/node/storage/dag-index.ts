// The set of block ids a node holds (or knows), summarised for gossip as
// `{ version, root_hash, block_count }`. Pure: no I/O, no clock; persistence is BlockIndex.
//
// Order: ids are sorted by their SHA-256 digest, then by codec (a raw block and a dag-cbor node may
// share a digest). Buckets: an id's bucket is the first byte of its digest, so the sorted list is
// the concatenation of buckets 0..255 and each bucket covers a fixed slice of the hash space.
//   bucket_hash[b] = sha256(the 36-byte CIDs of the ids in bucket b, in order, concatenated)
//   root_hash      = sha256(bucket_hash[0] || … || bucket_hash[255])
// Equal sets give equal roots on every node; peers whose roots differ can compare the 256 bucket
// hashes and exchange only the ids of buckets that differ. A change only marks its bucket dirty:
// reading the root rehashes the dirty buckets (each holds ~n/256 ids, packed in one buffer, so
// that is one hash call) and the 8 KiB bucket table, never the whole set.
import { createHash } from 'node:crypto';
import { CID_BYTES, contentIdBytes, contentIdFromBytes, type ContentId } from './content-id.ts';

export const BUCKET_COUNT = 256;
const HASH_BYTES = 32;
const DIGEST_OFFSET = CID_BYTES - HASH_BYTES;
const CODEC_OFFSET = 1;

export type IndexSummary = { version: number; root_hash: string; block_count: number };

/** The read side of an index: what gossip, reconciliation and the console may use. */
export interface ReadonlyDagIndex extends Iterable<ContentId> {
  readonly size: number;
  /** Grows by one with every change to this node's set (adds, removes, ids gained by a merge). */
  readonly version: number;
  has(id: ContentId): boolean;
  rootHash(): string;
  summary(): IndexSummary;
  bucketOf(id: ContentId): number;
  /** Hex hashes of buckets 0..BUCKET_COUNT-1. */
  bucketHashes(): string[];
  idsInBucket(bucket: number): ContentId[];
  /** All ids in index order. */
  ids(): ContentId[];
}

/** Sorted 36-byte ids packed back to back, with spare capacity so inserts rarely reallocate. */
type Bucket = { bytes: Buffer; count: number };

export class DagIndex implements ReadonlyDagIndex {
  readonly #members = new Set<ContentId>();
  readonly #buckets: Bucket[] = Array.from({ length: BUCKET_COUNT }, () => ({ bytes: Buffer.alloc(0), count: 0 }));
  /** bucket_hash[0..255] back to back; a dirty bucket's slot is stale until the next root read. */
  readonly #bucketTable = Buffer.alloc(BUCKET_COUNT * HASH_BYTES);
  readonly #dirty = new Set<number>(Array.from({ length: BUCKET_COUNT }, (_, bucket) => bucket));
  #root: string | null = null;
  #version: number;

  /** Starts from `ids` at `version` (a restored index); building it does not count as changes. */
  constructor(ids: Iterable<ContentId> = [], version = 0) {
    for (const id of ids) this.#insert(Buffer.from(contentIdBytes(id)));
    this.#version = version;
  }

  get size(): number {
    return this.#members.size;
  }

  get version(): number {
    return this.#version;
  }

  /** Adds an id; returns false (and changes nothing) when it is already present. */
  add(id: ContentId): boolean {
    if (this.#members.has(id)) return false;
    const bytes = Buffer.from(contentIdBytes(id));
    if (!this.#insert(bytes)) return false;
    this.#changed(bucketOf(bytes));
    return true;
  }

  remove(id: ContentId): boolean {
    const bytes = Buffer.from(contentIdBytes(id));
    if (!this.#members.delete(contentIdFromBytes(bytes))) return false;
    const bucketIndex = bucketOf(bytes);
    const bucket = this.#buckets[bucketIndex]!;
    const offset = findSlot(bucket, bytes) * CID_BYTES;
    bucket.bytes.copyWithin(offset, offset + CID_BYTES, bucket.count * CID_BYTES);
    bucket.count--;
    this.#changed(bucketIndex);
    return true;
  }

  /** Union with another set (idempotent, commutative, associative); returns how many ids were new. */
  merge(other: Iterable<ContentId>): number {
    let added = 0;
    for (const id of other) if (this.add(id)) added++;
    return added;
  }

  has(id: ContentId): boolean {
    if (this.#members.has(id)) return true;
    try {
      return this.#members.has(contentIdFromBytes(contentIdBytes(id)));
    } catch {
      return false;
    }
  }

  rootHash(): string {
    if (this.#root === null) {
      for (const bucket of this.#dirty) {
        const { bytes, count } = this.#buckets[bucket]!;
        createHash('sha256')
          .update(bytes.subarray(0, count * CID_BYTES))
          .digest()
          .copy(this.#bucketTable, bucket * HASH_BYTES);
      }
      this.#dirty.clear();
      this.#root = createHash('sha256').update(this.#bucketTable).digest('hex');
    }
    return this.#root;
  }

  summary(): IndexSummary {
    return { version: this.#version, root_hash: this.rootHash(), block_count: this.size };
  }

  bucketOf(id: ContentId): number {
    return bucketOf(contentIdBytes(id));
  }

  bucketHashes(): string[] {
    this.rootHash();
    return Array.from({ length: BUCKET_COUNT }, (_, bucket) =>
      this.#bucketTable.toString('hex', bucket * HASH_BYTES, (bucket + 1) * HASH_BYTES),
    );
  }

  idsInBucket(bucket: number): ContentId[] {
    const packed = this.#buckets[bucket];
    if (!packed) return [];
    return Array.from({ length: packed.count }, (_, i) =>
      contentIdFromBytes(packed.bytes.subarray(i * CID_BYTES, (i + 1) * CID_BYTES)),
    );
  }

  ids(): ContentId[] {
    return this.#buckets.flatMap((_, bucket) => this.idsInBucket(bucket));
  }

  [Symbol.iterator](): Iterator<ContentId> {
    return this.ids()[Symbol.iterator]();
  }

  #insert(bytes: Buffer): boolean {
    const id = contentIdFromBytes(bytes);
    if (this.#members.has(id)) return false;
    this.#members.add(id);
    const bucket = this.#buckets[bucketOf(bytes)]!;
    const used = bucket.count * CID_BYTES;
    if (used + CID_BYTES > bucket.bytes.length) {
      const grown = Buffer.alloc(Math.max(16 * CID_BYTES, bucket.bytes.length * 2));
      bucket.bytes.copy(grown, 0, 0, used);
      bucket.bytes = grown;
    }
    const offset = findSlot(bucket, bytes) * CID_BYTES;
    bucket.bytes.copyWithin(offset + CID_BYTES, offset, used);
    bytes.copy(bucket.bytes, offset);
    bucket.count++;
    return true;
  }

  #changed(bucket: number): void {
    this.#dirty.add(bucket);
    this.#root = null;
    this.#version++;
  }
}

/** The root computed from scratch, without caches: the reference the incremental root must equal. */
export function rootHashOf(ids: Iterable<ContentId>): string {
  const unique = new Map<ContentId, Buffer>();
  for (const id of ids) {
    const bytes = Buffer.from(contentIdBytes(id));
    unique.set(contentIdFromBytes(bytes), bytes);
  }
  const sorted = [...unique.values()].sort(compareIds);
  const hashers = Array.from({ length: BUCKET_COUNT }, () => createHash('sha256'));
  for (const bytes of sorted) hashers[bucketOf(bytes)]!.update(bytes);
  const root = createHash('sha256');
  for (const hasher of hashers) root.update(hasher.digest());
  return root.digest('hex');
}

function bucketOf(bytes: Uint8Array): number {
  return bytes[DIGEST_OFFSET]!;
}

/** Index order: digest, then codec. */
function compareIds(a: Buffer, b: Buffer): number {
  return a.compare(b, DIGEST_OFFSET, CID_BYTES, DIGEST_OFFSET, CID_BYTES) || a[CODEC_OFFSET]! - b[CODEC_OFFSET]!;
}

/** Binary search: the slot of `bytes` in `bucket`, or where it would be inserted. */
function findSlot(bucket: Bucket, bytes: Buffer): number {
  let low = 0;
  let high = bucket.count;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const offset = mid * CID_BYTES;
    const order =
      bucket.bytes.compare(bytes, DIGEST_OFFSET, CID_BYTES, offset + DIGEST_OFFSET, offset + CID_BYTES) ||
      bucket.bytes[offset + CODEC_OFFSET]! - bytes[CODEC_OFFSET]!;
    if (order < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}
