// Real libp2p nodes on 127.0.0.1 (port 0): gossip, block fetch, network isolation, Byzantine filter.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { defaultMeshSettings } from '../../electron/node/config.ts';
import { z } from 'zod';
import { GossipService, type MessageType, type RateLimit, type ReceivedAnnouncement } from '../../electron/node/gossip/index.ts';
import { NodeIdentity } from '../../electron/node/identity/index.ts';
import { BlockStore } from '../../electron/node/storage/index.ts';

type TestNode = { service: GossipService; store: BlockStore; identity: NodeIdentity; received: ReceivedAnnouncement[] };

const running: Array<{ node: TestNode; dir: string }> = [];

type NodeOptions = {
  networkId?: string;
  bootstrap?: TestNode[];
  identity?: NodeIdentity;
  dht?: boolean;
  messageTypes?: Record<string, MessageType>;
  rateLimit?: RateLimit;
};

async function startNode(options: NodeOptions = {}): Promise<TestNode> {
  const dir = mkdtempSync(join(tmpdir(), 'pakit-gossip-'));
  const store = await BlockStore.open(dir);
  const identity = options.identity ?? NodeIdentity.generate();
  const service = new GossipService({
    identity,
    store,
    settings: { ...defaultMeshSettings, networkId: options.networkId ?? 'it-net', discoveryIntervalS: 5 },
    listen: { host: '127.0.0.1', port: 0 },
    bootstrap: options.bootstrap?.flatMap((peer) => peer.service.addresses()),
    dht: options.dht ?? false,
    messageTypes: options.messageTypes,
    rateLimit: options.rateLimit,
  });
  const node: TestNode = { service, store, identity, received: [] };
  service.onAnnouncement((message) => node.received.push(message));
  await service.start();
  running.push({ node, dir });
  return node;
}

