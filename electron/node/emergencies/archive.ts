// The emergency history in the node's SQLite database (table owned and migrated here): each record
// as the contract's JSON, checked against its schema when read back, and, for our own emergencies,
// the signed frames their roll-call repeats.
import { EmergencyRecord } from '../../../shared/contract/emergency.ts';
import type { NodeDatabase } from '../db/index.ts';
import type { ArchivedEmergency, EmergencyArchive } from '../lora/emergency-desk.ts';

const MIGRATIONS = [
  `CREATE TABLE emergencies (
     id TEXT PRIMARY KEY,
     at INTEGER NOT NULL,
     record TEXT NOT NULL,
     frames TEXT
   ) STRICT;
   CREATE INDEX emergencies_by_time ON emergencies (at);`,
];

type Row = { id: string; record: string; frames: string | null };

export class DatabaseEmergencyArchive implements EmergencyArchive {
  readonly #db: NodeDatabase;
  readonly #onDamage: (id: string, why: string) => void;
  /** What each saved row holds, so a save writes only what changed. */
  readonly #written = new Map<string, string>();

  constructor(database: NodeDatabase, onDamage: (id: string, why: string) => void) {
    this.#db = database;
    this.#onDamage = onDamage;
    database.migrate('emergencies', MIGRATIONS);
  }

  /** Newest first; a row that no longer reads as a record is reported and left out. */
  load(): ArchivedEmergency[] {
    const rows = this.#db.sql.prepare('SELECT id, record, frames FROM emergencies ORDER BY at DESC, id').all() as Row[];
    const entries: ArchivedEmergency[] = [];
    for (const row of rows) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(row.record);
      } catch {
        this.#onDamage(row.id, 'not JSON');
        continue;
      }
      const record = EmergencyRecord.safeParse(parsed);
      if (!record.success) {
        const issue = record.error.issues[0];
        this.#onDamage(row.id, `${issue?.path.join('.') || 'record'}: ${issue?.message ?? 'not a record'}`);
        continue;
      }
      this.#written.set(row.id, row.record + (row.frames ?? ''));
      const frames = row.frames === null ? undefined : (JSON.parse(row.frames) as string[]).map((hex) => Uint8Array.from(Buffer.from(hex, 'hex')));
      entries.push({ record: record.data, ...(frames && { frames }) });
    }
    return entries;
  }

  save(entries: readonly ArchivedEmergency[]): void {
    const keep = new Set(entries.map((entry) => entry.record.id));
    this.#db.transaction(() => {
      for (const { record, frames } of entries) {
        const json = JSON.stringify(record);
        const framesJson = frames ? JSON.stringify(frames.map((frame) => Buffer.from(frame).toString('hex'))) : null;
        if (this.#written.get(record.id) === json + (framesJson ?? '')) continue;
        this.#db.sql
          .prepare('INSERT INTO emergencies (id, at, record, frames) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at, record = excluded.record, frames = excluded.frames')
          .run(record.id, record.at, json, framesJson);
        this.#written.set(record.id, json + (framesJson ?? ''));
      }
      for (const id of this.#written.keys()) {
        if (keep.has(id)) continue;
        this.#db.sql.prepare('DELETE FROM emergencies WHERE id = ?').run(id);
        this.#written.delete(id);
      }
    });
  }
}
