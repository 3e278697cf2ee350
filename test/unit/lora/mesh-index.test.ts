// The mesh index on disk: learned ids survive a restart; a damaged file is moved aside, not trusted.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MeshIndex } from '../../../electron/node/lora/mesh-index.ts';
import { contentIdFor, DAG_CBOR_CODEC, RAW_CODEC } from '../../../electron/node/storage/content-id.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));
function fileIn(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pakit-mesh-index-'));
  dirs.push(dir);
  return join(dir, 'lora-index.bin');
}
const ids = (n: number) => Array.from({ length: n }, (_, i) => contentIdFor(i % 2 ? RAW_CODEC : DAG_CBOR_CODEC, randomBytes(32)).toString());

describe('MeshIndex', () => {
  it('keeps learned ids across a reopen, own blocks count in the root but are not written', () => {
    const path = fileIn();
    const { meshIndex } = MeshIndex.open(path);
    const own = ids(3);
    const learned = ids(5);
    meshIndex.includeOwn(own);
    expect(meshIndex.learn([...learned, own[0]!])).toBe(5);
    meshIndex.save();
    const root = meshIndex.summary().root_hash;

    const reopened = MeshIndex.open(path);
    expect(reopened.problem).toBeUndefined();
    expect(reopened.meshIndex.learnedCount).toBe(5);
    expect(reopened.meshIndex.summary().block_count).toBe(5);
    reopened.meshIndex.includeOwn(own);
    expect(reopened.meshIndex.summary().root_hash).toBe(root);
  });

  it('moves a damaged file aside and starts empty, saying so', () => {
    const path = fileIn();
    const { meshIndex } = MeshIndex.open(path);
    meshIndex.learn(ids(4));
    meshIndex.save();
    const bytes = readFileSync(path);
    bytes[30] = bytes[30]! ^ 0xff;
    writeFileSync(path, bytes);

    const reopened = MeshIndex.open(path);
    expect(reopened.problem).toMatchObject({ kind: 'corrupt' });
    expect(reopened.meshIndex.learnedCount).toBe(0);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(join(path, '..')).some((name) => name.startsWith('lora-index.bin.corrupt-'))).toBe(true);
  });

  it('writes nothing when nothing was learned', () => {
    const path = fileIn();
    MeshIndex.open(path).meshIndex.save();
    expect(existsSync(path)).toBe(false);
  });
});