afterEach(async () => {
  for (const { node, dir } of running.splice(0)) {
    await node.service.stop();
    node.store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Announces until every receiver got it: the first publish can precede the subscription exchange. */
async function announceUntilReceived(from: TestNode, cid: string, size: number, receivers: TestNode[]): Promise<void> {
  await until(async () => {
    await from.service.announceBlock(cid, size);
    await new Promise((resolve) => setTimeout(resolve, 200));
    return receivers.every((node) => node.received.some((message) => message.kind === 'block' && (message.body as { cid: string }).cid === cid));
  }, `announcement of ${cid}`);
}

describe('gossip mesh on loopback', () => {
  test('two nodes: announce a file, fetch it by content id (verified, stored), reputations rise', async () => {
    const a = await startNode({ dht: true });
    const b = await startNode({ bootstrap: [a], dht: true });
    // Three 1 MiB leaves and a root: the fetch walks the file's blocks and checks each one.
    const bytes = randomBytes(2.5 * 1024 * 1024);
    const cid = await a.store.store(bytes);
    await announceUntilReceived(a, cid, bytes.length, [b]);

    const announcement = b.received.find((message) => message.kind === 'block')!;
    expect(announcement.author).toBe(a.service.peerId);
    expect(await b.service.findBlockPeers(cid)).toEqual([a.service.peerId]);

    const fetched = await b.service.requestBlockFromPeers(cid);
    expect(Buffer.from(fetched).equals(bytes)).toBe(true);
    expect(b.store.has(cid)).toBe(true);
    expect(Buffer.from(await b.store.readFile(cid)).equals(bytes)).toBe(true);
    expect(b.service.reputation.explain(a.service.peerId).reasons.map((reason) => reason.kind)).toContain('block_served');

    await a.service.announceStorage(10_000_000, [cid]);
    const storagePeers = await until(() => {
      const peers = b.service.discoverStoragePeers();
      return peers.length > 0 && peers;
    }, 'storage announcement');
    expect(storagePeers[0]).toMatchObject({ peerId: a.service.peerId, storageCapacity: 10_000_000, transports: ['ip'] });
    expect(storagePeers[0]!.addresses.length).toBeGreaterThan(0);

    // A peer also heard over LoRa is one peer with two transports.
    b.service.notePeer(a.service.peerId, 'lora');
    expect(b.service.discoverPeers()[0]).toMatchObject({ peerId: a.service.peerId, transports: ['ip', 'lora'], connected: true });

    const health = b.service.health();
    expect(health).toMatchObject({ running: true, connected: true, peerCount: 1 });
    expect(health.messagesIn).toBeGreaterThanOrEqual(2);
    expect(health.lastGossipAt).not.toBeNull();
    expect(a.service.health().messagesOut).toBeGreaterThanOrEqual(2);
  });

  test('five nodes: every announcement reaches every node; a block is fetched across the mesh', async () => {
    // kad-dht on: it is how a node finds the address of a peer it only knows from gossip.
    const hub = await startNode({ dht: true });
    const others = [];
    for (let i = 0; i < 4; i++) others.push(await startNode({ bootstrap: [hub], dht: true }));
    const nodes = [hub, ...others];
    const cids: string[] = [];
    for (const node of nodes) {
      const cid = await node.store.store(randomBytes(1000));
      cids.push(cid);
      await announceUntilReceived(node, cid, 1000, nodes.filter((other) => other !== node));
    }
    for (const node of nodes) {
      const heard = new Set(node.received.filter((message) => message.kind === 'block').map((message) => (message.body as { cid: string }).cid));
      expect([...heard].sort()).toEqual(cids.filter((_, i) => nodes[i] !== node).sort());
    }
    // A leaf node fetches another leaf's block (they are not directly connected at first: the hub relays the gossip).
    const last = others[3]!;
    const fetched = await last.service.requestBlockFromPeers(cids[1]!);
    expect(last.store.has(cids[1]!)).toBe(true);
    expect(fetched).toHaveLength(1000);
    const peers = last.service.discoverPeers(10);
    expect(peers.map((peer) => peer.peerId).sort()).toEqual(nodes.filter((node) => node !== last).map((node) => node.service.peerId).sort());
  }, 40_000);

  test('a node that missed the gossip finds the holder through kad-dht and fetches the block', async () => {
    const a = await startNode({ dht: true });
    const b = await startNode({ bootstrap: [a], dht: true });
    await until(() => a.service.health().peerCount === 1, 'a and b connected');
    const bytes = randomBytes(5000);
    const cid = await a.store.store(bytes);
    await a.service.announceBlock(cid, bytes.length);
    // Joins later, knows only b, and never saw the announcement. A provides at its next discovery round (5 s).
    const late = await startNode({ bootstrap: [b], dht: true });
    const holders = await until(async () => {
      const found = await late.service.findBlockPeers(cid);
      return found.length > 0 && found;
    }, 'a provider record', 15_000);
    expect(holders).toEqual([a.service.peerId]);
    expect(Buffer.from(await late.service.requestBlockFromPeers(cid)).equals(bytes)).toBe(true);
    expect(late.received).toEqual([]);
  }, 30_000);

  test('a quiet topic penalises nobody: after 8 s of silence the mesh still delivers and reputations are not lowered', async () => {
    const a = await startNode();
    const b = await startNode({ bootstrap: [a] });
    const c = await startNode({ bootstrap: [a, b] });
    const nodes = [a, b, c];
    await until(() => nodes.every((node) => node.service.health().peerCount === 2), 'a full mesh of three');
    // Longer than gossipsub's delivery-penalty activation (5 s), which with default weights graylists quiet peers.
    await new Promise((resolve) => setTimeout(resolve, 8000));
    const cid = await c.store.store(randomBytes(100));
    const sentAt = Date.now();
    await c.service.announceBlock(cid, 100);
    await until(() => a.received.length > 0 && b.received.length > 0, 'the first announcement after the silence', 2000);
    expect(Date.now() - sentAt).toBeLessThan(2000);
    for (const node of nodes) {
      expect(node.service.health().peerCount).toBe(2);
      for (const peer of node.service.discoverPeers()) expect(peer.reputation).toBeGreaterThanOrEqual(0.5);
    }
  }, 30_000);

  test('custom message types: registered on both sides, signed and validated like the built-in ones', async () => {
    const Alert = z.object({ text: z.string().max(200), level: z.enum(['info', 'urgent']) }).strict();
    const heard: unknown[] = [];
    const alert = (onMessage?: (message: ReceivedAnnouncement) => void): Record<string, MessageType> => ({
      alert: { check: (body) => Alert.safeParse(body).data, onMessage },
    });
    const a = await startNode({ messageTypes: alert() });
    const b = await startNode({ bootstrap: [a], messageTypes: alert((message) => heard.push(message.body)) });
    await expect(a.service.publish('alert', { text: 'x', level: 'panic' })).rejects.toThrow(RangeError);
    await expect(a.service.publish('nope', {})).rejects.toMatchObject({ code: 'unknown_type' });
    await until(async () => {
      await a.service.publish('alert', { text: 'water at the bridge', level: 'urgent' });
      await new Promise((resolve) => setTimeout(resolve, 200));
      return heard.length > 0;
    }, 'the custom message');
    expect(heard[0]).toEqual({ text: 'water at the bridge', level: 'urgent' });
    expect(b.received[0]).toMatchObject({ kind: 'alert', author: a.service.peerId });
    expect(() => new GossipService({ identity: a.identity, store: a.store, settings: defaultMeshSettings, messageTypes: { block: alert().alert! } })).toThrow(RangeError);
  });

  test('a burst beyond the rate limit is paced by the sender, so the receiver takes it all and blames nobody', async () => {
    const rateLimit = { perSecond: 10, burst: 5 };
    const a = await startNode({ rateLimit });
    const b = await startNode({ bootstrap: [a], rateLimit });
    const first = await a.store.store(randomBytes(10));
    await announceUntilReceived(a, first, 10, [b]);
    const before = b.received.length;
    const cids = await Promise.all(Array.from({ length: 15 }, () => a.store.store(randomBytes(10))));
    const started = Date.now();
    await Promise.all(cids.map((cid) => a.service.announceBlock(cid, 10)));
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    await until(() => b.received.length - before === 15, 'all 15 announcements');
    expect(b.service.reputation.explain(a.service.peerId).reasons.map((reason) => reason.kind)).not.toContain('rate_exceeded');
  });

  test('a node of another network cannot connect or gossip', async () => {
    const a = await startNode({ networkId: 'net-one' });
    const stranger = await startNode({ networkId: 'net-two', bootstrap: [a] });
    const friend = await startNode({ networkId: 'net-one', bootstrap: [a] });
    const cid = await stranger.store.store(randomBytes(10));
    await until(() => friend.service.health().peerCount > 0, 'friend connected');
    for (let i = 0; i < 5; i++) {
      await stranger.service.announceBlock(cid, 10);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(stranger.service.health().peerCount).toBe(0);
    expect(a.service.health().peerCount).toBe(1);
    expect(a.received).toEqual([]);
  });

  test('a forged announcement is rejected, lowers its author below the threshold, and its connection is cut', async () => {
    const honest = await startNode();
    const real = NodeIdentity.generate();
    // Same libp2p key (so gossipsub's own envelope signature is valid), but our announcement signature is forged.
    const forger = {
      publicKey: real.publicKey,
      fingerprint: real.fingerprint,
      libp2pPrivateKey: () => real.libp2pPrivateKey(),
      sign: (bytes: Uint8Array) => NodeIdentity.generate().sign(bytes),
    } as unknown as NodeIdentity;
    const byzantine = await startNode({ identity: forger, bootstrap: [honest] });
    const byzantineId = byzantine.service.peerId;
    await until(() => honest.service.health().peerCount === 1, 'connection');
    expect(honest.service.reputation.isFiltered(byzantineId, defaultMeshSettings.byzantineThreshold)).toBe(false);

    const cid = await byzantine.store.store(randomBytes(10));
    await until(async () => {
      await byzantine.service.announceBlock(cid, 10).catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 200));
      return honest.service.health().messagesRejected > 0;
    }, 'the forged announcement to arrive');

    expect(honest.received).toEqual([]);
    const explanation = honest.service.reputation.explain(byzantineId);
    expect(explanation.score).toBeLessThan(defaultMeshSettings.byzantineThreshold);
    expect(explanation.reasons[0]).toMatchObject({ kind: 'signature_invalid', effect: 'bad' });
    await until(() => honest.service.health().peerCount === 0, 'hang up on the forger');
    expect(honest.service.discoverPeers().map((peer) => peer.peerId)).not.toContain(byzantineId);
    // The forger's discovery loop (every 5 s) redials; the connection gater refuses it.
    await new Promise((resolve) => setTimeout(resolve, 5500));
    expect(honest.service.health().peerCount).toBe(0);
  }, 30_000);

  test('a false "I have this block" claim is spot-checked on arrival: nobody needs to fetch it for the liar to be filtered', async () => {
    const honest = await startNode();
    const liar = await startNode({ bootstrap: [honest] });
    const liarId = liar.service.peerId;
    await until(() => honest.service.health().peerCount === 1, 'connection');
    // A real block held by the liar proves its first claims honest; then it claims one it does not hold.
    const held = await liar.store.store(randomBytes(64));
    await announceUntilReceived(liar, held, 64, [honest]);
    await until(() => honest.service.reputation.explain(liarId).reasons.some((reason) => reason.kind === 'block_served'), 'the honest claim to be checked');
    expect(honest.store.has(held)).toBe(false);

    const missing = await honest.store.store(randomBytes(64));
    await honest.store.delete(missing);
    await liar.service.announceBlock(missing, 64);
    const explanation = await until(() => {
      const current = honest.service.reputation.explain(liarId);
      return current.reasons.some((reason) => reason.kind === 'block_claim_false') && current;
    }, 'the false claim to be caught');
    expect(explanation.reasons.find((reason) => reason.kind === 'block_claim_false')).toMatchObject({ effect: 'bad', count: 1 });
  }, 30_000);
});
