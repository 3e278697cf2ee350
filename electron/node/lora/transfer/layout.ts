// Where every chunk of a transfer sits and what vouches for it. A transfer is the file cut into
// chunks, topped by a hash tree: the level above the file holds one 8-byte hash per group of
// CHUNKS_PER_LEAF_HASH file chunks, each level above that one hash per chunk of the level below, all
// cut into chunks like the file, until the top level's hashes fit in the signed manifest. The tree's
// chunks travel like the file's (top level first), so a lost piece of it is re-sent on its own. A
// unit (a tree chunk, or a group of file chunks) is checked once all of it and the chunk above it are in.
import type { ContentId } from '../../storage/content-id.ts';
import { equalBytes } from '../bytes.ts';
import {
  CHUNKS_PER_LEAF_HASH,
  CHUNK_HASH_BYTES,
  CHUNK_POSITIONS,
  MAX_CHUNK_DATA_BYTES,
  chunkHashOf,
  hashTreeLevels,
  type FileChunkMessage,
  type FileManifestMessage,
} from '../messages.ts';

/** Chunks checked together by one hash: a group of file chunks, or a single tree chunk. */
export type Unit = { readonly first: number; readonly count: number };

export class TransferLayout {
  readonly size: number;
  readonly chunkSize: number;
  /** Hashes per tree chunk. */
  readonly fanout: number;
  /** Chunk counts per level, top first; the last level is the file. */
  readonly levels: readonly number[];
  /** First offset of each level. */
  readonly starts: readonly number[];
  readonly total: number;
  readonly fileStart: number;

  private constructor(size: number, chunkSize: number, levels: number[]) {
    this.size = size;
    this.chunkSize = chunkSize;
    this.fanout = Math.floor(chunkSize / CHUNK_HASH_BYTES);
    this.levels = levels;
    const starts: number[] = [];
    let offset = 0;
    for (const count of levels) {
      starts.push(offset);
      offset += count;
    }
    this.starts = starts;
    this.total = offset;
    this.fileStart = starts[starts.length - 1]!;
  }

  /** Undefined when the wire cannot carry a file of this size in chunks of this size. */
  static of(size: number, chunkSize: number): TransferLayout | undefined {
    const levels = hashTreeLevels(size, chunkSize);
    return levels && new TransferLayout(size, chunkSize, levels);
  }

  get fileChunks(): number {
    return this.total - this.fileStart;
  }

  /** Groups of file chunks, one leaf hash each. */
  get groups(): number {
    return Math.ceil(this.fileChunks / CHUNKS_PER_LEAF_HASH);
  }

  isFileChunk(offset: number): boolean {
    return offset >= this.fileStart && offset < this.total;
  }

