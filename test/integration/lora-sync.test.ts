// Index sync end to end: two real nodes on simulated radios over TCP (radio and node time 50x the
// wall clock). Each holds blocks the other lacks; after their announces they hold the same mesh index.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BUILTIN_CODES } from '../../electron/node/lora/messages.ts';
import { createSimMesh, serveDeviceOverTcp } from '../../electron/sim/index.ts';
import { watchAir } from '../helpers/air.ts';
import { simulatedRadios } from '../helpers/sim-radios.ts';
import { createTestNode, scaledClock } from '../helpers/test-node.ts';

describe('LoRa index sync over the simulated radio', { timeout: 60_000 }, () => {
  const { scheduler, servers, nodes } = simulatedRadios(50);

  it('two nodes with 10 blocks each the other lacks converge on one root, and only learn ids', async () => {
    const epochMs = Date.now();
    const clock = scaledClock(scheduler, epochMs);
    const mesh = createSimMesh({ nodes: 2, scheduler, topology: 'full', epochMs, announceWithinMs: false, seed: 5 });
    for (const device of mesh.devices) servers.push(await serveDeviceOverTcp(device));
    const [alice, bob] = [await createTestNode({ clock }), await createTestNode({ clock })];
    nodes.push(alice!, bob!);
    const shared = randomBytes(64);
    for (const node of nodes) {
      await node.store.store(shared);
      for (let i = 0; i < 10; i++) await node.store.store(randomBytes(64));
    }
    expect(alice!.lora.syncView().summary.root_hash).not.toBe(bob!.lora.syncView().summary.root_hash);

    for (const [index, node] of nodes.entries()) {
      const started = await node.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: servers[index]!.port });
      expect(started.ok).toBe(true);
    }
    const roots = () => nodes.map((node) => node.lora.syncView().summary.root_hash);
    // Announces go out within 90 s of radio time of connecting; a session takes a few frames.
    await expect.poll(() => new Set(roots()).size, { timeout: 30_000, interval: 100 }).toBe(1);
    for (const node of nodes) {
      const view = node.lora.syncView();
      expect(view.summary.block_count).toBe(21);
      expect(view.learned).toBe(10);
      // Ids only: the blocks stay where they are until someone asks for them.
      expect(node.store.list()).toHaveLength(11);
      // Blocks stored after the node started are pushed to the neighbours (session 0): each side's 10 come that way or by a session.
      expect(view.peers).toEqual([expect.objectContaining({ learned: 10 })]);
    }
  });

  it('a node that missed its neighbour’s key asks for it when a signed announce arrives, and the sync follows', async () => {
    const epochMs = Date.now();
    const clock = scaledClock(scheduler, epochMs);
    const mesh = createSimMesh({ nodes: 2, scheduler, topology: 'full', epochMs, announceWithinMs: false, seed: 6 });
    const sent = { keyAnnounces: 0, keyRequests: 0 };
    watchAir(mesh, ({ code }) => {
      if (code === BUILTIN_CODES['key-announce']) sent.keyAnnounces += 1;
      if (code === BUILTIN_CODES['key-request']) sent.keyRequests += 1;
    });
    const pair = [await createTestNode({ clock }), await createTestNode({ clock })] as const;
    nodes.push(...pair);
    for (const node of pair) await node.store.store(randomBytes(64));
    // Both connect-time key announces go on air while the radios cannot hear each other.
    mesh.medium.partition(mesh.devices.map((device) => [device.nodeNum]));
    for (const [index, device] of mesh.devices.entries()) {
      const server = await serveDeviceOverTcp(device);
      servers.push(server);
      expect((await pair[index]!.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: server.port })).ok).toBe(true);
    }
    await expect.poll(() => sent.keyAnnounces, { timeout: 10_000, interval: 20 }).toBe(2);
    mesh.medium.heal();
    // The next key announce is an hour of radio time away (72 s here): a signed index announce from
    // the unknown key makes the node ask for it at once, and each side asks at the latest when the
    // other's next announce arrives. The ids may come first, by push (sync frames need no key), so the
    // roots and the keys are waited for apart.
    const roots = () => new Set(pair.map((node) => node.lora.syncView().summary.root_hash)).size;
    await expect.poll(roots, { timeout: 30_000, interval: 100 }).toBe(1);
    const keysKnown = () => pair.filter((node, index) => node.lora.receiver.keys.has(pair[1 - index]!.lora.sender.keyId)).length;
    await expect.poll(keysKnown, { timeout: 30_000, interval: 100 }).toBe(2);
    expect(sent.keyRequests).toBeGreaterThan(0);
  });
});
