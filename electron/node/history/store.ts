// Per-node and own-status history in the node's database. One row per node per minute at most (the
// key is the minute), so a chatty node costs no more than a quiet one and a week of a busy mesh
// stays small; older rows go at the retention limit.
import type { MeshHistory, MeshSample, NodeHistory, NodeSample } from '../../../shared/contract/index.ts';
import type { NodeDatabase } from '../db/index.ts';

const MINUTE_MS = 60_000;

const MIGRATIONS = [
  `CREATE TABLE node_samples (
     node_id TEXT NOT NULL,
     minute INTEGER NOT NULL,
     at INTEGER NOT NULL,
     snr REAL, rssi REAL, battery REAL, voltage REAL, channel_util REAL, air_util_tx REAL, hops INTEGER,
     PRIMARY KEY (node_id, minute)
   ) STRICT, WITHOUT ROWID;
   CREATE INDEX node_samples_by_minute ON node_samples (minute, node_id);
   CREATE TABLE own_samples (
     minute INTEGER PRIMARY KEY,
     at INTEGER NOT NULL,
     channel_util REAL, air_util_tx REAL, battery REAL, voltage REAL,
     radio_queue INTEGER, ip_peers INTEGER
   ) STRICT;`,
] as const;

/** One node as a radio reported it at `at` (epoch ms). */
export type NodeSampleRow = { nodeId: string } & NodeSample;

/** This node at `at`: its radio's own figures (when a radio is connected) and its queues and peers. */
export type OwnSample = {
  at: number;
  channelUtilization?: number | undefined;
  airUtilTx?: number | undefined;
  batteryLevel?: number | undefined;
  voltage?: number | undefined;
  radioQueue?: number | undefined;
  ipPeers?: number | undefined;
};

export type HistoryRange = { since: number; until: number; points: number };

type NodeRow = { node_id: string; minute: number; at: number; snr: number | null; rssi: number | null; battery: number | null; voltage: number | null; channel_util: number | null; air_util_tx: number | null; hops: number | null };

export class HistoryStore {
  readonly #db: NodeDatabase;

  constructor(database: NodeDatabase) {
    this.#db = database;
    database.migrate('history', MIGRATIONS);
  }