  /** The exact length chunk `offset` must have. */
  lengthOf(offset: number): number {
    const level = this.#levelOf(offset);
    const index = offset - this.starts[level]!;
    if (this.#isFile(level)) return Math.min(this.chunkSize, this.size - index * this.chunkSize);
    return (Math.min((index + 1) * this.fanout, this.#hashesIn(level)) - index * this.fanout) * CHUNK_HASH_BYTES;
  }

  /** The unit chunk `offset` is checked in. */
  unitOf(offset: number): Unit {
    if (!this.#isFile(this.#levelOf(offset))) return { first: offset, count: 1 };
    const first = this.fileStart + Math.floor((offset - this.fileStart) / CHUNKS_PER_LEAF_HASH) * CHUNKS_PER_LEAF_HASH;
    return { first, count: Math.min(CHUNKS_PER_LEAF_HASH, this.total - first) };
  }

  /**
   * The hash the unit of chunk `offset` must match: from the manifest's top hashes for the top level,
   * else from its parent chunk. Undefined while the parent has not arrived.
   */
  expectedHash(offset: number, topHashes: readonly Uint8Array[], chunkAt: (offset: number) => Uint8Array | undefined): Uint8Array | undefined {
    const level = this.#levelOf(offset);
    const index = this.#isFile(level) ? Math.floor((offset - this.fileStart) / CHUNKS_PER_LEAF_HASH) : offset - this.starts[level]!;
    if (level === 0) return topHashes[index];
    const parent = chunkAt(this.starts[level - 1]! + Math.floor(index / this.fanout));
    const slot = (index % this.fanout) * CHUNK_HASH_BYTES;
    return parent?.subarray(slot, slot + CHUNK_HASH_BYTES);
  }

  /** Whether `chunks`, the whole unit starting at `first` in order, have their lengths and hash to `expected`. */
  matches(first: number, chunks: readonly Uint8Array[], expected: Uint8Array): boolean {
    const unit = this.unitOf(first);
    return (
      unit.first === first &&
      chunks.length === unit.count &&
      chunks.every((chunk, i) => chunk.length === this.lengthOf(first + i)) &&
      equalBytes(chunkHashOf(chunks), expected)
    );
  }

  /** First offsets of the units whose hashes chunk `offset` holds (none for a file chunk). */
  childrenOf(offset: number): number[] {
    const level = this.#levelOf(offset);
    if (this.#isFile(level)) return [];
    const index = offset - this.starts[level]!;
    const first = index * this.fanout;
    const last = Math.min(first + this.fanout, this.#hashesIn(level));
    const step = this.#isFile(level + 1) ? CHUNKS_PER_LEAF_HASH : 1;
    return Array.from({ length: last - first }, (_, i) => this.starts[level + 1]! + (first + i) * step);
  }

  #isFile(level: number): boolean {
    return level === this.levels.length - 1;
  }

  /** Hashes a tree level holds: one per unit of the level below. */
  #hashesIn(level: number): number {
    return this.#isFile(level + 1) ? this.groups : this.levels[level + 1]!;
  }

  #levelOf(offset: number): number {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.total) throw new RangeError(`chunk ${offset} is not in a ${this.total}-chunk transfer`);
    let level = this.levels.length - 1;
    while (offset < this.starts[level]!) level -= 1;
    return level;
  }
}

export type ChunkPlan = { readonly layout: TransferLayout; readonly chunks: readonly Uint8Array[]; readonly topHashes: readonly Uint8Array[] };

/** Cuts a file into a transfer's chunks (tree first, in offset order) and the manifest's top hashes. */
export function planChunks(bytes: Uint8Array, chunkSize = MAX_CHUNK_DATA_BYTES): ChunkPlan {
  const layout = TransferLayout.of(bytes.length, chunkSize);
  if (!layout) throw new RangeError(`a ${bytes.length}-byte file in ${chunkSize}-byte chunks does not fit a transfer`);
  const file = Array.from({ length: layout.fileChunks }, (_, i) => bytes.subarray(i * chunkSize, (i + 1) * chunkSize));
  let units = Array.from({ length: layout.groups }, (_, g) => file.slice(g * CHUNKS_PER_LEAF_HASH, (g + 1) * CHUNKS_PER_LEAF_HASH));
  const tree: Uint8Array[][] = [];
  for (let depth = layout.levels.length - 2; depth >= 0; depth--) {
    const hashes = concatHashes(units);
    const step = layout.fanout * CHUNK_HASH_BYTES;
    const level = Array.from({ length: layout.levels[depth]! }, (_, i) => hashes.subarray(i * step, (i + 1) * step));
    tree.unshift(level);
    units = level.map((chunk) => [chunk]);
  }
  return { layout, chunks: [...tree.flat(), ...file], topHashes: units.map(chunkHashOf) };
}

function concatHashes(units: readonly (readonly Uint8Array[])[]): Uint8Array {
  const hashes = new Uint8Array(units.length * CHUNK_HASH_BYTES);
  units.forEach((unit, i) => hashes.set(chunkHashOf(unit), i * CHUNK_HASH_BYTES));
  return hashes;
}

/** The manifest and chunk messages of a whole transfer (its chunk positions start at `firstPosition`). */
export function planFileTransfer(
  bytes: Uint8Array,
  contentId: ContentId,
  transferId: number,
  firstPosition = 0,
  chunkSize = MAX_CHUNK_DATA_BYTES,
): { manifest: FileManifestMessage; chunks: FileChunkMessage[] } {
  const plan = planChunks(bytes, chunkSize);
  const manifest: FileManifestMessage = { type: 'file-manifest', transferId, contentId, size: bytes.length, chunkSize, firstPosition, topHashes: plan.topHashes };
  const chunks = plan.chunks.map((data, offset): FileChunkMessage => ({ type: 'file-chunk', position: positionOf(firstPosition, offset), endOfRound: false, data }));
  return { manifest, chunks };
}

/** Chunk positions wrap around the sender's ring. */
export function positionOf(firstPosition: number, offset: number): number {
  return (firstPosition + offset) % CHUNK_POSITIONS;
}

export function offsetOf(firstPosition: number, position: number): number {
  return (position - firstPosition + CHUNK_POSITIONS) % CHUNK_POSITIONS;
}
