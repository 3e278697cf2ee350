// An IP peer's announced large file becomes one row once its root is read from that peer. The peer's
// side is a real block store; the libp2p block exchange between them is replaced by a read of that
// store (test/browser/catalogue.test.ts runs the same over real libp2p on loopback).
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CatalogueService } from '../../../electron/node/catalogue/index.ts';
import { EventHub } from '../../../electron/node/event-hub.ts';
import { BlockStore } from '../../../electron/node/storage/index.ts';

const stores: BlockStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

async function openStore(): Promise<BlockStore> {
  const store = await BlockStore.open(join(mkdtempSync(join(tmpdir(), 'pakit-catalogue-roots-')), 'store'));
  stores.push(store);
  return store;
}

const storage = (author: string, blocks: string[]) => ({ kind: 'storage', body: { capacity: 1e9, blocks }, author, receivedAt: 1 }) as never;

describe('announced large files', () => {
  it('reads the root from the peer that announced it: one row with the total size, blocks folded', async () => {
    const peer = await openStore();
    const bytes = randomBytes(2 * 1024 * 1024 + 10);
    const root = await peer.store(bytes);
    const asked: string[] = [];
    const catalogue = new CatalogueService({
      clock: { now: () => 1 },
      hub: new EventHub(),
      store: await openStore(),
      fetchRoot: async (id, from) => {
        asked.push(`${id} ${from}`);
        return peer.get(id);
      },
    });
    catalogue.announced(storage('peerA', peer.list()));
    await expect.poll(async () => (await catalogue.list({ query: '', offset: 0, limit: 10 })).total).toBe(1);
    const page = await catalogue.list({ query: '', offset: 0, limit: 10 });
    expect(page.entries[0]).toMatchObject({ contentId: root, size: bytes.length, sizeClaimed: false, largeFile: true, blocks: 3, heldHere: false, holders: [{ transport: 'ip', nodeId: 'peerA' }] });
    // Announced again, by the same peer or another: the root is not read again.
    catalogue.announced(storage('peerA', peer.list()));
    catalogue.announced(storage('peerB', peer.list()));
    expect(asked).toEqual([`${root} peerA`]);
    expect((await catalogue.list({ query: '', offset: 0, limit: 10 })).entries[0]!.holders.map((holder) => holder.nodeId)).toEqual(['peerA', 'peerB']);
  });

  it('a root the peer does not serve stays one row without a size, and is not asked of that peer again', async () => {
    const peer = await openStore();
    const root = await peer.store(randomBytes(1024 * 1024 + 1));
    const logged: string[] = [];
    let asked = 0;
    const catalogue = new CatalogueService({
      clock: { now: () => 1 },
      hub: new EventHub(),
      store: await openStore(),
      log: (_level, message) => logged.push(message),
      fetchRoot: async () => {
        asked += 1;
        throw new Error('no peer served it');
      },
    });
    catalogue.announced(storage('peerA', [root]));
    await expect.poll(() => logged.length).toBe(1);
    expect(logged[0]).toContain(`the root of ${root} could not be read from peerA (no peer served it)`);
    catalogue.announced(storage('peerA', [root]));
    expect(asked).toBe(1);
    expect((await catalogue.list({ query: '', offset: 0, limit: 10 })).entries).toMatchObject([{ contentId: root, largeFile: true }]);
    expect((await catalogue.list({ query: '', offset: 0, limit: 10 })).entries[0]).not.toHaveProperty('size');
  });
});
