// A store killed with SIGKILL in the middle of writing a large file: after reopening, every listed
// block verifies, the index equals the blocks on disk, finished files read back intact, and the
// interrupted file has no root.
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { BlockStore, rootHashOf } from '../../electron/node/storage/index.ts';
import { contentIdFor, RAW_CODEC } from '../../electron/node/storage/content-id.ts';
import { BLOCK_SIZE } from '../../electron/node/storage/file-node.ts';
import { fileContent } from './fixtures/large-file-content.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pakit-crash-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the child until it reports progress on file 1 (file 0 finished), then SIGKILLs it. */
function storeUntilKilledMidFile(storeDir: string): Promise<{ output: string; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'store-large-files.ts'), storeDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/^progress 1 \d+$/m.test(output)) child.kill('SIGKILL');
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === null) reject(new Error(`child exited with ${code} before being killed:\n${output}\n${stderr}`));
      else resolve({ output, signal });
    });
  });
}

test('a store killed mid-file reopens consistent: blocks verify, index equals disk, no partial file', async () => {
  const storeDir = join(dir, 'store');
  const { output, signal } = await storeUntilKilledMidFile(storeDir);
  expect(signal).toBe('SIGKILL');
  const finished = [...output.matchAll(/^stored (\d+) (\S+)$/gm)].map((match) => ({ file: Number(match[1]), id: match[2]! }));
  expect(finished.map((entry) => entry.file)).toEqual([0]);
  expect(output).not.toMatch(/^stored 1 /m);

  const store = await BlockStore.open(storeDir);
  try {
    expect(readdirSync(join(storeDir, 'tmp'))).toEqual([]);

    const onDisk = readdirSync(join(storeDir, 'blocks'), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => entry.name)
      .sort();
    const listed = store.list();
    expect([...listed].sort()).toEqual(onDisk);
    expect(store.index.rootHash()).toBe(rootHashOf(onDisk));
    for (const id of listed) await expect(store.get(id)).resolves.toBeInstanceOf(Uint8Array);

    // The finished file is intact.
    expect(Buffer.from(await store.readFile(finished[0]!.id)).equals(fileContent(0))).toBe(true);

    // The kill landed mid-file: some of file 1's blocks are held, not all, and no root names them.
    const file1 = fileContent(1);
    const file1Leaves = Array.from({ length: Math.ceil(file1.length / BLOCK_SIZE) }, (_, i) =>
      contentIdFor(RAW_CODEC, file1.subarray(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE)).toString(),
    );
    const held = file1Leaves.filter((id) => store.has(id)).length;
    expect(held).toBeGreaterThan(0);
    expect(held).toBeLessThan(file1Leaves.length);
    const roots = listed.filter((id) => id.startsWith('bafyrei'));
    expect(roots).toEqual([finished[0]!.id]);

    // The index carries on from where it was: storing file 1 again completes it.
    const id = await store.store(file1);
    expect(Buffer.from(await store.readFile(id)).equals(file1)).toBe(true);
  } finally {
    store.close();
  }
});
