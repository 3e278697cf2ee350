// LoRa -> IP -> LoRa: two radio meshes out of each other's range (two simulators), one node on each
// with a radio and the IP mesh (libp2p on loopback). An emergency sent on the first mesh reaches
// the far radio with its author's signature, and nothing loops back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RelayedMessage } from '../../electron/node/lora/relayed.ts';
import type { PakitNode } from '../../electron/node/node.ts';
import { createSimMesh, ScaledRealTimeScheduler, serveDeviceOverTcp, type DeviceTcpServer } from '../../electron/sim/index.ts';
import { createTestNode, testMeshSettings } from '../helpers/test-node.ts';

describe('LoRa-IP bridge', { timeout: 90_000 }, () => {
  const scheduler = new ScaledRealTimeScheduler(10);
  const servers: DeviceTcpServer[] = [];
  const nodes: PakitNode[] = [];
  // author and farEnd have only a radio; bridgeA and bridgeB have a radio and the IP mesh.
  let author: PakitNode;
  let bridgeA: PakitNode;
  let bridgeB: PakitNode;
  let farEnd: PakitNode;

  async function onRadio(node: PakitNode, server: DeviceTcpServer): Promise<PakitNode> {
    nodes.push(node);
    const started = await node.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: server.port });
    expect(started.ok).toBe(true);
    return node;
  }

  beforeAll(async () => {
    const epochMs = Date.now();
    const meshA = createSimMesh({ nodes: 2, scheduler, topology: 'full', epochMs, announceWithinMs: false, seed: 1 });
    const meshB = createSimMesh({ nodes: 2, scheduler, topology: 'full', epochMs, announceWithinMs: false, seed: 2 });
    for (const device of [...meshA.devices, ...meshB.devices]) servers.push(await serveDeviceOverTcp(device));
    const radioOnly = { mesh: { ...testMeshSettings, enabled: false } };
    author = await onRadio(await createTestNode(radioOnly), servers[0]!);
    bridgeA = await onRadio(await createTestNode(), servers[1]!);
    await bridgeA.start();
    bridgeB = await onRadio(await createTestNode({ mesh: { ...testMeshSettings, bootstrap: bridgeA.gossip!.addresses() } }), servers[2]!);
    await bridgeB.start();
    farEnd = await onRadio(await createTestNode(radioOnly), servers[3]!);
    const deadline = Date.now() + 15_000;
    while (bridgeB.gossip!.connectedPeers().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  });

  afterAll(async () => {
    for (const node of nodes) await node.stop();
    await Promise.all(servers.map((server) => server.close()));
    scheduler.stop();
  });

  it('carries an emergency to the other radio mesh, verified under its author’s key, once', async () => {
    const text = 'Bridge washed out at km 12, use the north road';
    expect(bridgeB.gossip!.connectedPeers()).toEqual([bridgeA.gossip!.peerId]);
    // Gossipsub needs a heartbeat after connecting before the bridges share a mesh on the topic.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const sent = author.lora.emergencies.send({ text, priority: 'urgent', confirmedAgain: false });
    if (!sent.ok) throw new Error(`emergency refused: ${sent.reason}`);
    // Every copy of the emergency each bridge receives over IP (gossip does not deliver a node's own messages).
    const overIp = new Map<PakitNode, number>([[bridgeA, 0], [bridgeB, 0]]);
    for (const bridge of overIp.keys()) {
      bridge.gossip!.onAnnouncement((message) => {
        const relayed = message.body as RelayedMessage;
        if (message.kind === 'lora' && `${relayed.keyId}:${relayed.seq}` === sent.record.id) overIp.set(bridge, overIp.get(bridge)! + 1);
      });
    }

    const heardAtFarEnd = () => farEnd.lora.emergencies.history().find((record) => record.id === sent.record.id);
    await expect.poll(() => heardAtFarEnd()?.verified, { timeout: 45_000 }).toBe(true);
    // The id is the author's key id and sequence number: the far radio checked the author's own signature.
    expect(heardAtFarEnd()).toMatchObject({ direction: 'received', text, signer: author.lora.sender.keyId, verified: true });
    expect(bridgeB.lora.emergencies.history().find((record) => record.id === sent.record.id)).toMatchObject({ fromNode: 'via IP', verified: true });

    // Let the emergency's repeat and any echo settle, then count crossings: one each way, no loop.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(overIp.get(bridgeB)).toBe(1);
    expect(overIp.get(bridgeA)).toBe(0);
    expect(bridgeA.bridge!.stats.publishErrors).toBe(0);
    for (const node of nodes) expect(node.lora.emergencies.history().filter((record) => record.id === sent.record.id)).toHaveLength(1);
  });

  it('carries a person’s "seen" back to the author, and the author’s all-clear out to the far radio', async () => {
    const sent = author.lora.emergencies.history().find((record) => record.direction === 'sent')!;
    expect(farEnd.lora.emergencies.acknowledge(sent.id)).toBe(true);
    // The far node's signed "seen" goes to the radio it heard the emergency from (bridge B), over IP, then on air.
    const farKey = farEnd.lora.sender.keyId;
    const answerOfFarEnd = () => author.lora.emergencies.history().find((record) => record.id === sent.id)?.rollCall?.members.find((member) => member.keyId === farKey);
    await expect.poll(() => answerOfFarEnd()?.answer, { timeout: 45_000 }).toBe('seen');
    expect(answerOfFarEnd()?.node).toBe('via IP'); // not bridge A's radio, which only carried it
    expect(author.lora.emergencies.allClear(sent.id, 'Road open again').ok).toBe(true);
    await expect.poll(() => farEnd.lora.emergencies.history().find((record) => record.id === sent.id)?.closed?.text, { timeout: 45_000 }).toBe('Road open again');
  });
});
