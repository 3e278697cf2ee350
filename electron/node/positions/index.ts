// Where each node has been, in the node's database: a row each time a node reports a position other
// than its last one (a node that stays put costs one row), the newest few hundred kept per node.
// The console's map draws them as trails (contract `map.trails`), across console reloads and restarts.
import type { MapTrails, NodePosition } from '../../../shared/contract/index.ts';
import type { NodeDatabase } from '../db/index.ts';

const MIGRATIONS = [
  `CREATE TABLE node_positions (
     node_id TEXT NOT NULL,
     at INTEGER NOT NULL,
     latitude REAL NOT NULL,
     longitude REAL NOT NULL,
     altitude REAL,
     PRIMARY KEY (node_id, at)
   ) STRICT, WITHOUT ROWID`,
] as const;

/** Positions kept per node: 500 moves, days of a walker broadcasting every few minutes. */
export const POSITIONS_KEPT_PER_NODE = 500;

type Row = { node_id: string; at: number; latitude: number; longitude: number; altitude: number | null };

export class PositionStore {
  readonly #db: NodeDatabase;
  readonly #kept: number;
  /** Each node's newest stored place, so a repeated broadcast is skipped without a query. */
  readonly #last = new Map<string, { latitude: number; longitude: number }>();

  constructor(database: NodeDatabase, kept = POSITIONS_KEPT_PER_NODE) {
    this.#db = database;
    this.#kept = kept;
    database.migrate('positions', MIGRATIONS);
    const newest = database.sql
      .prepare('SELECT node_id, latitude, longitude FROM node_positions AS p WHERE at = (SELECT MAX(at) FROM node_positions WHERE node_id = p.node_id)')
      .all() as Pick<Row, 'node_id' | 'latitude' | 'longitude'>[];
    for (const row of newest) this.#last.set(row.node_id, { latitude: row.latitude, longitude: row.longitude });
  }

  /** Stores each node's position when it differs from the node's last; `at` is the fix time, else `now`. Answers how many were new. */
  record(positions: readonly { nodeId: string; position: NodePosition | undefined }[], now: number): number {
    const moved = positions.filter(({ nodeId, position }) => {
      const last = this.#last.get(nodeId);
      return position !== undefined && (!last || last.latitude !== position.latitude || last.longitude !== position.longitude);
    });
    if (moved.length === 0) return 0;
    const insert = this.#db.sql.prepare(
      `INSERT INTO node_positions (node_id, at, latitude, longitude, altitude) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (node_id, at) DO UPDATE SET latitude = excluded.latitude, longitude = excluded.longitude, altitude = excluded.altitude`,
    );
    const prune = this.#db.sql.prepare(
      'DELETE FROM node_positions WHERE node_id = ? AND at <= (SELECT at FROM node_positions WHERE node_id = ? ORDER BY at DESC LIMIT 1 OFFSET ?)',
    );
    this.#db.transaction(() => {
      for (const { nodeId, position } of moved) {
        const { latitude, longitude, altitude, time } = position!;
        insert.run(nodeId, time ?? now, latitude, longitude, altitude ?? null);
        prune.run(nodeId, nodeId, this.#kept);
      }
    });
    for (const { nodeId, position } of moved) this.#last.set(nodeId, { latitude: position!.latitude, longitude: position!.longitude });
    return moved.length;
  }

  /** The newest `perNode` positions of every node, oldest first within each. */
  trails(perNode: number): MapTrails {
    const rows = this.#db.sql
      .prepare(
        `SELECT node_id, at, latitude, longitude, altitude FROM (
           SELECT *, ROW_NUMBER() OVER (PARTITION BY node_id ORDER BY at DESC) AS newest FROM node_positions
         ) WHERE newest <= ? ORDER BY node_id, at`,
      )
      .all(perNode) as Row[];
    const trails: MapTrails = {};
    for (const row of rows) {
      (trails[row.node_id] ??= []).push({ latitude: row.latitude, longitude: row.longitude, at: row.at, ...(row.altitude === null ? {} : { altitude: row.altitude }) });
    }
    return trails;
  }
}
