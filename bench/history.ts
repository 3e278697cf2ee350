// Node history in pakit.db (node:sqlite, WAL, synchronous=NORMAL), each figure against a baseline
// measured in the same run:
//   history.write_us_per_sample: one sample per transaction, as the node writes when the radio hears
//     one node, against appending the same sample as a JSON line to a file (appendFileSync, no fsync:
//     the same durability as WAL with synchronous=NORMAL, which syncs at checkpoints).
//   history.batch50_us_per_sample: 50 samples per transaction (a full node list at once).
//   history.week_*: a simulated week of a 50-node mesh through the real HistoryRecorder on virtual
//     time, (a) with every node heard every minute (the cap of one row per node per minute: the
//     worst case) and (b) on the firmware's default broadcast schedule (position every 15 min,
//     device telemetry hourly, NodeInfo every 3 h, each node at its own phase). The database file is
//     measured after a WAL checkpoint, against the same rows as JSON lines.
//   history.query_*, export_*: on the worst-case week: one node's 7-day chart, the mesh's, and a full
//     CSV export with the longest event-loop stall during it (the export yields between pages).
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { NodeDatabase } from '../electron/node/db/index.ts';
import { exportCsv } from '../electron/node/export/tables.ts';
import { HistoryRecorder, HistoryStore, type NodeSampleRow } from '../electron/node/history/index.ts';
import { emptyNode, type MeshNode } from '../electron/node/radio/session.ts';
import { seededRandom, VirtualScheduler } from '../electron/sim/index.ts';

const SINGLE_WRITES = 20_000;
const BATCHES = 400;
const NODES = 50;
const MINUTE = 60_000;
const WEEK = 7 * 24 * 60 * MINUTE;
/** The firmware's slowest default broadcast (NodeInfo) repeats every 3 hours. */
const SCHEDULE_MINUTES = 180;

