import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeDatabase } from '../../../electron/node/db/index.ts';
import { bucketMinutes, HistoryRecorder, HistoryStore, newSamples } from '../../../electron/node/history/index.ts';
import { emptyNode, type MeshNode } from '../../../electron/node/radio/session.ts';
import { VirtualScheduler } from '../../../electron/sim/index.ts';
import { virtualClock } from '../radio/radio-fakes.ts';

const MINUTE = 60_000;
const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function openStore(dir = mkdtempSync(join(tmpdir(), 'pakit-history-'))) {
  if (!dirs.includes(dir)) dirs.push(dir);
  const { database } = NodeDatabase.open(join(dir, 'pakit.db'));
  return { dir, database, store: new HistoryStore(database) };
}

function meshNode(nodeId: string, fields: Partial<MeshNode>): MeshNode {
  return { ...emptyNode(Number.parseInt(nodeId.slice(1), 16)), ...fields };
}

describe('HistoryStore', () => {
  it('keeps one row per node per minute (the newest), across a restart', () => {
    const first = openStore();
    first.store.writeNodeSamples([
      { nodeId: '!00000001', at: 10 * MINUTE + 5_000, snr: 4, rssi: -100 },
      { nodeId: '!00000001', at: 10 * MINUTE + 50_000, snr: 8, batteryLevel: 90 },
      { nodeId: '!00000001', at: 11 * MINUTE, snr: 2 },
      { nodeId: '!00000002', at: 10 * MINUTE, snr: -3 },
    ]);
    first.database.close();
    const { store } = openStore(first.dir);
    const history = store.nodeHistory('!00000001', { since: 0, until: 20 * MINUTE, points: 100 });
    expect(history.bucketMs).toBe(MINUTE);
    expect(history.samples).toEqual([
      { at: 10 * MINUTE + 50_000, snr: 8, batteryLevel: 90 },
      { at: 11 * MINUTE, snr: 2 },
    ]);
    expect(store.lastSampleTimes()).toEqual(new Map([['!00000001', 11 * MINUTE], ['!00000002', 10 * MINUTE]]));
  });

  it('averages a long range into at most `points` buckets', () => {
    const { store } = openStore();
    const day = 24 * 60;
    store.writeNodeSamples(Array.from({ length: day }, (_, minute) => ({ nodeId: '!00000001', at: minute * MINUTE, snr: minute % 2 === 0 ? 0 : 10 })));
    const history = store.nodeHistory('!00000001', { since: 0, until: day * MINUTE, points: 100 });
    expect(bucketMinutes({ since: 0, until: day * MINUTE, points: 100 })).toBe(15);
    expect(history.bucketMs).toBe(15 * MINUTE);
    expect(history.samples.length).toBe(96);
    expect(history.samples[0]!.snr).toBeCloseTo(70 / 15); // 7 odd minutes of 10 in the first 15
  });

  it('sums the mesh per bucket: radios heard, their mean, and the own radio', () => {
    const { store } = openStore();
    store.writeNodeSamples([
      { nodeId: '!00000001', at: 0, snr: 4, channelUtilization: 10 },
      { nodeId: '!00000002', at: 30_000, snr: 8, channelUtilization: 20 },
      { nodeId: '!00000001', at: 2 * MINUTE, snr: 6 },
    ]);
    store.writeOwnSample({ at: 0, channelUtilization: 12.5, radioQueue: 3 });
    store.writeOwnSample({ at: 3 * MINUTE, ipPeers: 2 });
    expect(store.meshHistory({ since: 0, until: 3 * MINUTE, points: 10 }).samples).toEqual([
      { at: 0, nodesHeard: 2, meanSnr: 6, meanChannelUtilization: 15, ownChannelUtilization: 12.5, radioQueue: 3 },
      { at: 2 * MINUTE, nodesHeard: 1, meanSnr: 6 },
      { at: 3 * MINUTE, nodesHeard: 0, ipPeers: 2 },
    ]);
  });

  it('exports rows oldest first, for one node or all, and prunes old rows', () => {
    const { store } = openStore();
    store.writeNodeSamples([
      { nodeId: '!00000002', at: 5 * MINUTE, snr: 1 },
      { nodeId: '!00000001', at: MINUTE, snr: 2 },
      { nodeId: '!00000001', at: 9 * MINUTE, snr: 3 },
    ]);
    store.writeOwnSample({ at: MINUTE });
    expect([...store.nodeSamplePages({}, 2)].flat().map((row) => row.at)).toEqual([MINUTE, 5 * MINUTE, 9 * MINUTE]);
    expect([...store.nodeSamplePages({ nodeId: '!00000001', since: 2 * MINUTE })].flat()).toEqual([{ nodeId: '!00000001', at: 9 * MINUTE, snr: 3 }]);
    expect(store.prune(6 * MINUTE)).toBe(3);
    expect([...store.nodeSamplePages({}, 2)].flat().map((row) => row.at)).toEqual([9 * MINUTE]);
  });
});

