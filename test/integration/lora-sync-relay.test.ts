// Index sync across a relay: two real nodes at the ends of a simulated 3-radio line (the ends cannot
// hear each other; the middle radio is a bare Meshtastic device with no Pakit node behind it). Their
// announces reach one relay because each radio knows a node beyond its neighbours, and the session
// messages carry the hops the peer's packets took. Radio and node time run 50x the wall clock.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSimMesh, serveDeviceOverTcp } from '../../electron/sim/index.ts';
import { watchAir } from '../helpers/air.ts';
import { simulatedRadios } from '../helpers/sim-radios.ts';
import { createTestNode, scaledClock } from '../helpers/test-node.ts';

const BROADCAST = 0xffffffff;

describe('LoRa index sync across a relay', { timeout: 180_000 }, () => {
  const { scheduler, servers, nodes } = simulatedRadios(50);

  it('two nodes one relay apart converge on one root, the sync messages relayed once', async () => {
    const epochMs = Date.now();
    const clock = scaledClock(scheduler, epochMs);
    // Switched on from the far end, so the radios' own announcements do not collide at the middle.
    const mesh = createSimMesh({ nodes: 3, scheduler, topology: 'line', epochMs, announceWithinMs: 200, switchedOnAtMs: (index) => (2 - index) * 3_000, seed: 12 });
    // Our frames addressed to one radio: the sync sessions (announces and files are broadcast).
    const direct: { transmitter: number; hopStart: number; hopLimit: number }[] = [];
    watchAir(mesh, ({ from, frame, code }) => {
      if (code !== undefined && frame.to !== BROADCAST) direct.push({ transmitter: from, hopStart: frame.hopStart, hopLimit: frame.hopLimit });
    });
    for (const device of mesh.devices) servers.push(await serveDeviceOverTcp(device));
    const west = await createTestNode({ clock });
    const east = await createTestNode({ clock });
    nodes.push(west, east);
    for (const node of [west, east]) for (let i = 0; i < 8; i++) await node.store.store(randomBytes(64));
    // The radios' announcements (radio time ~8 s) come first: then each radio knows the far end is one relay away.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const [node, server] of [[west, servers[0]!], [east, servers[2]!]] as const) {
      expect((await node.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: server.port })).ok).toBe(true);
    }
    const roots = () => new Set([west, east].map((node) => node.lora.syncView().summary.root_hash)).size;
    await expect.poll(roots, { timeout: 120_000, interval: 200 }).toBe(1);
    for (const [node, other] of [[west, east], [east, west]] as const) {
      const view = node.lora.syncView();
      expect(view.summary.block_count).toBe(16);
      expect(view.peers).toEqual([expect.objectContaining({ peer: other.radio.device!.nodeId, learned: 8 })]);
    }
    // Each sync frame left its sender with hop limit 1: the middle radio passed it on once, no further.
    const middle = mesh.devices[1]!.nodeNum;
    expect(direct.filter((frame) => frame.transmitter !== middle).map((frame) => frame.hopStart)).toEqual(expect.arrayContaining([1]));
    expect(new Set(direct.map((frame) => frame.hopStart))).toEqual(new Set([1]));
    expect(direct.filter((frame) => frame.transmitter === middle).every((frame) => frame.hopLimit === 0)).toBe(true);
    expect(direct.some((frame) => frame.transmitter === middle)).toBe(true);
  });
});
