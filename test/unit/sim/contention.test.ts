import { describe, expect, it, vi } from 'vitest';
import { MODEM_PRESETS } from '../../../electron/node/radio/index.ts';
import {
  BROADCAST_NUM,
  CW_MAX,
  VirtualScheduler,
  createSimMesh,
  rebroadcastDelayMs,
  seededRandom,
  slotTimeMs,
  snrWindow,
  txDelayMs,
  utilizationWindow,
  type SimMeshOptions,
} from '../../../electron/sim/index.ts';
import { StreamClient } from './stream-client.ts';

const LONG_FAST = MODEM_PRESETS.LONG_FAST;
const SLOT = slotTimeMs(LONG_FAST);
const SEEDS = Array.from({ length: 40 }, (_, i) => i + 1);

/** The distinct delays, in slots, of many draws. */
function slotsDrawn(draw: () => number): number[] {
  const slots = new Set<number>();
  for (let i = 0; i < 5000; i += 1) slots.add(draw() / SLOT);
  return [...slots].sort((a, b) => a - b);
}
const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

describe('contention timing (firmware RadioInterface)', () => {
  it('slot time is CAD, propagation, turnaround and MAC time, in whole milliseconds', () => {
    expect(SLOT).toBe(28); // 2.5 symbols of 8.192 ms + 7.6 ms
    expect(slotTimeMs(MODEM_PRESETS.SHORT_FAST)).toBe(8);
    expect(slotTimeMs(MODEM_PRESETS.LONG_SLOW)).toBe(89);
  });

  it('widens the contention window with channel utilisation, from 2^3 to 2^8 slots', () => {
    expect([0, 19.9, 20, 50, 99.9, 100].map(utilizationWindow)).toEqual([3, 3, 4, 5, 7, 8]);
  });

  it('sends an own packet after a whole number of slots in [0, 2^CW)', () => {
    const random = seededRandom(1);
    expect(slotsDrawn(() => txDelayMs(random, LONG_FAST, 5))).toEqual(range(0, 8));
    expect(slotsDrawn(() => txDelayMs(random, LONG_FAST, 100))).toEqual(range(0, 256));
  });

  it('rebroadcasts after 2 * CW_MAX slots plus a slot from a window that grows with SNR', () => {
    expect([-20, -10, 0, 6, 10, 16].map(snrWindow)).toEqual([3, 4, 6, 7, 8, 9]);
    const random = seededRandom(2);
    expect(slotsDrawn(() => rebroadcastDelayMs(random, LONG_FAST, -20))).toEqual(range(2 * CW_MAX, 8));
    expect(slotsDrawn(() => rebroadcastDelayMs(random, LONG_FAST, 6))).toEqual(range(2 * CW_MAX, 128));
  });

  it('lets the copy heard with the lower SNR, the farther relay, go first on average', () => {
    const random = seededRandom(3);
    const mean = (snrDb: number): number => {
      let sum = 0;
      for (let i = 0; i < 2000; i += 1) sum += rebroadcastDelayMs(random, LONG_FAST, snrDb);
      return sum / 2000;
    };
    expect(mean(-15)).toBeLessThan(mean(0));
    expect(mean(0)).toBeLessThan(mean(8));
  });
});

type Air = { from: number; origin: number; id: number; startMs: number; endMs: number };

function setup(options: Partial<SimMeshOptions> & { nodes: number }) {
  const scheduler = new VirtualScheduler();
  const mesh = createSimMesh({ scheduler, announceWithinMs: false, ...options });
  const clients = mesh.devices.map((device) => new StreamClient(device));
  clients.forEach((client, i) => client.wantConfig(1000 + i));
  const air: Air[] = [];
  const transmit = mesh.medium.transmit.bind(mesh.medium);
  vi.spyOn(mesh.medium, 'transmit').mockImplementation((from, frame) => {
    const tx = transmit(from, frame);
    air.push({ from, origin: frame.from, id: frame.id, startMs: tx.startMs, endMs: tx.endMs });
    return tx;
  });
  const index = (nodeNum: number): number => mesh.devices.findIndex((device) => device.nodeNum === nodeNum);
  const broadcast = (from: number, id: number, hopLimit = 7, wantAck = hopLimit > 0): void =>
    clients[from]!.sendPacket({ to: BROADCAST_NUM, id, payload: new Uint8Array(120), wantAck, hopLimit });
  const got = (node: number, id: number): boolean => clients[node]!.appPackets().some((packet) => packet.id === id);
  return { scheduler, mesh, clients, air, index, broadcast, got };
}