export async function run(log: (line: string) => void): Promise<Record<string, number>> {
  const root = mkdtempSync(join(tmpdir(), 'pakit-bench-history-'));
  try {
    const figures: Record<string, number> = {};
    const random = seededRandom(7);
    const sampleAt = (index: number, at: number): NodeSampleRow => ({
      nodeId: nodeIdOf(index % NODES),
      at,
      snr: Math.round((random() * 20 - 10) * 4) / 4,
      rssi: -80 - Math.round(random() * 40),
      batteryLevel: Math.round(random() * 100),
      voltage: 3.3 + random(),
      channelUtilization: random() * 30,
      airUtilTx: random() * 5,
      hopsAway: Math.floor(random() * 3),
    });

    // Write cost: one sample per transaction, against a JSON line per sample.
    const samples = Array.from({ length: SINGLE_WRITES }, (_, index) => sampleAt(index, (index + 1) * MINUTE));
    const jsonFile = join(root, 'samples.jsonl');
    const jsonMs = time(() => {
      for (const sample of samples) appendFileSync(jsonFile, `${JSON.stringify(sample)}\n`);
    });
    const single = openStore(join(root, 'single'));
    const sqliteMs = time(() => {
      for (const sample of samples) single.store.writeNodeSamples([sample]);
    });
    single.database.close();
    figures['history.jsonl_write_us_per_sample'] = (jsonMs * 1000) / SINGLE_WRITES;
    figures['history.write_us_per_sample'] = (sqliteMs * 1000) / SINGLE_WRITES;
    figures['history.write_vs_jsonl_ratio'] = sqliteMs / jsonMs;

    const batched = openStore(join(root, 'batched'));
    const batchMs = time(() => {
      for (let batch = 0; batch < BATCHES; batch += 1) batched.store.writeNodeSamples(Array.from({ length: NODES }, (_, node) => sampleAt(node, (batch + 1) * MINUTE)));
    });
    batched.database.close();
    figures['history.batch50_us_per_sample'] = (batchMs * 1000) / (BATCHES * NODES);
    log(`write: ${SINGLE_WRITES} single-sample transactions, ${BATCHES} transactions of ${NODES}; baseline appendFileSync of JSON lines`);

    // A simulated week, worst case and firmware defaults.
    const weeks: [string, (node: number, minute: number) => boolean][] = [
      ['worst', () => true],
      ['firmware', (node, minute) => firmwareSchedules[node]!.has(minute % SCHEDULE_MINUTES)],
    ];
    const firmwareSchedules = range(NODES).map(firmwareSchedule);
    for (const [name, isHeard] of weeks) {
      const dir = join(root, `week-${name}`);
      const opened = openStore(dir);
      const scheduler = new VirtualScheduler();
      const clock = { setTimeout: (task: () => void, ms: number) => scheduler.setTimer(ms, task), clearTimeout: (id: unknown) => scheduler.clearTimer(id as number), now: () => scheduler.now() };
      const recorder = new HistoryRecorder({
        store: opened.store,
        clock,
        retentionMs: 30 * 24 * 60 * MINUTE,
        ownNodeId: () => '!ffffffff',
        ownStatus: () => ({ channelUtilization: random() * 30, airUtilTx: random() * 5, batteryLevel: 80, voltage: 4, radioQueue: 0, ipPeers: 3 }),
        log: () => undefined,
      });
      recorder.start();
      const writeMs = time(() => {
        for (let minute = 1; minute <= WEEK / MINUTE; minute += 1) {
          scheduler.runUntil(minute * MINUTE);
          const heard = range(NODES).filter((node) => isHeard(node, minute));
          if (heard.length > 0) recorder.recordNodes(heard.map((node) => meshNodeOf(sampleAt(node, scheduler.now()))));
        }
      });
      recorder.stop();
      opened.database.sql.exec('PRAGMA wal_checkpoint(TRUNCATE)');
      const rows = [...opened.store.nodeSamplePages({})].flat();
      const bytes = statSync(join(dir, 'pakit.db')).size;
      const jsonBytes = rows.reduce((sum, row) => sum + JSON.stringify(row).length + 1, 0);
      figures[`history.week_${name}_rows`] = rows.length;
      figures[`history.week_${name}_db_mib`] = bytes / 2 ** 20;
      figures[`history.week_${name}_bytes_per_row`] = bytes / rows.length;
      figures[`history.week_${name}_vs_jsonl_size_ratio`] = bytes / jsonBytes;
      figures[`history.week_${name}_record_s`] = writeMs / 1000;
      if (name === 'worst') {
        const end = scheduler.now();
        const weekRange = { since: end - WEEK, until: end, points: 500 };
        figures['history.query_node_7d_ms'] = time(() => opened.store.nodeHistory(nodeIdOf(7), weekRange));
        figures['history.query_mesh_7d_ms'] = time(() => opened.store.meshHistory(weekRange));
        // The export runs in pages: the longest the event loop waits meanwhile is what a radio or console would feel.
        const stalls = monitorEventLoopDelay({ resolution: 10 });
        stalls.enable();
        const exportStart = performance.now();
        const exported = await exportCsv(
          { nodes: () => [], nodeSamplePages: (filter) => opened.store.nodeSamplePages(filter), messages: () => [], emergencies: () => [], log: () => [], now: () => end },
          { table: 'history' },
        );
        figures['history.export_all_csv_ms'] = performance.now() - exportStart;
        stalls.disable();
        figures['history.export_longest_stall_ms'] = stalls.max / 1e6;
        const csvBytes = exported.csv.length;
        figures['history.export_all_csv_mib'] = csvBytes / 2 ** 20;
      }
      opened.database.close();
      log(`week (${name}): ${rows.length} node rows in ${(bytes / 2 ** 20).toFixed(1)} MiB`);
    }
    return figures;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Minutes within a 3-hour cycle at which a node is heard: position every 15 min, telemetry hourly, NodeInfo every 3 h. */
function firmwareSchedule(node: number): Set<number> {
  const phase = (node * 7) % 15;
  const positions = range(SCHEDULE_MINUTES / 15).map((slot) => (phase + slot * 15) % SCHEDULE_MINUTES);
  const telemetry = range(SCHEDULE_MINUTES / 60).map((slot) => (phase + 5 + slot * 60) % SCHEDULE_MINUTES);
  return new Set([...positions, ...telemetry, (phase + 10) % SCHEDULE_MINUTES]);
}

function openStore(dir: string) {
  mkdirSync(dir, { recursive: true });
  const { database } = NodeDatabase.open(join(dir, 'pakit.db'));
  return { database, store: new HistoryStore(database) };
}

const nodeIdOf = (index: number) => `!${(0x10000 + index).toString(16).padStart(8, '0')}`;
const range = (count: number) => Array.from({ length: count }, (_, index) => index);

function meshNodeOf(sample: NodeSampleRow): MeshNode {
  return {
    ...emptyNode(Number.parseInt(sample.nodeId.slice(1), 16)),
    snr: sample.snr,
    rssi: sample.rssi,
    lastHeard: sample.at,
    hopsAway: sample.hopsAway,
    batteryLevel: sample.batteryLevel,
    voltage: sample.voltage,
    channelUtilization: sample.channelUtilization,
    airUtilTx: sample.airUtilTx,
  };
}

function time(work: () => unknown): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}