  /** Writes samples in one transaction; a second sample of a node in the same minute replaces the first. */
  writeNodeSamples(samples: readonly NodeSampleRow[]): void {
    if (samples.length === 0) return;
    const insert = this.#db.sql.prepare(
      `INSERT INTO node_samples (node_id, minute, at, snr, rssi, battery, voltage, channel_util, air_util_tx, hops)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (node_id, minute) DO UPDATE SET at = excluded.at, snr = excluded.snr, rssi = excluded.rssi,
         battery = excluded.battery, voltage = excluded.voltage, channel_util = excluded.channel_util,
         air_util_tx = excluded.air_util_tx, hops = excluded.hops`,
    );
    this.#db.transaction(() => {
      for (const sample of samples) {
        insert.run(
          sample.nodeId,
          Math.floor(sample.at / MINUTE_MS),
          Math.round(sample.at), // a scaled clock (tests, benches) gives fractional milliseconds
          sample.snr ?? null,
          sample.rssi ?? null,
          sample.batteryLevel ?? null,
          sample.voltage ?? null,
          sample.channelUtilization ?? null,
          sample.airUtilTx ?? null,
          sample.hopsAway ?? null,
        );
      }
    });
  }

  writeOwnSample(sample: OwnSample): void {
    this.#db.sql
      .prepare(
        `INSERT INTO own_samples (minute, at, channel_util, air_util_tx, battery, voltage, radio_queue, ip_peers)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (minute) DO UPDATE SET at = excluded.at, channel_util = excluded.channel_util, air_util_tx = excluded.air_util_tx,
           battery = excluded.battery, voltage = excluded.voltage, radio_queue = excluded.radio_queue, ip_peers = excluded.ip_peers`,
      )
      .run(
        Math.floor(sample.at / MINUTE_MS),
        Math.round(sample.at),
        sample.channelUtilization ?? null,
        sample.airUtilTx ?? null,
        sample.batteryLevel ?? null,
        sample.voltage ?? null,
        sample.radioQueue ?? null,
        sample.ipPeers ?? null,
      );
  }

  /** When each node's newest sample was taken: where recording resumes after a restart. */
  lastSampleTimes(): Map<string, number> {
    const rows = this.#db.sql.prepare('SELECT node_id, MAX(at) AS at FROM node_samples GROUP BY node_id').all() as { node_id: string; at: number }[];
    return new Map(rows.map((row) => [row.node_id, row.at]));
  }

  nodeHistory(nodeId: string, range: HistoryRange): NodeHistory {
    const step = bucketMinutes(range);
    const rows = this.#db.sql
      .prepare(
        `SELECT MAX(at) AS at, AVG(snr) AS snr, AVG(rssi) AS rssi, AVG(battery) AS battery, AVG(voltage) AS voltage,
                AVG(channel_util) AS channel_util, AVG(air_util_tx) AS air_util_tx, AVG(hops) AS hops
         FROM node_samples WHERE node_id = ? AND minute BETWEEN ? AND ?
         GROUP BY minute / CAST(? AS INTEGER) ORDER BY MAX(minute)`,
      )
      .all(nodeId, ...minuteBounds(range), step) as Omit<NodeRow, 'node_id' | 'minute'>[];
    return { nodeId, bucketMs: step * MINUTE_MS, samples: rows.map(toNodeSample) };
  }

  meshHistory(range: HistoryRange): MeshHistory {
    const step = bucketMinutes(range);
    const bounds = minuteBounds(range);
    const heard = this.#db.sql
      .prepare(
        `SELECT minute / CAST(? AS INTEGER) AS bucket, COUNT(DISTINCT node_id) AS nodes, AVG(snr) AS snr, AVG(channel_util) AS channel_util
         FROM node_samples WHERE minute BETWEEN ? AND ? GROUP BY bucket`,
      )
      .all(step, ...bounds) as { bucket: number; nodes: number; snr: number | null; channel_util: number | null }[];
    const own = this.#db.sql
      .prepare(
        `SELECT minute / CAST(? AS INTEGER) AS bucket, AVG(channel_util) AS channel_util, AVG(air_util_tx) AS air_util_tx, AVG(battery) AS battery,
                AVG(radio_queue) AS radio_queue, AVG(ip_peers) AS ip_peers
         FROM own_samples WHERE minute BETWEEN ? AND ? GROUP BY bucket`,
      )
      .all(step, ...bounds) as { bucket: number; channel_util: number | null; air_util_tx: number | null; battery: number | null; radio_queue: number | null; ip_peers: number | null }[];
    const buckets = new Map<number, MeshSample>();
    const bucketOf = (bucket: number) => {
      let sample = buckets.get(bucket);
      if (!sample) buckets.set(bucket, (sample = { at: bucket * step * MINUTE_MS, nodesHeard: 0 }));
      return sample;
    };
    for (const row of heard) {
      Object.assign(bucketOf(row.bucket), present({ nodesHeard: row.nodes, meanSnr: row.snr, meanChannelUtilization: row.channel_util }));
    }
    for (const row of own) {
      Object.assign(
        bucketOf(row.bucket),
        present({ ownChannelUtilization: row.channel_util, ownAirUtilTx: row.air_util_tx, ownBatteryLevel: row.battery, radioQueue: row.radio_queue, ipPeers: row.ip_peers }),
      );
    }
    return { bucketMs: step * MINUTE_MS, samples: [...buckets.values()].sort((a, b) => a.at - b.at) };
  }

  /**
   * Every stored node sample, oldest first, in pages of `pageSize` (for export): all nodes or one,
   * from `since`. Each page is its own query, so the caller may yield to other work between pages.
   */
  *nodeSamplePages(filter: { since?: number | undefined; nodeId?: string | undefined }, pageSize = 5000): Generator<NodeSampleRow[]> {
    const page = this.#db.sql.prepare(
      `SELECT * FROM node_samples WHERE minute >= ? AND (minute, node_id) > (?, ?) AND (? IS NULL OR node_id = ?)
       ORDER BY minute, node_id LIMIT ?`,
    );
    const since = Math.floor((filter.since ?? 0) / MINUTE_MS);
    let after: [number, string] = [-1, ''];
    for (;;) {
      const rows = page.all(since, ...after, filter.nodeId ?? null, filter.nodeId ?? null, pageSize) as NodeRow[];
      if (rows.length === 0) return;
      yield rows.map((row) => ({ nodeId: row.node_id, ...toNodeSample(row) }));
      const last = rows.at(-1)!;
      after = [last.minute, last.node_id];
    }
  }

  /** Deletes samples older than `before` (epoch ms); answers how many rows went. */
  prune(before: number): number {
    const minute = Math.floor(before / MINUTE_MS);
    return this.#db.transaction(
      () =>
        Number(this.#db.sql.prepare('DELETE FROM node_samples WHERE minute < ?').run(minute).changes) +
        Number(this.#db.sql.prepare('DELETE FROM own_samples WHERE minute < ?').run(minute).changes),
    );
  }
}

/** Whole minutes per bucket so that `range` fits in `points` buckets. */
export function bucketMinutes(range: HistoryRange): number {
  const minutes = Math.max(1, Math.ceil((range.until - range.since) / MINUTE_MS));
  return Math.max(1, Math.ceil(minutes / range.points));
}

function minuteBounds(range: HistoryRange): [number, number] {
  return [Math.floor(range.since / MINUTE_MS), Math.floor(range.until / MINUTE_MS)];
}

function toNodeSample(row: Omit<NodeRow, 'node_id' | 'minute'>): NodeSample {
  // Written out rather than looped: exports walk hundreds of thousands of rows.
  const sample: NodeSample = { at: row.at };
  if (row.snr !== null) sample.snr = row.snr;
  if (row.rssi !== null) sample.rssi = row.rssi;
  if (row.battery !== null) sample.batteryLevel = row.battery;
  if (row.voltage !== null) sample.voltage = row.voltage;
  if (row.channel_util !== null) sample.channelUtilization = row.channel_util;
  if (row.air_util_tx !== null) sample.airUtilTx = row.air_util_tx;
  if (row.hops !== null) sample.hopsAway = row.hops;
  return sample;
}

/** Drops SQL NULLs, so optional fields are absent rather than null. */
function present<T extends Record<string, number | null>>(fields: T): { [K in keyof T]?: number } {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null)) as { [K in keyof T]?: number };
}
