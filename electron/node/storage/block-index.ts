// Persistence of the block store's index: which blocks this node holds and their sizes, on top of
// the pure DagIndex. Layout (in <store>/index/):
//   snapshot  `pakit-block-index 1 <version> <count> <sha256 of the body>` then `<id> <size>` lines;
//             replaced atomically (temp, fsync, rename).
//   log       one line per change since the snapshot: `<version> + <id> <size>` or `<version> - <id>`.
//             Appended as changes happen; a torn last line (crash mid-append) is cut off on load.
//   clean     present only while the store is closed after a clean shutdown.
// Lines carry the version they produce, so a crash between writing a snapshot and emptying the log
// replays nothing twice. Without `clean`, the caller must reconcile the index with the blocks on disk,
// which are the source of truth; the index is derived data that makes start-up and gossip cheap.
import { closeSync, existsSync, fsyncSync, ftruncateSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { ContentId } from './content-id.ts';
import { DagIndex, type ReadonlyDagIndex } from './dag-index.ts';
import { fsyncDirectory, writeFileAtomicSync } from '../fs/durable.ts';

const SNAPSHOT_MAGIC = 'pakit-block-index';
const SNAPSHOT_FORMAT = 1;
/**
 * The log is folded into a new snapshot once it has more lines than this and than half the ids:
 * replay time stays proportional to the set, and snapshots are written O(log n) times as it grows.
 */
const MIN_LOG_LINES_BEFORE_COMPACTION = 10_000;

export class BlockIndex {
  readonly #dir: string;
  readonly #index: DagIndex;
  readonly #sizes: Map<ContentId, number>;
  readonly #syncToDisk: boolean;
  #logFd: number;
  #logLines: number;
  #usedBytes = 0;
  /** True when the store was closed cleanly, so the index can be trusted without a rescan. */
  readonly wasCleanShutdown: boolean;

  private constructor(dir: string, loaded: Loaded, syncToDisk: boolean) {
    this.#dir = dir;
    this.#sizes = loaded.sizes;
    this.#index = new DagIndex(loaded.sizes.keys(), loaded.version);
    for (const size of loaded.sizes.values()) this.#usedBytes += size;
    this.#logLines = loaded.logLines;
    this.#syncToDisk = syncToDisk;
    this.wasCleanShutdown = loaded.clean;
    this.#logFd = openSync(join(dir, 'log'), 'a');
  }

  /** Loads the index from `dir` (created if missing) and marks the store as in use. */
  static open(dir: string, options: { syncToDisk: boolean }): BlockIndex {
    const loaded = load(dir);
    if (existsSync(join(dir, 'clean'))) {
      rmSync(join(dir, 'clean'));
      fsyncDirectory(dir);
    }
    return new BlockIndex(dir, loaded, options.syncToDisk);
  }

  get view(): ReadonlyDagIndex {
    return this.#index;
  }

  get usedBytes(): number {
    return this.#usedBytes;
  }

  has(id: ContentId): boolean {
    return this.#sizes.has(id);
  }

  sizeOf(id: ContentId): number | undefined {
    return this.#sizes.get(id);
  }

  add(id: ContentId, size: number): boolean {
    if (!this.#index.add(id)) return false;
    this.#sizes.set(id, size);
    this.#usedBytes += size;
    this.#append(`${this.#index.version} + ${id} ${size}\n`);
    return true;
  }

  remove(id: ContentId): boolean {
    const size = this.#sizes.get(id);
    if (size === undefined || !this.#index.remove(id)) return false;
    this.#sizes.delete(id);
    this.#usedBytes -= size;
    this.#append(`${this.#index.version} - ${id}\n`);
    return true;
  }

  /** With syncToDisk, makes the changes logged so far survive power loss. */
  flush(): void {
    if (this.#syncToDisk) fsyncSync(this.#logFd);
  }

  /** Folds the log into a new snapshot. */
  compact(): void {
    const body = this.#index.ids().map((id) => `${id} ${this.#sizes.get(id)}\n`).join('');
    const checksum = createHash('sha256').update(body).digest('hex');
    const header = `${SNAPSHOT_MAGIC} ${SNAPSHOT_FORMAT} ${this.#index.version} ${this.#index.size} ${checksum}\n`;
    writeFileAtomicSync(join(this.#dir, 'snapshot'), header + body);
    ftruncateSync(this.#logFd, 0);
    this.#logLines = 0;
  }

  /** Snapshot, empty log, `clean` marker: the next open trusts the index without a rescan. */
  close(): void {
    this.compact();
    fsyncSync(this.#logFd);
    closeSync(this.#logFd);
    this.#logFd = -1;
    writeFileSync(join(this.#dir, 'clean'), 'closed cleanly\n');
    fsyncDirectory(this.#dir);
  }

  #append(line: string): void {
    writeSync(this.#logFd, line);
    if (++this.#logLines > Math.max(MIN_LOG_LINES_BEFORE_COMPACTION, this.#index.size / 2)) this.compact();
  }
}

type Loaded = { sizes: Map<ContentId, number>; version: number; logLines: number; clean: boolean };

function load(dir: string): Loaded {
  const snapshot = readSnapshot(join(dir, 'snapshot'));
  const sizes = snapshot?.sizes ?? new Map<ContentId, number>();
  let version = snapshot?.version ?? 0;
  const logPath = join(dir, 'log');
  const log = existsSync(logPath) ? readFileSync(logPath, 'utf8') : '';
  let validLength = 0;
  let logLines = 0;
  for (const line of log.split('\n').slice(0, -1)) {
    const change = parseLogLine(line);
    if (!change) break;
    validLength += Buffer.byteLength(line) + 1;
    logLines++;
    if (!snapshot) {
      // The snapshot is unreadable: keep the version moving forward and let the rescan rebuild the set.
      version = Math.max(version, change.version);
    } else if (change.version === version + 1) {
      if (change.size === undefined) sizes.delete(change.id);
      else sizes.set(change.id, change.size);
      version = change.version;
    } else if (change.version > version + 1) {
      break;
    }
  }
  if (validLength < Buffer.byteLength(log)) {
    // Cut off a torn or garbled tail so new lines are not appended after it.
    const fd = openSync(logPath, 'r+');
    ftruncateSync(fd, validLength);
    fsyncSync(fd);
    closeSync(fd);
  }
  const clean = snapshot !== null && existsSync(join(dir, 'clean'));
  return { sizes, version, logLines, clean };
}

function readSnapshot(path: string): { version: number; sizes: Map<ContentId, number> } | null {
  if (!existsSync(path)) return { version: 0, sizes: new Map() };
  const text = readFileSync(path, 'utf8');
  const headerEnd = text.indexOf('\n');
  const [magic, format, version, count, checksum] = text.slice(0, headerEnd).split(' ');
  const body = text.slice(headerEnd + 1);
  if (magic !== SNAPSHOT_MAGIC || format !== String(SNAPSHOT_FORMAT)) return null;
  if (createHash('sha256').update(body).digest('hex') !== checksum) return null;
  const sizes = new Map<ContentId, number>();
  for (const line of body.split('\n').slice(0, -1)) {
    const [id, size] = line.split(' ');
    sizes.set(id!, Number(size));
  }
  if (sizes.size !== Number(count)) return null;
  return { version: Number(version), sizes };
}

function parseLogLine(line: string): { version: number; id: ContentId; size: number | undefined } | null {
  const match = /^(\d+) ([+-]) (b[a-z2-7]{58})(?: (\d+))?$/.exec(line);
  if (!match) return null;
  const [, version, op, id, size] = match;
  if ((op === '+') !== (size !== undefined)) return null;
  return { version: Number(version), id: id!, size: size === undefined ? undefined : Number(size) };
}
