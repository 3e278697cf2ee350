import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isDiskFull, knownFailure } from '../../../electron/node/api/known-failures.ts';
import { DatabaseTooNewError, NodeDatabase } from '../../../electron/node/db/index.ts';

const freshFile = () => join(mkdtempSync(join(tmpdir(), 'pakit-db-')), 'pakit.db');

describe('NodeDatabase', () => {
  it('applies each module’s migrations once, in order, across reopenings', () => {
    const file = freshFile();
    const steps = ['CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL) STRICT'];
    const first = NodeDatabase.open(file).database;
    first.migrate('notes', steps);
    first.sql.prepare('INSERT INTO notes (text) VALUES (?)').run('kept');
    first.close();

    const second = NodeDatabase.open(file).database;
    second.migrate('notes', [...steps, 'ALTER TABLE notes ADD COLUMN at INTEGER']);
    second.migrate('other', ['CREATE TABLE other (x INTEGER) STRICT']);
    expect(second.sql.prepare('SELECT text, at FROM notes').all()).toEqual([{ text: 'kept', at: null }]);
    expect(second.sql.prepare('SELECT module, version FROM schema_versions ORDER BY module').all()).toEqual([
      { module: 'notes', version: 2 },
      { module: 'other', version: 1 },
    ]);
    second.close();
  });

  it('a full database fails the whole transaction with SQLite’s own error, recognised as a full disk', () => {
    const { database } = NodeDatabase.open(freshFile());
    database.migrate('notes', ['CREATE TABLE notes (text TEXT NOT NULL) STRICT']);
    database.sql.exec(`PRAGMA max_page_count = ${(database.sql.prepare('PRAGMA page_count').get() as { page_count: number }).page_count + 2}`);
    let failure: unknown;
    try {
      database.transaction(() => {
        for (let index = 0; index < 100; index += 1) database.sql.prepare('INSERT INTO notes (text) VALUES (?)').run('x'.repeat(2000));
      });
    } catch (error) {
      failure = error;
    }
    expect(failure).toMatchObject({ errcode: 13, message: 'database or disk is full' }); // not "cannot rollback"
    expect(isDiskFull(failure)).toBe(true);
    expect(knownFailure(failure)).toMatchObject({ code: 'refused', reason: 'disk_full' });
    expect(database.sql.prepare('SELECT COUNT(*) AS n FROM notes').get()).toEqual({ n: 0 }); // none of it
    database.sql.exec('PRAGMA max_page_count = 1000000');
    database.transaction(() => database.sql.prepare('INSERT INTO notes (text) VALUES (?)').run('after'));
    expect(database.sql.prepare('SELECT COUNT(*) AS n FROM notes').get()).toEqual({ n: 1 });
    database.close();
  });

  it('refuses tables written by a newer schema instead of guessing', () => {
    const file = freshFile();
    const database = NodeDatabase.open(file).database;
    database.migrate('notes', ['CREATE TABLE a (x INTEGER)', 'CREATE TABLE b (x INTEGER)']);
    expect(() => database.migrate('notes', ['CREATE TABLE a (x INTEGER)'])).toThrow(DatabaseTooNewError);
    database.close();
  });

  it('rolls a failed migration back whole', () => {
    const database = NodeDatabase.open(freshFile()).database;
    expect(() => database.migrate('bad', ['CREATE TABLE half (x INTEGER); INSERT INTO nowhere VALUES (1);'])).toThrow();
    expect(database.sql.prepare("SELECT name FROM sqlite_master WHERE name = 'half'").all()).toEqual([]);
    database.close();
  });

  it('sets a damaged file aside, keeps it byte for byte, and starts a fresh database', () => {
    const file = freshFile();
    const garbage = Buffer.from('this is not an SQLite database, just bytes a failing card left behind'.repeat(100));
    writeFileSync(file, garbage);
    const { database, damaged } = NodeDatabase.open(file, () => 1234);
    expect(damaged?.keptAs).toBe(`${file}.damaged-1234`);
    expect(damaged?.reason).toMatch(/not a database|damage/i);
    expect(readFileSync(damaged!.keptAs)).toEqual(garbage);
    database.migrate('notes', ['CREATE TABLE notes (x INTEGER)']);
    database.close();
    expect(existsSync(file)).toBe(true);
  });

  it('finds damage inside a database whose header is intact', () => {
    const file = freshFile();
    const database = NodeDatabase.open(file).database;
    database.migrate('notes', ['CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)']);
    const insert = database.sql.prepare('INSERT INTO notes (text) VALUES (?)');
    database.transaction(() => {
      for (let i = 0; i < 2000; i += 1) insert.run(`note ${i} `.repeat(20));
    });
    database.sql.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    database.close();
    const bytes = readFileSync(file);
    // Keep the 100-byte header and the first page; scribble over the pages of the table.
    for (let at = 4096 * 2; at < bytes.length; at += 7) bytes[at] = 0xa5;
    writeFileSync(file, bytes);

    const reopened = NodeDatabase.open(file, () => 99);
    expect(reopened.damaged).toBeDefined();
    expect(readFileSync(`${file}.damaged-99`)).toEqual(bytes);
    reopened.database.close();
  });
});
