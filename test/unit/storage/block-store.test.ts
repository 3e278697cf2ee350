import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as dagCbor from '@ipld/dag-cbor';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { BLOCK_SIZE, BlockStore, rootHashOf, StorageError } from '../../../electron/node/storage/index.ts';
import { contentIdFor, DAG_CBOR_CODEC, parseContentId, RAW_CODEC } from '../../../electron/node/storage/content-id.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pakit-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function blockFile(id: string): string {
  return join(dir, 'blocks', parseContentId(id).multihash.digest[0]!.toString(16).padStart(2, '0'), id);
}
function blockFilesOnDisk(): string[] {
  return readdirSync(join(dir, 'blocks'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();
}
async function expectStorageError(promise: Promise<unknown>, code: StorageError['code']): Promise<StorageError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected StorageError ${code}`);
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(StorageError);
  expect((error as StorageError).code).toBe(code);
  expect((error as StorageError).fix.length).toBeGreaterThan(10);
  return error as StorageError;
}

describe('store and read', () => {
  test('a small file is one raw block whose id is the hash of its bytes', async () => {
    const store = await BlockStore.open(dir);
    const bytes = Buffer.from('hello mesh');
    const id = await store.store(bytes);
    expect(id).toBe(contentIdFor(RAW_CODEC, bytes).toString());
    expect(id).toMatch(/^bafkrei/);
    expect(Buffer.from(await store.get(id)).toString()).toBe('hello mesh');
    expect(Buffer.from(await store.readFile(id)).toString()).toBe('hello mesh');
    expect(store.has(id)).toBe(true);
    expect(store.list()).toEqual([id]);
    store.close();
  });

  test('a large file is split into blocks joined by a dag-cbor root that lists them and the size', async () => {
    const store = await BlockStore.open(dir);
    const bytes = randomBytes(3 * BLOCK_SIZE + 777);
    const id = await store.store(bytes);
    expect(id).toMatch(/^bafyrei/);
    expect(Buffer.from(await store.readFile(id)).equals(bytes)).toBe(true);
    const root = dagCbor.decode(await store.get(id)) as { size: number; block_size: number; blocks: unknown[] };
    expect(root.size).toBe(bytes.length);
    expect(root.block_size).toBe(BLOCK_SIZE);
    expect(root.blocks.map(String)).toEqual(
      [0, 1, 2, 3].map((i) => contentIdFor(RAW_CODEC, bytes.subarray(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE)).toString()),
    );
    expect(store.list()).toHaveLength(5);
    expect(blockFilesOnDisk()).toEqual([...store.list()].sort());
    store.close();
  });

  test('storing the same bytes again gives the same id and uses no more space', async () => {
    const store = await BlockStore.open(dir);
    const bytes = randomBytes(BLOCK_SIZE + 1);
    const first = await store.store(bytes);
    const used = (await store.stats()).usedBytes;
    expect(await store.store(bytes)).toBe(first);
    expect((await store.stats()).usedBytes).toBe(used);
    expect(store.index.version).toBe(3);
    store.close();
  });

  test('empty files and files of exactly one block round-trip', async () => {
    const store = await BlockStore.open(dir);
    for (const bytes of [new Uint8Array(), randomBytes(BLOCK_SIZE)]) {
      const id = await store.store(bytes);
      expect(id).toMatch(/^bafkrei/);
      expect(Buffer.from(await store.readFile(id)).equals(Buffer.from(bytes))).toBe(true);
    }
    store.close();
  });

  test('an id that is not a stored kind of CID is refused with a typed error', async () => {
    const store = await BlockStore.open(dir);
    await expectStorageError(store.get('not-a-cid'), 'invalid_content_id');
    await expectStorageError(store.get('QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'), 'invalid_content_id');
    await expectStorageError(store.get(contentIdFor(RAW_CODEC, Buffer.from('absent')).toString()), 'block_not_found');
    expect(store.has('not-a-cid')).toBe(false);
    store.close();
  });
});

describe('verification on every read', () => {
  test('a block flipped on disk is reported corrupt and its data is never returned', async () => {
    const store = await BlockStore.open(dir);
    const id = await store.store(Buffer.from('precious data'));
    const path = blockFile(id);
    const bytes = readFileSync(path);
    bytes[3] = bytes[3]! ^ 0x01;
    writeFileSync(path, bytes);
    const error = await expectStorageError(store.get(id), 'block_corrupt');
    expect(error.contentId).toBe(id);
    expect(error.message).toContain(path);
    await expectStorageError(store.readFile(id), 'block_corrupt');
    store.close();
  });

  test('a flipped or truncated block inside a large file fails the whole read', async () => {
    const store = await BlockStore.open(dir);
    const bytes = randomBytes(2 * BLOCK_SIZE + 10);
    const id = await store.store(bytes);
    const second = contentIdFor(RAW_CODEC, bytes.subarray(BLOCK_SIZE, 2 * BLOCK_SIZE)).toString();
    const path = blockFile(second);
    const original = readFileSync(path);
    const flipped = Buffer.from(original);
    flipped[BLOCK_SIZE - 1] = flipped[BLOCK_SIZE - 1]! ^ 0x80;
    writeFileSync(path, flipped);
    expect((await expectStorageError(store.readFile(id), 'block_corrupt')).contentId).toBe(second);
    writeFileSync(path, original);
    truncateSync(path, 100);
    await expectStorageError(store.readFile(id), 'block_corrupt');
    rmSync(path);
    await expectStorageError(store.readFile(id), 'block_not_found');
    store.close();
  });
});

describe('capacity', () => {
  test('a store over quota is refused before anything is written', async () => {
    const store = await BlockStore.open(dir, { quotaBytes: 3 * BLOCK_SIZE });
    await store.store(randomBytes(BLOCK_SIZE));
    const before = blockFilesOnDisk();
    const error = await expectStorageError(store.store(randomBytes(2 * BLOCK_SIZE + 1)), 'quota_exceeded');
    expect(error.message).toContain('Nothing was written');
    expect(blockFilesOnDisk()).toEqual(before);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
    const stats = await store.stats();
    expect(stats.usedBytes).toBe(BLOCK_SIZE);
    expect(stats.quotaBytes).toBe(3 * BLOCK_SIZE);
    expect(stats.availableBytes).toBe(2 * BLOCK_SIZE);
    store.close();
  });

  test('near the quota, blocks already held do not count', async () => {
    const store = await BlockStore.open(dir, { quotaBytes: 2 * BLOCK_SIZE + 1000 });
    const bytes = randomBytes(2 * BLOCK_SIZE);
    const id = await store.store(bytes);
    expect((await store.stats()).availableBytes).toBeLessThan(1000);
    expect(await store.store(bytes)).toBe(id);
    store.close();
  });

  test('concurrent stores cannot overshoot the quota together', async () => {
    const store = await BlockStore.open(dir, { quotaBytes: 3 * BLOCK_SIZE });
    const results = await Promise.allSettled([store.store(randomBytes(2 * BLOCK_SIZE)), store.store(randomBytes(2 * BLOCK_SIZE))]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect((await store.stats()).usedBytes).toBeLessThanOrEqual(3 * BLOCK_SIZE);
    store.close();
  });

  test('stats count block bytes; delete frees them', async () => {
    const store = await BlockStore.open(dir);
    const small = await store.store(Buffer.alloc(1000, 1));
    const large = await store.store(randomBytes(BLOCK_SIZE + 5));
    const stats = await store.stats();
    expect(stats.blockCount).toBe(4);
    expect(stats.usedBytes).toBeGreaterThan(BLOCK_SIZE + 1005);
    expect(stats.quotaBytes).toBeNull();
    expect(stats.availableBytes).toBe(stats.diskFreeBytes);
    expect(await store.delete(small)).toBe(true);
    expect(await store.delete(small)).toBe(false);
    expect(store.has(small)).toBe(false);
    expect((await store.stats()).usedBytes).toBe(stats.usedBytes - 1000);
    await expectStorageError(store.get(small), 'block_not_found');
    expect(store.has(large)).toBe(true);
    store.close();
  });
});

describe('persistence and recovery', () => {
  test('a cleanly closed store reopens with the same blocks and index summary', async () => {
    const store = await BlockStore.open(dir);
    const ids = [await store.store(randomBytes(100)), await store.store(randomBytes(BLOCK_SIZE + 1))];
    await store.delete(ids[0]!);
    const summary = store.index.summary();
    store.close();
    const reopened = await BlockStore.open(dir);
    expect(reopened.index.summary()).toEqual(summary);
    expect([...reopened.list()].sort()).toEqual(blockFilesOnDisk());
    expect(reopened.has(ids[0]!)).toBe(false);
    expect(reopened.has(ids[1]!)).toBe(true);
    reopened.close();
  });

  test('after a crash, temp files are removed and the index is rebuilt from the blocks on disk', async () => {
    const store = await BlockStore.open(dir);
    const kept = await store.store(Buffer.from('kept'));
    const vanished = await store.store(Buffer.from('vanished'));
    const versionBefore = store.index.version;
    // No close(): as if the process died. Then leave what a crash leaves behind.
    writeFileSync(join(dir, 'tmp', 'half-written'), 'partial');
    rmSync(blockFile(vanished));
    const orphanBytes = Buffer.from('renamed into place, not yet indexed');
    const orphan = contentIdFor(RAW_CODEC, orphanBytes);
    writeFileSync(blockFile(orphan.toString()), orphanBytes);
    const garbage = contentIdFor(RAW_CODEC, Buffer.from('never fully written'));
    writeFileSync(blockFile(garbage.toString()), Buffer.alloc(19));

    const reopened = await BlockStore.open(dir);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
    expect([...reopened.list()].sort()).toEqual([kept, orphan.toString()].sort());
    expect(blockFilesOnDisk()).toEqual([kept, orphan.toString()].sort());
    expect(reopened.index.rootHash()).toBe(rootHashOf([kept, orphan.toString()]));
    expect(reopened.index.version).toBe(versionBefore + 2);
    expect((await reopened.stats()).usedBytes).toBe(4 + orphanBytes.length);
    reopened.close();
  });

  test('a dag-cbor block that is not a file is held but readFile refuses it', async () => {
    const store = await BlockStore.open(dir);
    store.close();
    const bytes = dagCbor.encode({ hello: 'mesh' });
    const cid = contentIdFor(DAG_CBOR_CODEC, bytes);
    writeFileSync(blockFile(cid.toString()), bytes);
    rmSync(join(dir, 'index', 'clean'));
    const reopened = await BlockStore.open(dir);
    expect(Buffer.from(await reopened.get(cid.toString())).equals(Buffer.from(bytes))).toBe(true);
    await expectStorageError(reopened.readFile(cid.toString()), 'not_a_file');
    reopened.close();
  });

  test('a store written by a newer format version is not touched', async () => {
    writeFileSync(join(dir, 'store.json'), JSON.stringify({ format: 'pakit-block-store', version: 2 }));
    const error = await BlockStore.open(dir).then(
      () => null,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).code).toBe('store_unsupported');
  });

  test('syncToDisk stores and reads the same way', async () => {
    const store = await BlockStore.open(dir, { syncToDisk: true });
    const bytes = randomBytes(BLOCK_SIZE + 3);
    const id = await store.store(bytes);
    store.close();
    const reopened = await BlockStore.open(dir, { syncToDisk: true });
    expect(Buffer.from(await reopened.readFile(id)).equals(bytes)).toBe(true);
    reopened.close();
  });
});
