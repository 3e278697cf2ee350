// Two real Pakit nodes gossiping over libp2p on 127.0.0.1 (free ports), driven only through the
// contract: they see each other, a block is announced, found, fetched, verified and stored; a peer
// that forges signatures ends up flagged in the peer list with the reason, and out of discovery.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventMessage, MeshHealth, MeshPeer, MethodName, MethodOutput, MethodParams } from '../../shared/contract/index.ts';
import { GossipService } from '../../electron/node/gossip/index.ts';
import { NodeIdentity } from '../../electron/node/identity/index.ts';
import type { PakitNode } from '../../electron/node/node.ts';
import { BlockStore } from '../../electron/node/storage/index.ts';
import { createTestNode, testMeshSettings } from '../helpers/test-node.ts';

async function call<M extends MethodName>(node: PakitNode, method: M, params: MethodParams<M>): Promise<MethodOutput<M>> {
  const result = await node.api.call(method, params);
  if (!result.ok) throw new Error(`${method}: ${result.error.message}`);
  return result.value as MethodOutput<M>;
}

async function until<T>(probe: () => Promise<T | undefined | false> | T | undefined | false, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`timed out waiting for ${what}`);
}

let a: PakitNode;
let b: PakitNode;
let aId: string;
const heardByB: EventMessage[] = [];

beforeAll(async () => {
  a = await createTestNode();
  await a.start();
  const aHealth = await call(a, 'mesh.health', {});
  aId = aHealth.peerId;
  b = await createTestNode({ mesh: { ...testMeshSettings, bootstrap: aHealth.addresses } });
  b.api.connect({ send: (message) => heardByB.push(message) });
  await b.start();
});

afterAll(async () => {
  await b?.stop();
  await a?.stop();
});

describe('two nodes gossiping through the contract', () => {
  it('see each other, announce a file, find its holder, fetch it verified and store it', async () => {
    const bId = (await call(b, 'mesh.health', {})).peerId;
    await until(async () => (await call(b, 'mesh.peers', {})).some((peer) => peer.id === aId && peer.connected), 'b to list a');
    await until(async () => (await call(a, 'mesh.peers', {})).some((peer) => peer.id === bId), 'a to list b');

    const bytes = randomBytes(300_000);
    const { id: cid } = await call(a, 'storage.upload', { name: 'map.bin', dataBase64: bytes.toString('base64') });
    // The first announcement can go out before the two nodes exchanged their subscriptions.
    const holders = await until(async () => {
      await call(a, 'mesh.announceBlock', { cid });
      const found = await call(b, 'mesh.findBlockPeers', { cid, maxPeers: 5 });
      return found.length > 0 && found;
    }, 'the announcement to reach b');
    expect(holders.map((peer) => peer.id)).toEqual([aId]);
    expect(holders[0]).toMatchObject({ transports: ['ip'], connected: true, filtered: false });

    expect(await call(b, 'mesh.requestBlock', { cid })).toEqual({ id: cid, size: bytes.length });
    const download = await call(b, 'storage.download', { id: cid });
    expect(Buffer.from(download.dataBase64, 'base64').equals(bytes)).toBe(true);
    const aAtB = (await call(b, 'mesh.peers', {})).find((peer) => peer.id === aId)!;
    expect(aAtB.reputation.score).toBeGreaterThan(0.5);
    expect(aAtB.reputation.reasons.map((reason) => reason.kind)).toContain('block_served');

    await call(a, 'mesh.announceStorage', { capacity: 123_456_789 });
    const storage = await until(async () => {
      const peers = await call(b, 'mesh.storagePeers', {});
      return peers.length > 0 && peers;
    }, 'the storage announcement');
    expect(storage[0]).toMatchObject({ id: aId, storageCapacity: 123_456_789 });

    const health = await call(b, 'mesh.health', {});
    expect(health).toMatchObject({ phase: 'running', running: true, connected: true, peerCount: 1 });
    expect(health.messagesIn).toBeGreaterThanOrEqual(2);
    expect(health.lastGossipAt).not.toBeNull();
  }, 40_000);

  it('publishes health samples and the peer list to consoles as events', async () => {
    const events = (name: string) => heardByB.filter((message) => message.event === name).flatMap((message) => message.data);
    await until(() => (events('mesh.health') as MeshHealth[]).some((sample) => sample.peerCount === 1 && sample.messagesInPerSecond >= 0), 'a health sample');
    await until(() => (events('mesh.peers') as MeshPeer[][]).some((list) => list.some((peer) => peer.id === aId)), 'a peer list naming a');
    const history = await call(b, 'mesh.healthHistory', { limit: 1800 });
    expect(history.length).toBeGreaterThan(0);
    expect(history.every((sample, i) => i === 0 || sample.sampledAt > history[i - 1]!.sampledAt)).toBe(true);
  });

  it('a peer that forges signatures is flagged with the reason, and left out of discovery', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pakit-forger-'));
    const store = await BlockStore.open(dir);
    const real = NodeIdentity.generate();
    // Its libp2p key is real (gossipsub accepts the envelope); the announcement inside is signed by another key.
    const forging = { publicKey: real.publicKey, fingerprint: real.fingerprint, libp2pPrivateKey: () => real.libp2pPrivateKey(), sign: (bytes: Uint8Array) => NodeIdentity.generate().sign(bytes) };
    const forger = new GossipService({
      identity: forging as unknown as NodeIdentity,
      store,
      settings: testMeshSettings,
      listen: { host: '127.0.0.1', port: 0 },
      bootstrap: (await call(b, 'mesh.health', {})).addresses,
      dht: false,
    });
    await forger.start();
    try {
      const cid = await store.store(randomBytes(50));
      const flagged = await until(async () => {
        await forger.announceBlock(cid, 50);
        return (await call(b, 'mesh.peers', { includeFiltered: true })).find((peer) => peer.id === forger.peerId && peer.filtered);
      }, 'the forger to be filtered');
      expect(flagged.reputation.reasons[0]).toMatchObject({ kind: 'signature_invalid', effect: 'bad' });
      expect(flagged.transports).toEqual(['ip']);
      expect((await call(b, 'mesh.peers', {})).map((peer) => peer.id)).not.toContain(forger.peerId);
      expect((await call(b, 'mesh.health', {})).filteredCount).toBe(1);
      await until(() => b.log.recent(200, 'warn').some((entry) => entry.message.startsWith(`peer ${forger.peerId} filtered`)), 'the log to say so');
    } finally {
      await forger.stop();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
