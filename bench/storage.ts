// Block store and DAG index figures, each against a baseline measured in the same run:
//   storage.*: 64 MiB as 64 files of 1 MiB, stored then read back (verified) through BlockStore,
//     against plain fs/promises writeFile/readFile of the same bytes (same API family, no hashing).
//     Each figure is the median of REPEATS rounds; every round uses fresh directories so nothing
//     is deduplicated. Both sides read from the page cache right after writing.
//   storage.*_synced_*: the same with syncToDisk (fsync per block + directory + index) against
//     writeFile with `flush: true` (fsync per file): the price of surviving power loss.
//   index.insert_per_s: 100,000 ids added one by one to a DagIndex with the root read after every
//     insert (the strictest way to keep it current; in normal operation it is read lazily).
//   index.root_100k_ms: a 100,000-id index built from scratch and its root computed.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlockStore, DagIndex, rootHashOf } from '../electron/node/storage/index.ts';
import { contentIdFor, RAW_CODEC } from '../electron/node/storage/content-id.ts';

const MiB = 1024 * 1024;
const FILES = 64;
const REPEATS = 5;
const SYNCED_FILES = 16;
const INDEX_IDS = 100_000;

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const root = mkdtempSync(join(tmpdir(), 'pakit-bench-storage-'));
  try {
    const files = Array.from({ length: FILES }, () => randomBytes(MiB));
    const rounds = { fsWrite: [] as number[], fsRead: [] as number[], put: [] as number[], get: [] as number[] };
    for (let round = 0; round < REPEATS; round++) {
      const dir = join(root, `round-${round}`);
      mkdirSync(join(dir, 'fs'), { recursive: true });
      rounds.fsWrite.push(await seconds(async () => {
        for (const [i, file] of files.entries()) await writeFile(join(dir, 'fs', String(i)), file);
      }));
      const store = await BlockStore.open(join(dir, 'store'));
      const ids: string[] = [];
      rounds.put.push(await seconds(async () => {
        for (const file of files) ids.push(await store.store(file));
      }));
      rounds.fsRead.push(await seconds(async () => {
        for (let i = 0; i < FILES; i++) await readFile(join(dir, 'fs', String(i)));
      }));
      // Neither side keeps what it read while timed (kept buffers would cost one side fresh pages).
      rounds.get.push(await seconds(async () => {
        for (const id of ids) await store.readFile(id);
      }));
      for (const [i, id] of ids.entries()) {
        if (!Buffer.from(await store.readFile(id)).equals(files[i]!)) throw new Error('read back differs');
      }
      store.close();
      rmSync(dir, { recursive: true });
      log(`round ${round + 1}/${REPEATS} done`);
    }
    const mbPerS = (samples: number[], files = FILES): number => files / median(samples);
    const figures: Record<string, number> = {
      'storage.put_mb_s': mbPerS(rounds.put),
      'storage.get_mb_s': mbPerS(rounds.get),
      'storage.fs_write_mb_s': mbPerS(rounds.fsWrite),
      'storage.fs_read_mb_s': mbPerS(rounds.fsRead),
    };
    figures['storage.put_vs_fs'] = figures['storage.put_mb_s']! / figures['storage.fs_write_mb_s']!;
    figures['storage.get_vs_fs'] = figures['storage.get_mb_s']! / figures['storage.fs_read_mb_s']!;

    const synced = await syncedFigures(root, files.slice(0, SYNCED_FILES));
    Object.assign(figures, synced);
    log(`synced writes: ${SYNCED_FILES} MiB, power-loss safe`);

    Object.assign(figures, indexFigures());
    return figures;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function syncedFigures(root: string, files: Buffer[]): Promise<Record<string, number>> {
  const dir = join(root, 'synced');
  mkdirSync(join(dir, 'fs'), { recursive: true });
  const fsWrite = await seconds(async () => {
    for (const [i, file] of files.entries()) await writeFile(join(dir, 'fs', String(i)), file, { flush: true });
  });
  const store = await BlockStore.open(join(dir, 'store'), { syncToDisk: true });
  const put = await seconds(async () => {
    for (const file of files) await store.store(file);
  });
  store.close();
  return {
    'storage.put_synced_mb_s': files.length / put,
    'storage.fs_write_synced_mb_s': files.length / fsWrite,
    'storage.put_synced_vs_fs': fsWrite / put,
  };
}

function indexFigures(): Record<string, number> {
  const ids = Array.from({ length: INDEX_IDS }, (_, i) => contentIdFor(RAW_CODEC, Buffer.from(`bench block ${i}`)).toString());
  const index = new DagIndex();
  const start = performance.now();
  for (const id of ids) {
    index.add(id);
    index.rootHash();
  }
  const insertSeconds = (performance.now() - start) / 1000;
  const buildStart = performance.now();
  const rebuilt = new DagIndex(ids);
  const rebuiltRoot = rebuilt.rootHash();
  const buildMs = performance.now() - buildStart;
  if (rebuiltRoot !== index.rootHash() || rebuiltRoot !== rootHashOf(ids)) throw new Error('index roots disagree');
  return { 'index.insert_per_s': Math.round(INDEX_IDS / insertSeconds), 'index.root_100k_ms': buildMs };
}

async function seconds(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}
