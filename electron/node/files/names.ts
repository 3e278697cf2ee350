// What the operator called each stored file, and its media type, in the node's database: the block
// store keeps bytes under their content id only. Uploads name their files, LoRa manifests carry the
// names of files served, and files received over LoRa keep the name their holder gave.
import type { StatementSync } from 'node:sqlite';
import type { NodeDatabase } from '../db/index.ts';
import type { FileDescription } from '../lora/transfer/index.ts';

const MIGRATIONS = [
  `CREATE TABLE file_names (
     content_id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     media_type TEXT,
     named_at INTEGER NOT NULL
   ) STRICT`,
] as const;

/** Media types by file name extension, for files named without one (an upload, a file from disk). */
const MEDIA_TYPES: Readonly<Record<string, string>> = {
  txt: 'text/plain',
  csv: 'text/csv',
  md: 'text/markdown',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  pdf: 'application/pdf',
  json: 'application/json',
  geojson: 'application/geo+json',
  gpx: 'application/gpx+xml',
  zip: 'application/zip',
  ogg: 'audio/ogg',
};

export function mediaTypeOf(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? MEDIA_TYPES[name.slice(dot + 1).toLowerCase()] : undefined;
}

type Row = { name: string; media_type: string | null };

export class FileNames {
  readonly #database: NodeDatabase;
  readonly #now: () => number;
  #select: StatementSync | undefined;

  constructor(database: NodeDatabase, now: () => number) {
    this.#database = database;
    this.#now = now;
    database.migrate('file_names', MIGRATIONS);
  }

  get(contentId: string): FileDescription | undefined {
    // Prepared once: the catalogue's search looks up every known id's name.
    this.#select ??= this.#database.sql.prepare('SELECT name, media_type FROM file_names WHERE content_id = ?');
    const row = this.#select.get(contentId) as Row | undefined;
    return row && { name: row.name, ...(row.media_type === null ? {} : { mediaType: row.media_type }) };
  }

  /** The latest name wins (the operator renamed it, or uploaded it again under another name). */
  set(contentId: string, name: string, mediaType = mediaTypeOf(name)): void {
    this.#database.sql
      .prepare(
        'INSERT INTO file_names (content_id, name, media_type, named_at) VALUES (?, ?, ?, ?) ON CONFLICT (content_id) DO UPDATE SET name = excluded.name, media_type = excluded.media_type, named_at = excluded.named_at',
      )
      .run(contentId, name, mediaType ?? null, Math.round(this.#now()));
  }
}
