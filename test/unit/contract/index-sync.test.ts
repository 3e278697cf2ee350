// index.sync through the contract server of a real node without a radio (no peer can announce), and
// the contract's view of what the real sync core reports for radio peers.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IndexSyncView, methods, type EventName } from '../../../shared/contract/index.ts';
import { toIndexSyncView } from '../../../electron/node/api/handlers.ts';
import { IndexSync } from '../../../electron/node/lora/sync/index.ts';
import type { PakitNode, PakitNodeOptions } from '../../../electron/node/node.ts';
import { contentIdFor, RAW_CODEC } from '../../../electron/node/storage/content-id.ts';
import { BlockStore, DagIndex } from '../../../electron/node/storage/index.ts';
import { createTestNode } from '../../helpers/test-node.ts';

const nodes: PakitNode[] = [];

async function startedNode(overrides: Partial<PakitNodeOptions> = {}): Promise<PakitNode> {
  const node = await createTestNode(overrides);
  nodes.push(node);
  await node.start();
  return node;
}

afterEach(async () => {
  for (const node of nodes.splice(0)) await node.stop();
});

const valueOf = (result: { ok: boolean; value?: unknown }) => (result.ok ? result.value : undefined);
const upload = (node: PakitNode, text: string) => node.api.call('storage.upload', { name: `${text}.txt`, dataBase64: Buffer.from(text).toString('base64') });

describe('index.sync', () => {
  it('answers a valid view of a node no radio peer has reached: no peers, nothing learned, the index of its own blocks', async () => {
    const node = await startedNode();
    const view = valueOf(await node.api.call('index.sync', {}));
    expect(IndexSyncView.safeParse(view).success).toBe(true);
    expect(view).toEqual({ summary: valueOf(await node.api.call('index.summary', {})), learned: 0, peers: [] });
  });

  it('counts the blocks the node holds in its mesh index after an upload, learned ones apart', async () => {
    const first = await startedNode();
    for (const text of ['water point 3 is dry', 'road to camp 2 flooded']) expect((await upload(first, text)).ok).toBe(true);
    await first.stop();
    nodes.splice(nodes.indexOf(first), 1);

    // Own blocks enter the mesh index when the node opens and before each index announce (radio needed).
    const reopened = await startedNode({ dataDir: first.options.dataDir, store: await BlockStore.open(join(first.options.dataDir, 'store')) });
    const held = valueOf(await reopened.api.call('index.summary', {}));
    expect(held).toMatchObject({ blockCount: 2 });
    expect(valueOf(await reopened.api.call('index.sync', {}))).toEqual({ summary: held, learned: 0, peers: [] });
  });

  it('publishes the service’s sync changes as the index.sync event, in the method’s shape', async () => {
    const node = await startedNode();
    const heard: Array<[EventName, unknown]> = [];
    node.hub.subscribe((name, payload) => heard.push([name, payload]));
    node.lora.emit('sync', node.lora.syncView());
    expect(heard.filter(([name]) => name === 'index.sync')).toEqual([['index.sync', valueOf(await node.api.call('index.sync', {}))]]);
  });

  it('declares every field the sync core reports per radio peer, failures with their reason', () => {
    const index = new DagIndex(['a', 'b', 'c'].map((text) => contentIdFor(RAW_CODEC, Buffer.from(text)).toString()));
    const sync = new IndexSync({ index, random: () => 0.25 });
    const ours = index.summary();
    const announce = (rootHash: string) => ({ type: 'index-announce' as const, version: 1, blockCount: 4, rootHash });
    sync.onAnnounce('!0000beef', announce(ours.root_hash), 1_000);
    // A higher root than ours: this node starts at once, then the peer never answers.
    expect(sync.onAnnounce('!0000abcd', announce('f'.repeat(64)), 2_000).send).toHaveLength(1);
    sync.tick(2_000 + 180_000);

    const view = toIndexSyncView({ summary: ours, learned: 0, peers: sync.peers() });
    // Parsing strips undeclared fields: equality means the contract carries all of them.
    expect(methods['index.sync'].output.parse(view)).toEqual(view);
    expect(view.summary).toEqual({ version: ours.version, rootHash: ours.root_hash, blockCount: 3 });
    expect(view.peers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ peer: '!0000beef', state: 'in_sync', theirRoot: ours.root_hash }),
        expect.objectContaining({ peer: '!0000abcd', state: 'failed', ourRoot: ours.root_hash, error: { reason: 'timeout', detail: expect.any(String) } }),
      ]),
    );
    expect(view.peers.find((peer) => peer.peer === '!0000abcd')?.bytesOnAir).toBeGreaterThan(0);
  });
});
