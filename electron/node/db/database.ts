// The node's embedded database: one SQLite file (node:sqlite, built into Node 24 and Electron's Node)
// in which each service owns its tables and migrates them itself. A damaged file never stops the
// node: it is moved aside, kept for inspection, and a fresh database takes its place.
import { existsSync, renameSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';

/** What `open` found when the file was unusable: where the old file was kept and why it was set aside. */
export type DamagedDatabase = { keptAs: string; reason: string };

export type OpenedDatabase = { database: NodeDatabase; damaged: DamagedDatabase | undefined };

/** The database was written by a newer version of this app: refusing is safer than guessing. */
export class DatabaseTooNewError extends Error {
  readonly module: string;
  readonly fix: string;
  constructor(module: string, found: number, known: number) {
    super(`The ${module} tables were written by a newer Pakit Mesh (schema ${found}; this version knows up to ${known}).`);
    this.name = 'DatabaseTooNewError';
    this.module = module;
    this.fix = 'Update Pakit Mesh, or start it with another data folder.';
  }
}

const SIDE_FILES = ['-wal', '-shm'] as const;

export class NodeDatabase {
  readonly file: string;
  readonly sql: DatabaseSync;

  private constructor(file: string, sql: DatabaseSync) {
    this.file = file;
    this.sql = sql;
  }

  /**
   * Opens (or creates) the database at `file`. A file that is not a database, fails SQLite's quick
   * check, or cannot be opened is renamed to `<file>.damaged-<at>` (with its WAL) and replaced.
   */
  static open(file: string, now: () => number = Date.now): OpenedDatabase {
    const opened = tryOpen(file);
    if (opened.ok) return { database: new NodeDatabase(file, opened.sql), damaged: undefined };
    const keptAs = `${file}.damaged-${now()}`;
    if (existsSync(file)) renameSync(file, keptAs);
    for (const suffix of SIDE_FILES) if (existsSync(file + suffix)) renameSync(file + suffix, keptAs + suffix);
    const fresh = tryOpen(file);
    if (!fresh.ok) throw new Error(`cannot create the database ${file}: ${fresh.reason}`);
    return { database: new NodeDatabase(file, fresh.sql), damaged: { keptAs, reason: opened.reason } };
  }

  /**
   * Brings `module`'s tables to the newest of `steps` (SQL scripts, applied in order, each once, in a
   * transaction). Modules version independently, so a service adds tables without touching others.
   */
  migrate(module: string, steps: readonly string[]): void {
    const row = this.sql.prepare('SELECT version FROM schema_versions WHERE module = ?').get(module) as { version: number } | undefined;
    const current = row?.version ?? 0;
    if (current > steps.length) throw new DatabaseTooNewError(module, current, steps.length);
    for (let version = current + 1; version <= steps.length; version += 1) {
      this.transaction(() => {
        this.sql.exec(steps[version - 1]!);
        this.sql.prepare('INSERT INTO schema_versions (module, version) VALUES (?, ?) ON CONFLICT (module) DO UPDATE SET version = excluded.version').run(module, version);
      });
    }
  }

  /** Runs `work` in one transaction: all of it is written, or none. */
  transaction<T>(work: () => T): T {
    this.sql.exec('BEGIN IMMEDIATE');
    try {
      const result = work();
      this.sql.exec('COMMIT');
      return result;
    } catch (error) {
      // SQLite has already rolled back after some failures (a full disk): the cause is what matters.
      if (this.sql.isTransaction) this.sql.exec('ROLLBACK');
      throw error;
    }
  }

  close(): void {
    if (this.sql.isOpen) this.sql.close();
  }
}

type TryOpen = { ok: true; sql: DatabaseSync } | { ok: false; reason: string };

function tryOpen(file: string): TryOpen {
  let sql: DatabaseSync | undefined;
  try {
    sql = new DatabaseSync(file);
    // WAL: readers never block the writer, and a killed process loses at most the last transaction.
    sql.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 2000;');
    const check = sql.prepare('PRAGMA quick_check').all() as { quick_check: string }[];
    const problems = check.map((row) => row.quick_check).filter((line) => line !== 'ok');
    if (problems.length > 0) {
      sql.close();
      return { ok: false, reason: `SQLite's check found damage: ${problems.slice(0, 3).join('; ')}` };
    }
    sql.exec('CREATE TABLE IF NOT EXISTS schema_versions (module TEXT PRIMARY KEY, version INTEGER NOT NULL) STRICT');
    return { ok: true, sql };
  } catch (error) {
    if (sql?.isOpen) sql.close();
    return { ok: false, reason: (error as Error).message };
  }
}
