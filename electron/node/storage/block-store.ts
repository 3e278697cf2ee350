// Content-addressed block store: plain files, no server, the same code in Electron's main process
// and in the headless node. On-disk format and durability rules: FORMAT.md next to this file.
import {
  closeSync,
  existsSync,
  fdatasync as fdatasyncCallback,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  unlinkSync,
  write,
} from 'node:fs';
import { createHash } from 'node:crypto';
import { open, readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { CID } from 'multiformats/cid';
import { BlockIndex } from './block-index.ts';
import {
  contentIdFor,
  DAG_CBOR_CODEC,
  matchesContentId,
  parseContentId,
  RAW_CODEC,
  type BlockCodec,
  type ContentId,
} from './content-id.ts';
import type { ReadonlyDagIndex } from './dag-index.ts';
import { fsyncDirectory, writeFileAtomicSync } from '../fs/durable.ts';
import { StorageError } from './errors.ts';
import { BLOCK_SIZE, blockLength, decodeFileNode, encodeFileNode, splitIntoBlocks } from './file-node.ts';

export type BlockStoreOptions = {
  /** Stores that would take the blocks past this many bytes are refused. Default: no quota. */
  quotaBytes?: number;
  /**
   * false (default): a killed process never leaves a partial block or a wrong index, but a power
   * cut may lose the last writes (detected on read, never served). true: every block, its
   * directory and the index are fsynced before store() returns, so stored data survives power loss.
   * The cost is measured by `npm run bench -- storage`.
   */
  syncToDisk?: boolean;
};

export type StoreStats = {
  blockCount: number;
  /** Bytes of block data (index and metadata files are not counted). */
  usedBytes: number;
  quotaBytes: number | null;
  /** What a store may still use: the smaller of the quota left and the free disk space. */
  availableBytes: number;
  diskFreeBytes: number;
};

const STORE_FORMAT = { format: 'pakit-block-store', version: 1 } as const;
/** Blocks in flight per call: enough to keep libuv's 4 threads busy. */
const IO_CONCURRENCY = 4;
/** Read size; small enough that hashing one chunk overlaps reading the next. */
const READ_CHUNK = 256 * 1024;
/** Upper bounds on a root node's size, for the quota check before any block is hashed. */
const ROOT_BYTES_BOUND = 128;
const LINK_BYTES_BOUND = 48;

export class BlockStore {
  readonly #dir: string;
  readonly #index: BlockIndex;
  readonly #quotaBytes: number | null;
  readonly #syncToDisk: boolean;
  /** Bytes promised to stores in progress, so concurrent stores cannot overshoot the quota. */
  #reservedBytes = 0;
  #tempCounter = 0;

  private constructor(dir: string, index: BlockIndex, options: BlockStoreOptions) {
    this.#dir = dir;
    this.#index = index;
    this.#quotaBytes = options.quotaBytes ?? null;
    this.#syncToDisk = options.syncToDisk ?? false;
  }

  /**
   * Opens (or creates) the store in `dir`. Deletes temp files left by a crash and, unless the store
   * was closed cleanly, reconciles the index with the blocks on disk.
   */
  static async open(dir: string, options: BlockStoreOptions = {}): Promise<BlockStore> {
    mkdirSync(join(dir, 'index'), { recursive: true });
    checkFormat(dir);
    for (let shard = 0; shard < 256; shard++) mkdirSync(shardDir(dir, shard), { recursive: true });
    rmSync(join(dir, 'tmp'), { recursive: true, force: true });
    mkdirSync(join(dir, 'tmp'));
    const index = BlockIndex.open(join(dir, 'index'), { syncToDisk: options.syncToDisk ?? false });
    const store = new BlockStore(dir, index, options);
    if (!index.wasCleanShutdown) await store.#reconcile();
    return store;
  }

  /** Stores `bytes` as a file and returns its content id. Storing the same bytes again is free. */
  async store(bytes: Uint8Array): Promise<ContentId> {
    const pieces = splitIntoBlocks(bytes);
    const reserved = this.#reserve(pieces, bytes.length);
    try {
      const leaves = await mapConcurrently(pieces, IO_CONCURRENCY, (piece) => this.#putBlock(RAW_CODEC, piece));
      this.#syncDirectoriesOf(leaves);
      if (leaves.length === 1) return leaves[0]!.toString();
      // The root goes last: a root on disk always has all its blocks, after a crash too.
      const root = encodeFileNode({ size: bytes.length, blockSize: BLOCK_SIZE, blocks: leaves });
      const rootId = await this.#putBlock(DAG_CBOR_CODEC, root.bytes);
      this.#syncDirectoriesOf([rootId]);
      return rootId.toString();
    } finally {
      this.#reservedBytes -= reserved;
    }
  }

  /** One block's bytes, verified against its id. */
  async get(id: ContentId): Promise<Uint8Array> {
    const cid = parseContentId(id);
    const size = this.#index.sizeOf(cid.toString());
    if (size === undefined) throw notFound(cid.toString());
    const bytes = Buffer.allocUnsafe(size);
    await this.#readVerified(cid, bytes);
    return bytes;
  }

  /** A whole file: its single block, or all the blocks its root lists, each verified. */
  async readFile(id: ContentId): Promise<Uint8Array> {
    const cid = parseContentId(id);
    const rootBytes = await this.get(id);
    if (cid.code === RAW_CODEC) return rootBytes;
    const node = decodeFileNode(rootBytes);
    if (!node) {
      throw new StorageError(
        'not_a_file',
        `Block ${cid} is not a file (it is a dag-cbor block of another kind).`,
        'Use get() for single blocks; readFile() only reassembles files made by store().',
        { contentId: cid.toString() },
      );
    }
    const out = Buffer.allocUnsafe(node.size);
    await mapConcurrently(node.blocks, IO_CONCURRENCY, async (child, i) => {
      const offset = i * node.blockSize;
      if (!this.#index.has(child.toString())) throw notFound(child.toString(), undefined, cid.toString());
      await this.#readVerified(child, out.subarray(offset, offset + blockLength(node, i)), cid);
    });
    return out;
  }

  has(id: ContentId): boolean {
    try {
      return this.#index.has(parseContentId(id).toString());
    } catch {
      return false;
    }
  }

  /** Bytes the block takes, or undefined when it is not held. */
  sizeOf(id: ContentId): number | undefined {
    return this.#index.sizeOf(id);
  }

  /** Every block id held, in index order. */
  list(): ContentId[] {
    return this.#index.view.ids();
  }

  /**
   * Removes one block. Blocks are shared between files (same bytes, same id), so deleting a file's
   * root leaves its blocks in place; collecting unreferenced blocks is a separate concern.
   */
  async delete(id: ContentId): Promise<boolean> {
    const cid = parseContentId(id);
    const canonical = cid.toString();
    if (!this.#index.has(canonical)) return false;
    rmSync(this.#blockPath(cid), { force: true });
    this.#index.remove(canonical);
    this.#syncDirectoriesOf([cid]);
    return true;
  }

  async stats(): Promise<StoreStats> {
    const disk = await statfs(this.#dir);
    const diskFreeBytes = disk.bavail * disk.bsize;
    const quotaLeft = this.#quotaBytes === null ? Infinity : this.#quotaBytes - this.#index.usedBytes;
    return {
      blockCount: this.#index.view.size,
      usedBytes: this.#index.usedBytes,
      quotaBytes: this.#quotaBytes,
      availableBytes: Math.max(0, Math.min(quotaLeft, diskFreeBytes)),
      diskFreeBytes,
    };
  }

  /** The set of held block ids, summarised and bucketed for gossip and reconciliation. */
  get index(): ReadonlyDagIndex {
    return this.#index.view;
  }

  /** Writes the index snapshot and marks a clean shutdown, so the next open needs no rescan. */
  close(): void {
    this.#index.close();
  }

  /**
   * Reserves quota for a store before anything is written. The cheap bound (every byte new) is
   * tried first; only near the quota are the blocks hashed to count just the ones not yet held.
   */
  #reserve(pieces: Uint8Array[], size: number): number {
    if (this.#quotaBytes === null) return 0;
    const committed = this.#index.usedBytes + this.#reservedBytes;
    let needed = size + (pieces.length > 1 ? ROOT_BYTES_BOUND + LINK_BYTES_BOUND * pieces.length : 0);
    if (committed + needed > this.#quotaBytes) {
      const leaves = pieces.map((piece) => ({ cid: contentIdFor(RAW_CODEC, piece), bytes: piece }));
      const blocks =
        leaves.length === 1
          ? leaves
          : [...leaves, encodeFileNode({ size, blockSize: BLOCK_SIZE, blocks: leaves.map((leaf) => leaf.cid) })];
      const fresh = new Map(
        blocks.filter((block) => !this.#index.has(block.cid.toString())).map((block) => [block.cid.toString(), block.bytes.length]),
      );
      needed = [...fresh.values()].reduce((sum, length) => sum + length, 0);
    }
    if (committed + needed > this.#quotaBytes) {
      throw new StorageError(
        'quota_exceeded',
        `Storing this ${size}-byte file needs ${needed} new bytes, which would take the block store to ${committed + needed} bytes, over its quota of ${this.#quotaBytes} bytes. Nothing was written.`,
        'Delete content you no longer need, or raise the storage quota in the node settings.',
      );
    }
    this.#reservedBytes += needed;
    return needed;
  }

  /**
   * Writes one block: temp file, then rename, so a block file exists complete or not at all. The
   * write runs on libuv's thread pool while this thread hashes the bytes: hashing costs about as
   * much as writing to the page cache, so overlapping them nearly halves the time of a store.
   */
  async #putBlock(codec: BlockCodec, bytes: Uint8Array): Promise<CID> {
    const temp = join(this.#dir, 'tmp', `${process.pid}-${this.#tempCounter++}`);
    let cid: CID;
    try {
      const fd = openSync(temp, 'w');
      try {
        const written = writeAll(fd, bytes);
        cid = contentIdFor(codec, bytes);
        await written;
        if (this.#syncToDisk) await fdatasync(fd);
      } finally {
        closeSync(fd);
      }
      if (this.#index.has(cid.toString())) {
        unlinkSync(temp);
        return cid;
      }
      renameSync(temp, this.#blockPath(cid));
    } catch (cause) {
      rmSync(temp, { force: true });
      if ((cause as NodeJS.ErrnoException).code === 'ENOSPC') {
        throw new StorageError(
          'disk_full',
          `The disk holding the block store (${this.#dir}) is full; the file was not stored completely.`,
          'Free disk space or move the data directory to a larger disk, then store the file again.',
          { cause },
        );
      }
      throw cause;
    }
    this.#index.add(cid.toString(), bytes.length);
    return cid;
  }

  /**
   * Reads block `cid` into `into` (exactly its length) and checks the hash before returning. Reads
   * go in chunks so each chunk is hashed here while the thread pool reads the next one.
   */
  async #readVerified(cid: CID, into: Buffer, fileId?: CID): Promise<void> {
    const path = this.#blockPath(cid);
    const handle = await open(path, 'r').catch((cause: unknown) => {
      throw isNotFound(cause) ? notFound(cid.toString(), cause, fileId?.toString()) : cause;
    });
    try {
      const hash = createHash('sha256');
      let position = 0;
      let reading = handle.read(into, 0, Math.min(READ_CHUNK, into.length), 0);
      while (position < into.length) {
        const { bytesRead } = await reading;
        if (bytesRead === 0) break;
        const chunk = into.subarray(position, position + bytesRead);
        position += bytesRead;
        if (position < into.length) reading = handle.read(into, position, Math.min(READ_CHUNK, into.length - position), position);
        hash.update(chunk);
      }
      if (position !== into.length || !hash.digest().equals(cid.multihash.digest)) {
        throw corrupt(cid.toString(), path, fileId?.toString());
      }
    } finally {
      await handle.close();
    }
  }

  /** With syncToDisk: makes the renames of these blocks, and the index lines for them, durable. */
  #syncDirectoriesOf(cids: CID[]): void {
    if (!this.#syncToDisk || cids.length === 0) return;
    for (const shard of new Set(cids.map(shardOf))) fsyncDirectory(shardDir(this.#dir, shard));
    this.#index.flush();
  }

  /** After a crash: the block files on disk are the truth; the index follows them. */
  async #reconcile(): Promise<void> {
    const onDisk = new Map<ContentId, CID>();
    for (let shard = 0; shard < 256; shard++) {
      for (const name of readdirSync(shardDir(this.#dir, shard))) {
        const cid = blockFileId(name, shard);
        if (cid) onDisk.set(name, cid);
      }
    }
    for (const id of this.#index.view.ids()) if (!onDisk.has(id)) this.#index.remove(id);
    for (const [id, cid] of onDisk) {
      if (this.#index.has(id)) continue;
      // Renamed into place just before the crash but not yet indexed. After a power cut such a
      // file may hold garbage, so it is checked before it is counted.
      const bytes = await readFile(this.#blockPath(cid));
      if (matchesContentId(cid, bytes)) this.#index.add(id, bytes.length);
      else rmSync(this.#blockPath(cid));
    }
    this.#index.flush();
  }

  #blockPath(cid: CID): string {
    return join(shardDir(this.#dir, shardOf(cid)), cid.toString());
  }
}

/** store.json names the format; a store written by a newer, incompatible version is not touched. */
function checkFormat(dir: string): void {
  const path = join(dir, 'store.json');
  if (!existsSync(path)) {
    writeFileAtomicSync(path, `${JSON.stringify(STORE_FORMAT)}\n`);
    return;
  }
  let found: unknown;
  try {
    found = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    found = null;
  }
  const { format, version } = (found ?? {}) as Record<string, unknown>;
  if (format !== STORE_FORMAT.format || version !== STORE_FORMAT.version) {
    throw new StorageError(
      'store_unsupported',
      `${path} does not describe a version ${STORE_FORMAT.version} Pakit block store (found ${JSON.stringify(found)}).`,
      'If the data directory was used by a newer Pakit Mesh, run that version; otherwise point the node at an empty directory.',
    );
  }
}

function shardOf(cid: CID): number {
  return cid.multihash.digest[0]!;
}

function shardDir(dir: string, shard: number): string {
  return join(dir, 'blocks', shard.toString(16).padStart(2, '0'));
}

/** The id a file in `blocks/<shard>/` stands for, or null for anything that is not a block file. */
function blockFileId(name: string, shard: number): CID | null {
  try {
    const cid = parseContentId(name);
    return cid.toString() === name && shardOf(cid) === shard ? cid : null;
  } catch {
    return null;
  }
}

async function mapConcurrently<T, R>(items: T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const writeChunk = promisify(write);
const fdatasync = promisify(fdatasyncCallback);

async function writeAll(fd: number, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.length; ) {
    offset += (await writeChunk(fd, bytes, offset, bytes.length - offset)).bytesWritten;
  }
}

function isNotFound(cause: unknown): boolean {
  return (cause as NodeJS.ErrnoException).code === 'ENOENT';
}

function notFound(id: ContentId, cause?: unknown, fileId?: ContentId): StorageError {
  return new StorageError(
    'block_not_found',
    fileId ? `Block ${id} of file ${fileId} is not in this node's store.` : `Block ${id} is not in this node's store.`,
    'Fetch it from a peer that has it, or check the id.',
    { contentId: id, cause },
  );
}

function corrupt(id: ContentId, path: string, fileId?: ContentId): StorageError {
  return new StorageError(
    'block_corrupt',
    `Block ${id}${fileId ? ` of file ${fileId}` : ''} is corrupt on disk (${path} no longer matches its hash); its data was not used.`,
    'Delete the block (it will be fetched again from peers that hold it) and check the disk for errors.',
    { contentId: id },
  );
}
