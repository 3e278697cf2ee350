// The operator's favourite marks for nodes, in the node's database. Kept here rather than only on
// the radio (NodeInfo.is_favorite): they survive swapping or resetting the radio, cover IP peers
// that have no radio, and need no admin message to the device.
import type { NodeFavorite } from '../../../shared/contract/index.ts';
import type { Clock } from '../clock.ts';
import type { NodeDatabase } from '../db/index.ts';

const MIGRATIONS = [
  `CREATE TABLE node_favorites (
     node_id TEXT PRIMARY KEY,
     favorite INTEGER NOT NULL CHECK (favorite IN (0, 1)),
     set_at INTEGER NOT NULL
   ) STRICT`,
] as const;

type Row = { node_id: string; favorite: number; set_at: number };

export class NodeFavorites {
  readonly #database: NodeDatabase;
  readonly #clock: Pick<Clock, 'now'>;

  constructor(database: NodeDatabase, clock: Pick<Clock, 'now'>) {
    this.#database = database;
    this.#clock = clock;
    database.migrate('node_favorites', MIGRATIONS);
  }

  /** Every mark the operator set, favourite or explicitly not (which overrides the radio's flag). */
  list(): NodeFavorite[] {
    const rows = this.#database.sql.prepare('SELECT node_id, favorite, set_at FROM node_favorites ORDER BY node_id').all() as Row[];
    return rows.map((row) => ({ nodeId: row.node_id, favorite: row.favorite === 1, setAt: row.set_at }));
  }

  set(nodeId: string, favorite: boolean): NodeFavorite {
    const at = this.#clock.now();
    this.#database.sql
      .prepare('INSERT INTO node_favorites (node_id, favorite, set_at) VALUES (?, ?, ?) ON CONFLICT (node_id) DO UPDATE SET favorite = excluded.favorite, set_at = excluded.set_at')
      .run(nodeId, favorite ? 1 : 0, at);
    return { nodeId, favorite, setAt: at };
  }
}