describe('SimDevice contention on the air', () => {
  it('keys up an own packet 0-7 slots after it is queued on a quiet channel, not always at once', () => {
    const starts = SEEDS.map((seed) => {
      const { scheduler, air, broadcast } = setup({ nodes: 2, seed });
      broadcast(0, 1, 0);
      scheduler.advanceBy(5_000);
      return air[0]!.startMs / SLOT;
    });
    expect(new Set(starts)).toEqual(new Set(range(0, 8)));
  });

  it('relays 16 to 16 + 2^CW slots after hearing the packet, the window set by the SNR it heard', () => {
    const waits = SEEDS.map((seed) => {
      const { scheduler, mesh, air, clients, broadcast } = setup({ nodes: 3, topology: 'line', seed });
      broadcast(0, 1, 3);
      scheduler.advanceBy(10_000);
      const [original, relay] = air;
      expect(relay).toMatchObject({ from: mesh.devices[1]!.nodeNum, origin: original!.from, id: 1 });
      const heardSnr = clients[1]!.appPackets()[0]!.rxSnr;
      const wait = (relay!.startMs - original!.endMs) / SLOT;
      expect(wait).toBeGreaterThanOrEqual(2 * CW_MAX);
      expect(wait).toBeLessThan(2 * CW_MAX + 2 ** snrWindow(heardSnr));
      return wait;
    });
    expect(new Set(waits).size).toBeGreaterThan(20);
  });

  it('holds a packet while a neighbour is on air and keys up only after that frame', () => {
    for (const seed of SEEDS) {
      const { scheduler, air, broadcast } = setup({ nodes: 2, seed });
      broadcast(1, 1, 0);
      while (air.length === 0) scheduler.advanceBy(SLOT);
      scheduler.advanceBy(100);
      broadcast(0, 2, 0);
      scheduler.advanceBy(10_000);
      expect(air.map((tx) => tx.id)).toEqual([1, 2]);
      expect(air[1]!.startMs).toBeGreaterThanOrEqual(air[0]!.endMs);
    }
  });

  it('collides only when two neighbours end their delays in the same slot, as channel activity detection cannot tell', () => {
    const outcomes = SEEDS.map((seed) => {
      const { scheduler, mesh, air, broadcast } = setup({ nodes: 3, topology: 'full', seed });
      broadcast(0, 1, 0);
      while (air.length === 0) scheduler.advanceBy(SLOT);
      // both neighbours queue a packet while the first frame is on air: both restart at its end
      broadcast(1, 2, 0);
      broadcast(2, 3, 0);
      scheduler.advanceBy(20_000);
      const [, second, third] = air;
      const sameSlot = second!.startMs === third!.startMs;
      expect(sameSlot || third!.startMs >= second!.endMs).toBe(true);
      return sameSlot ? mesh.medium.stats.collisions : 0;
    });
    const collided = outcomes.filter((collisions) => collisions > 0).length;
    expect(collided).toBeGreaterThan(0); // 1 in 8 on a quiet channel
    expect(collided).toBeLessThan(SEEDS.length / 4);
  });

  it('two relays of the same packet that hear each other: one relays, the other cancels, rarely both', () => {
    let delivered = 0;
    let oneRelay = 0;
    for (const seed of SEEDS) {
      // sender 0, relays 1 and 2, destination 3 out of the sender's reach
      const { scheduler, mesh, air, broadcast, got } = setup({ nodes: 4, topology: 'full', seed });
      mesh.medium.unlink(mesh.devices[0]!.nodeNum, mesh.devices[3]!.nodeNum);
      broadcast(0, 1, 3);
      scheduler.advanceBy(60_000);
      if (got(3, 1)) delivered += 1;
      if (air.filter((tx) => tx.id === 1 && (tx.from === mesh.devices[1]!.nodeNum || tx.from === mesh.devices[2]!.nodeNum)).length === 1) oneRelay += 1;
    }
    expect(delivered).toBeGreaterThanOrEqual(SEEDS.length - 2);
    expect(oneRelay).toBeGreaterThanOrEqual(SEEDS.length - 4);
  });

  it('two relays hidden from each other still get through most of the time: their random delays rarely overlap', () => {
    let delivered = 0;
    for (const seed of SEEDS) {
      const { scheduler, mesh, broadcast, got } = setup({ nodes: 4, topology: 'full', seed });
      const [sender, left, right, destination] = mesh.devices.map((device) => device.nodeNum);
      mesh.medium.unlink(sender!, destination!);
      mesh.medium.unlink(left!, right!);
      broadcast(0, 1, 3);
      scheduler.advanceBy(60_000);
      if (got(3, 1)) delivered += 1;
    }
    expect(delivered).toBeGreaterThan(SEEDS.length / 2);
    expect(delivered).toBeLessThan(SEEDS.length); // hidden terminals: no detection can save every case
  });
});

describe('a flood along a 5-node line', () => {
  it('reaches every node for every seed, each relaying once, the next hop waiting for the previous one', () => {
    for (const seed of SEEDS) {
      const { scheduler, air, index, broadcast, got } = setup({ nodes: 5, topology: 'line', seed });
      broadcast(0, 42);
      scheduler.advanceBy(120_000);
      expect([1, 2, 3, 4].every((node) => got(node, 42))).toBe(true);
      expect(air.map((tx) => index(tx.from))).toEqual([0, 1, 2, 3, 4]);
      for (let hop = 1; hop < air.length; hop += 1) expect(air[hop]!.startMs - air[hop - 1]!.endMs).toBeGreaterThanOrEqual(2 * CW_MAX * SLOT);
    }
  });

  it('carries two packets sent back to back to every node in most seeds, hidden terminals costing the rest', () => {
    let everyone = 0;
    let receptions = 0;
    for (const seed of SEEDS) {
      const { scheduler, broadcast, got } = setup({ nodes: 5, topology: 'line', seed });
      broadcast(0, 42);
      broadcast(0, 43);
      scheduler.advanceBy(300_000);
      const received = [1, 2, 3, 4].flatMap((node) => [got(node, 42), got(node, 43)]).filter(Boolean).length;
      receptions += received;
      if (received === 8) everyone += 1;
    }
    expect(everyone / SEEDS.length).toBeGreaterThan(0.55);
    expect(receptions / (8 * SEEDS.length)).toBeGreaterThan(0.85);
  });
});
