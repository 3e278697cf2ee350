// Index sync across a relay: two real nodes at the ends of a simulated 3-radio line (the ends cannot
// hear each other; the middle radio is a bare Meshtastic device with no Pakit node behind it). Their
// announces reach one relay because each radio knows a node beyond its neighbours, and the session
// messages carry the hops the peer's packets took. West's 70 ids need a session of long messages
// across the relay, where the two ends are hidden from each other: frames go one at a time, and the
// side waiting for an answer holds its resend while the answer's fragments arrive. Before that, this
// failed to converge within 100 minutes of radio time in 3 runs of 4. Radio and node time run 50x.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSimMesh, serveDeviceOverTcp } from '../../electron/sim/index.ts';
import { watchAir } from '../helpers/air.ts';
import { simulatedRadios } from '../helpers/sim-radios.ts';
import { BlockStore } from '../../electron/node/storage/index.ts';
import { createTestNode, scaledClock } from '../helpers/test-node.ts';

const BROADCAST = 0xffffffff;
const WEST_IDS = 70;
const EAST_IDS = 8;

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
    // West's 70 ids are in its store before the node opens it: more than one push carries, so they
    // can only cross in a session. East's 8 may go by push.
    const westStore = await BlockStore.open(join(mkdtempSync(join(tmpdir(), 'pakit-sync-relay-')), 'store'));
    for (let i = 0; i < WEST_IDS; i++) await westStore.store(randomBytes(64));
    const west = await createTestNode({ clock, store: westStore });
    const east = await createTestNode({ clock });
    nodes.push(west, east);
    for (let i = 0; i < EAST_IDS; i++) await east.store.store(randomBytes(64));
    // The radios' announcements (radio time ~8 s) come first: then each radio knows the far end is one relay away.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const [node, server] of [[west, servers[0]!], [east, servers[2]!]] as const) {
      expect((await node.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: server.port })).ok).toBe(true);
    }
    const roots = () => new Set([west, east].map((node) => node.lora.syncView().summary.root_hash)).size;
    await expect.poll(roots, { timeout: 120_000, interval: 200 }).toBe(1); // 300-400 s of radio time when measured
    for (const [node, other, learned] of [[west, east, EAST_IDS], [east, west, WEST_IDS]] as const) {
      const view = node.lora.syncView();
      expect(view.summary.block_count).toBe(WEST_IDS + EAST_IDS);
      expect(view.peers).toEqual([expect.objectContaining({ peer: other.radio.device!.nodeId, learned })]);
    }
    // Each sync frame left its sender with hop limit 1: the middle radio passed it on once, no further.
    const middle = mesh.devices[1]!.nodeNum;
    expect(direct.filter((frame) => frame.transmitter !== middle).map((frame) => frame.hopStart)).toEqual(expect.arrayContaining([1]));
    expect(new Set(direct.map((frame) => frame.hopStart))).toEqual(new Set([1]));
    expect(direct.filter((frame) => frame.transmitter === middle).every((frame) => frame.hopLimit === 0)).toBe(true);
    expect(direct.some((frame) => frame.transmitter === middle)).toBe(true);
  });
});
