// catalogue.list through the contract server of a real node (real store): files stored and removed
// show and go as "held here", the event tells consoles, a bad query is refused with its field.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MeshIndex } from '../../../electron/node/lora/mesh-index.ts';
import type { CataloguePage } from '../../../shared/contract/index.ts';
import type { PakitNode } from '../../../electron/node/node.ts';
import { createTestNode } from '../../helpers/test-node.ts';

const nodes: PakitNode[] = [];
afterEach(async () => {
  for (const node of nodes.splice(0)) await node.stop();
});

describe('catalogue.list', () => {
  it('lists what the store holds, searches it, follows removals and says when it changed', async () => {
    const node = await createTestNode();
    nodes.push(node);
    const changes: number[] = [];
    node.hub.subscribe((name, payload) => {
      if (name === 'catalogue.changed') changes.push((payload as { known: number }).known);
    });
    expect(await node.api.call('catalogue.list', {})).toEqual({ ok: true, value: { total: 0, known: 0, entries: [] } });

    const upload = async (text: string) => {
      const stored = await node.api.call('storage.upload', { name: `${text.replaceAll(' ', '-')}.txt`, dataBase64: Buffer.from(text).toString('base64') });
      if (!stored.ok) throw new Error(stored.error.message);
      return (stored.value as { id: string }).id;
    };
    const first = await upload('first file');
    const second = await upload('the second file');
    expect(changes).toEqual([1, 2]);
    const list = async (request: object) => {
      const answer = await node.api.call('catalogue.list', request);
      if (!answer.ok) throw new Error(answer.error.message);
      return answer.value as CataloguePage;
    };
    const listed = await list({});
    expect(listed).toMatchObject({ total: 2, known: 2 });
    expect(listed.entries.map((entry) => entry.contentId)).toEqual([second, first]);
    expect(listed.entries[0]).toEqual({ contentId: second, size: 15, sizeClaimed: false, largeFile: false, name: 'the-second-file.txt', type: 'text/plain', holders: [], heldHere: true, learnedOverLora: false, lastSeen: expect.any(Number) });

    expect((await list({ query: first.slice(-10).toUpperCase() })).entries.map((entry) => entry.contentId)).toEqual([first]);
    expect((await list({ query: 'SECOND-file' })).entries.map((entry) => entry.contentId)).toEqual([second]);
    expect(await node.api.call('catalogue.list', { limit: 1, offset: 1 })).toMatchObject({ ok: true, value: { total: 2, entries: [{ contentId: first }] } });

    await node.api.call('storage.delete', { id: first });
    expect(await node.api.call('catalogue.list', {})).toMatchObject({ ok: true, value: { total: 1, entries: [{ contentId: second }] } });
    expect(changes.at(-1)).toBe(1);

    expect(await node.api.call('catalogue.list', { limit: 0 })).toMatchObject({ ok: false, error: { code: 'invalid_input', issues: [{ path: 'limit' }] } });
  });

  it('after a restart, lists the ids learned over LoRa before it (kept in the mesh index), to request over LoRa', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pakit-catalogue-'));
    const learned = ['bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'];
    const { meshIndex } = MeshIndex.open(join(dataDir, 'lora-mesh-index.bin'));
    meshIndex.learn(learned);
    meshIndex.save();
    const node = await createTestNode({ dataDir });
    nodes.push(node);
    const answer = await node.api.call('catalogue.list', {});
    const page = answer.ok ? (answer.value as CataloguePage) : undefined;
    expect(page?.entries.map((entry) => entry.contentId).sort()).toEqual([...learned].sort());
    expect(page?.entries[0]).toMatchObject({ heldHere: false, learnedOverLora: true, holders: [] });
  });
});
