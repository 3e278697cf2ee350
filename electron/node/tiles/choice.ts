// The tile file the operator chose in Settings, kept in the node's database so it is used again
// after a restart (a `--tiles` / PAKIT_TILES given at start wins over it).
import type { NodeDatabase } from '../db/index.ts';

const MIGRATIONS = [`CREATE TABLE map_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT`] as const;
const TILE_FILE = 'tile_file';

export class TileChoice {
  readonly #db: NodeDatabase;

  constructor(database: NodeDatabase) {
    this.#db = database;
    database.migrate('map_settings', MIGRATIONS);
  }

  get(): string | undefined {
    const row = this.#db.sql.prepare('SELECT value FROM map_settings WHERE name = ?').get(TILE_FILE) as { value: string } | undefined;
    return row?.value;
  }

  set(path: string | undefined): void {
    if (path === undefined) this.#db.sql.prepare('DELETE FROM map_settings WHERE name = ?').run(TILE_FILE);
    else this.#db.sql.prepare('INSERT INTO map_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value').run(TILE_FILE, path);
  }
}
