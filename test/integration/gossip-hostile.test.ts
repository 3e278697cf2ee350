// Hostile peers on the IP mesh, against a real node: a libp2p node without the network's key, and
// one with the key that publishes garbage or oversized messages straight into gossipsub (no
// Pakit envelope, no Pakit code at all: a raw libp2p stack). The node must refuse them, count and
// filter the sender, and go on serving.
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { bootstrap } from '@libp2p/bootstrap';
import { gossipsub, type GossipSub } from '@libp2p/gossipsub';
import { identify } from '@libp2p/identify';
import { preSharedKey } from '@libp2p/pnet';
import { tcp } from '@libp2p/tcp';
import { createLibp2p, type Libp2p } from 'libp2p';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MethodName, MethodOutput, MethodParams } from '../../shared/contract/index.ts';
import { preSharedKeyFor, protocolPrefix, topicFor } from '../../electron/node/gossip/network.ts';
import type { PakitNode } from '../../electron/node/node.ts';
import { createTestNode, testMeshSettings } from '../helpers/test-node.ts';

async function call<M extends MethodName>(node: PakitNode, method: M, params: MethodParams<M>): Promise<MethodOutput<M>> {
  const result = await node.api.call(method, params);
  if (!result.ok) throw new Error(`${method}: ${result.error.message}`);
  return result.value as MethodOutput<M>;
}

/** A bare libp2p node speaking the mesh's transports, with the pnet key of `networkId`. */
async function rawPeer(networkId: string, bootstrapList: string[]): Promise<Libp2p<{ pubsub: GossipSub }>> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionProtector: preSharedKey({ psk: preSharedKeyFor(networkId) }),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [bootstrap({ list: bootstrapList, timeout: 100 })],
    services: {
      identify: identify({ protocolPrefix: protocolPrefix(networkId).slice(1) }),
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, emitSelf: false }),
    },
  }) as Promise<Libp2p<{ pubsub: GossipSub }>>;
}

describe('hostile peers on the IP mesh', { timeout: 90_000 }, () => {
  let node: PakitNode;
  let addresses: string[];
  beforeAll(async () => {
    node = await createTestNode();
    await node.start();
    addresses = (await call(node, 'mesh.health', {})).addresses;
  });
  afterAll(async () => {
    await node?.stop();
  });

  it('a peer without the network key cannot even open a connection', async () => {
    const intruder = await rawPeer('some-other-network', addresses);
    try {
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      expect(intruder.getConnections()).toHaveLength(0);
      const peers = await call(node, 'mesh.peers', { includeFiltered: true });
      expect(peers.map((peer) => peer.id)).not.toContain(intruder.peerId.toString());
      expect((await call(node, 'mesh.health', {})).phase).toBe('running');
    } finally {
      await intruder.stop();
    }
  });

  it('messages over the envelope limit are dropped by gossipsub before any validation; the node runs on', async () => {
    const networkId = testMeshSettings.networkId;
    const sender = await rawPeer(networkId, addresses);
    const topic = topicFor(networkId, 'block');
    sender.services.pubsub.subscribe(topic);
    try {
      await expect.poll(() => sender.services.pubsub.getSubscribers(topic).length, { timeout: 15_000 }).toBeGreaterThan(0);
      // The path is open: one small message (not a Pakit envelope) reaches validation.
      const start = await call(node, 'mesh.health', {});
      await sender.services.pubsub.publish(topic, new Uint8Array(100));
      await expect.poll(async () => (await call(node, 'mesh.health', {})).messagesIn, { timeout: 10_000 }).toBe(start.messagesIn + 1);
      const before = await call(node, 'mesh.health', {});
      for (let index = 0; index < 20; index += 1) {
        await sender.services.pubsub.publish(topic, new Uint8Array(2 * 1024 * 1024).fill(index)).catch(() => undefined); // 32x the limit
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const after = await call(node, 'mesh.health', {});
      console.log(`oversized gossip: 20 messages of 2 MiB sent, ${after.messagesIn - before.messagesIn} reached validation`);
      expect(after.messagesIn).toBe(before.messagesIn);
      expect(after.phase).toBe('running');
      expect((await node.api.call('node.info', {})).ok).toBe(true);
    } finally {
      await sender.stop();
    }
  });

  it('a peer with the key that publishes garbage is refused, counted, filtered and cut off', async () => {
    const networkId = testMeshSettings.networkId;
    const attacker = await rawPeer(networkId, addresses);
    const topic = topicFor(networkId, 'block');
    attacker.services.pubsub.subscribe(topic);
    const attackerId = attacker.peerId.toString();
    const before = await call(node, 'mesh.health', {});
    try {
      // Garbage until the node has seen enough to filter the sender (its gater then hangs up).
      const deadline = Date.now() + 45_000;
      let sent = 0;
      let filtered = false;
      while (Date.now() < deadline && !filtered) {
        await attacker.services.pubsub.publish(topic, crypto.getRandomValues(new Uint8Array(200))).catch(() => undefined);
        sent += 1;
        await new Promise((resolve) => setTimeout(resolve, 100));
        const peers = await call(node, 'mesh.peers', { includeFiltered: true });
        filtered = peers.some((peer) => peer.id === attackerId && peer.filtered);
      }
      expect(filtered).toBe(true);
      const after = await call(node, 'mesh.health', {});
      console.log(`garbage gossip: ${sent} messages sent, ${after.messagesRejected - before.messagesRejected} refused before the sender was filtered`);
      expect(after.messagesRejected).toBeGreaterThan(before.messagesRejected);
      const record = (await call(node, 'mesh.peers', { includeFiltered: true })).find((peer) => peer.id === attackerId)!;
      expect(record.reputation.reasons.map((reason) => reason.kind)).toContain('message_invalid');
      // Filtered means cut off: no connection stays open to it.
      await expect.poll(() => attacker.getConnections().length, { timeout: 15_000 }).toBe(0);
      expect(after.phase).toBe('running');
      expect((await node.api.call('node.info', {})).ok).toBe(true);
    } finally {
      await attacker.stop();
    }
  });
});