describe('HistoryRecorder', () => {
  it('writes a node only when it was heard again, skips the own radio, samples itself each minute and prunes by age', () => {
    const { store } = openStore();
    const scheduler = new VirtualScheduler();
    scheduler.advanceBy(40 * 24 * 60 * MINUTE);
    store.writeNodeSamples([{ nodeId: '!00000009', at: 0, snr: 1 }]); // older than the 30 days kept
    const logged: string[] = [];
    const recorder = new HistoryRecorder({
      store,
      clock: virtualClock(scheduler),
      retentionMs: 30 * 24 * 60 * MINUTE,
      ownNodeId: () => '!000000aa',
      ownStatus: () => ({ channelUtilization: 7, radioQueue: 1 }),
      log: (_level, message) => logged.push(message),
    });
    recorder.start();
    expect(logged).toEqual(['removed 1 samples older than the retention limit']);
    const heard = scheduler.now();
    const nodes = [meshNode('!00000001', { lastHeard: heard, snr: 5 }), meshNode('!000000aa', { lastHeard: heard, snr: 9 }), meshNode('!00000002', {})];
    recorder.recordNodes(nodes);
    recorder.recordNodes(nodes); // same packet reported twice: no second row
    scheduler.advanceBy(3 * MINUTE);
    recorder.recordNodes([meshNode('!00000001', { lastHeard: scheduler.now(), snr: 6 })]);
    recorder.stop();
    expect([...store.nodeSamplePages({}, 2)].flat().map((row) => [row.nodeId, row.snr])).toEqual([['!00000001', 5], ['!00000001', 6]]);
    const mesh = store.meshHistory({ since: heard, until: scheduler.now(), points: 10 });
    expect(mesh.samples.filter((sample) => sample.ownChannelUtilization === 7)).toHaveLength(4); // at 0, 1, 2 and 3 min
  });

  it('turns a node list into samples with every figure the radio reported', () => {
    const last = new Map([['!00000001', 1_000]]);
    const samples = newSamples(
      [meshNode('!00000001', { lastHeard: 1_000, snr: 1 }), meshNode('!00000002', { lastHeard: 2_000, snr: 3, rssi: -90, batteryLevel: 101, voltage: 4.1, channelUtilization: 12, airUtilTx: 1.5, hopsAway: 2 })],
      last,
    );
    expect(samples).toEqual([{ nodeId: '!00000002', at: 2_000, snr: 3, rssi: -90, batteryLevel: 101, voltage: 4.1, channelUtilization: 12, airUtilTx: 1.5, hopsAway: 2 }]);
    expect(last.get('!00000002')).toBe(2_000);
  });

  it('on a full database loses the samples that do not fit, says so, and records again once there is room', () => {
    const { store, database } = openStore();
    const logged: string[] = [];
    const scheduler = new VirtualScheduler();
    const recorder = new HistoryRecorder({ store, clock: virtualClock(scheduler), retentionMs: 365 * 24 * 60 * MINUTE, ownNodeId: () => undefined, ownStatus: () => ({}), log: (level, message) => logged.push(`${level}: ${message}`) });
    const pages = (database.sql.prepare('PRAGMA page_count').get() as { page_count: number }).page_count;
    database.sql.exec(`PRAGMA max_page_count = ${pages + 1}`); // SQLite's own "database or disk is full"
    for (let minute = 1; minute <= 200 && logged.length === 0; minute += 1) {
      recorder.recordNodes(Array.from({ length: 20 }, (_, index) => meshNode(`!${(index + 1).toString(16).padStart(8, '0')}`, { lastHeard: minute * MINUTE, snr: index })));
    }
    expect(logged[0]).toBe('warn: a history sample could not be saved (database or disk is full)');
    database.sql.exec('PRAGMA max_page_count = 1000000');
    recorder.recordNodes([meshNode('!00000001', { lastHeard: 1_000 * MINUTE, snr: 42 })]);
    expect([...store.nodeSamplePages({ nodeId: '!00000001', since: 1_000 * MINUTE })].flat()).toEqual([{ nodeId: '!00000001', at: 1_000 * MINUTE, snr: 42 }]);
  });

  it('loses a sample, not the node, when the database refuses a write', () => {
    const { store, database } = openStore();
    const logged: string[] = [];
    const scheduler = new VirtualScheduler();
    const recorder = new HistoryRecorder({ store, clock: virtualClock(scheduler), retentionMs: MINUTE, ownNodeId: () => undefined, ownStatus: () => ({}), log: (level, message) => logged.push(`${level}: ${message}`) });
    database.close();
    expect(() => recorder.recordNodes([meshNode('!00000001', { lastHeard: 5 })])).not.toThrow();
    expect(logged[0]).toMatch(/^warn: a history sample could not be saved/);
  });
});
