import { describe, expect, it } from 'vitest';
import { MESH_HEADER_BYTES, MODEM_PRESETS, timeOnAirMs } from '../../../electron/node/radio/index.ts';
import { RadioMedium, ScaledRealTimeScheduler, VirtualScheduler, seededRandom, type AirFrame, type Reception } from '../../../electron/sim/index.ts';

type Frame = AirFrame & { tag: string };

function setup(lossRate = 0, seed = 1) {
  const scheduler = new VirtualScheduler();
  const medium = new RadioMedium<Frame>({ scheduler, random: seededRandom(seed), modem: MODEM_PRESETS.LONG_FAST, lossRate, jitterDb: 2 });
  const heard = new Map<number, Reception<Frame>[]>();
  for (const node of [1, 2, 3]) {
    heard.set(node, []);
    medium.join(node, (reception) => heard.get(node)!.push(reception));
  }
  return { scheduler, medium, heard };
}
const frame = (tag: string, payloadBytes = 100): Frame => ({ tag, payloadBytes });

describe('RadioMedium', () => {
  it('delivers after exactly the time on air, with SNR and RSSI', () => {
    const { scheduler, medium, heard } = setup();
    medium.link(1, 2, { snrDb: 5, rssiDbm: -100 });
    const tx = medium.transmit(1, frame('a'));
    expect(tx.airtimeMs).toBe(timeOnAirMs(MODEM_PRESETS.LONG_FAST, MESH_HEADER_BYTES + 100));
    scheduler.advanceBy(tx.airtimeMs - 0.001);
    expect(heard.get(2)).toEqual([]);
    scheduler.advanceBy(0.001);
    const [reception] = heard.get(2)!;
    expect(reception).toMatchObject({ from: 1, atMs: tx.airtimeMs, frame: { tag: 'a' } });
    expect(Math.abs(reception!.snrDb - 5)).toBeLessThanOrEqual(2);
    expect(heard.get(3)).toEqual([]); // not linked
    expect(medium.airtimeUsedMs(1)).toBe(tx.airtimeMs);
  });

  it('destroys both frames when they overlap at a receiver (hidden terminals)', () => {
    const { scheduler, medium, heard } = setup();
    medium.link(1, 2);
    medium.link(3, 2); // 1 and 3 cannot hear each other
    medium.transmit(1, frame('a'));
    scheduler.advanceBy(500);
    expect(medium.isChannelBusy(3)).toBe(false);
    medium.transmit(3, frame('b'));
    scheduler.runUntilIdle();
    expect(heard.get(2)).toEqual([]);
    expect(medium.stats.collisions).toBe(2);
  });

  it('is half duplex: a node that transmits misses what it was receiving', () => {
    const { scheduler, medium, heard } = setup();
    medium.link(1, 2);
    medium.transmit(1, frame('a'));
    scheduler.advanceBy(100);
    expect(medium.isChannelBusy(2)).toBe(true);
    medium.transmit(2, frame('b'));
    scheduler.runUntilIdle();
    expect(heard.get(2)).toEqual([]);
    expect(heard.get(1)).toEqual([]);
    expect(medium.stats.deafened).toBe(2);
  });

  it('drops about the configured share of frames, the same ones for the same seed', () => {
    const run = (seed: number): string[] => {
      const { scheduler, medium, heard } = setup(0.3, seed);
      medium.link(1, 2);
      for (let i = 0; i < 400; i += 1) {
        medium.transmit(1, frame(`f${i}`, 10));
        scheduler.runUntilIdle();
      }
      return heard.get(2)!.map((reception) => `${reception.frame.tag}@${reception.atMs.toFixed(3)}/${reception.snrDb.toFixed(3)}`);
    };
    const first = run(9);
    expect(first.length).toBeGreaterThan(240);
    expect(first.length).toBeLessThan(320);
    expect(run(9)).toEqual(first);
    expect(run(10)).not.toEqual(first);
  });

  it('partitions and heals the air', () => {
    const { scheduler, medium, heard } = setup();
    medium.link(1, 2);
    medium.partition([[1], [2, 3]]);
    medium.transmit(1, frame('a'));
    scheduler.runUntilIdle();
    medium.heal();
    medium.transmit(1, frame('b'));
    scheduler.runUntilIdle();
    expect(heard.get(2)!.map((r) => r.frame.tag)).toEqual(['b']);
  });

  it('keeps radio time when running faster than the wall clock', async () => {
    const scheduler = new ScaledRealTimeScheduler(100);
    const started = performance.now();
    const radioStart = scheduler.now();
    await new Promise<void>((resolve) => scheduler.setTimer(2_000, resolve)); // 2 s radio = 20 ms wall
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(scheduler.now() - radioStart).toBeGreaterThanOrEqual(1_990);
    scheduler.stop();
  });
});
