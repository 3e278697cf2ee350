import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { BlockIndex } from '../../../electron/node/storage/block-index.ts';
import { contentIdFor, RAW_CODEC } from '../../../electron/node/storage/content-id.ts';

let dir: string;
beforeEach(() => {
  dir = join(mkdtempSync(join(tmpdir(), 'pakit-index-')), 'index');
  mkdirSync(dir);
});
afterEach(() => rmSync(join(dir, '..'), { recursive: true, force: true }));

const idOf = (n: number): string => contentIdFor(RAW_CODEC, Buffer.from(`block ${n}`)).toString();
const open = (): BlockIndex => BlockIndex.open(dir, { syncToDisk: false });

test('changes survive a reopen without close (from the log) and after close (from the snapshot)', () => {
  const index = open();
  index.add(idOf(1), 10);
  index.add(idOf(2), 20);
  index.remove(idOf(1));
  const summary = index.view.summary();
  // No close: the process died.
  const afterCrash = open();
  expect(afterCrash.wasCleanShutdown).toBe(false);
  expect(afterCrash.view.summary()).toEqual(summary);
  expect(afterCrash.usedBytes).toBe(20);
  afterCrash.close();
  expect(readFileSync(join(dir, 'log'), 'utf8')).toBe('');
  const afterClose = open();
  expect(afterClose.wasCleanShutdown).toBe(true);
  expect(afterClose.view.summary()).toEqual(summary);
  expect(afterClose.sizeOf(idOf(2))).toBe(20);
  expect(existsSync(join(dir, 'clean'))).toBe(false);
  afterClose.close();
});

test('a torn last log line is ignored and cut off, so later lines are not glued to it', () => {
  const index = open();
  index.add(idOf(1), 10);
  appendFileSync(join(dir, 'log'), `2 + ${idOf(2).slice(0, 20)}`);
  const reopened = open();
  expect(reopened.view.ids()).toEqual([idOf(1)]);
  expect(reopened.view.version).toBe(1);
  reopened.add(idOf(3), 30);
  const again = open();
  expect(new Set(again.view.ids())).toEqual(new Set([idOf(1), idOf(3)]));
  expect(again.view.version).toBe(2);
});

test('log lines already folded into the snapshot are not applied twice', () => {
  const index = open();
  index.add(idOf(1), 10);
  index.add(idOf(2), 20);
  const log = readFileSync(join(dir, 'log'), 'utf8');
  index.compact();
  // A crash between writing the snapshot and emptying the log leaves both.
  writeFileSync(join(dir, 'log'), log);
  const reopened = open();
  expect(reopened.view.version).toBe(2);
  expect(reopened.usedBytes).toBe(30);
});

test('the log is folded into a snapshot once it grows past its limit', () => {
  const index = open();
  for (let i = 0; i < 10_050; i++) index.add(idOf(i), 1);
  expect(readFileSync(join(dir, 'log'), 'utf8').split('\n').length).toBeLessThan(100);
  expect(readFileSync(join(dir, 'snapshot'), 'utf8').startsWith('pakit-block-index 1 10001 10001 ')).toBe(true);
  const reopened = open();
  expect(reopened.view.summary()).toEqual(index.view.summary());
});

test('a damaged snapshot is not trusted: the store must rescan, and the version does not go back', () => {
  const index = open();
  index.add(idOf(1), 10);
  index.close();
  const snapshot = readFileSync(join(dir, 'snapshot'), 'utf8');
  writeFileSync(join(dir, 'snapshot'), snapshot.replace('10\n', '11\n'));
  appendFileSync(join(dir, 'log'), `2 + ${idOf(2)} 5\n`);
  const reopened = open();
  expect(reopened.wasCleanShutdown).toBe(false);
  expect(reopened.view.size).toBe(0);
  expect(reopened.view.version).toBe(2);
});
