// A node whose disk fills up, on a real small file system (tmpfs, mounted for the test; needs root,
// which CI has): uploads are refused in words, writes to the database are refused in words, nothing
// stored before is lost, and once space is freed everything works again.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContractClient } from '../../shared/contract/index.ts';
import { connect } from '../../cli/connect.ts';
import { targetOf } from '../../cli/target.ts';
import { startHeadlessNode, type RunningNode } from '../helpers/headless-node.ts';

const DISK = join(mkdtempSync(join(tmpdir(), 'pakit-small-disk-')), 'mnt');
const DISK_MIB = 12;

function mountSmallDisk(): string | undefined {
  try {
    execFileSync('mkdir', ['-p', DISK]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_MIB}m`, 'tmpfs', DISK], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

const cannotMount = mountSmallDisk();

describe.skipIf(cannotMount !== undefined)(`a node on a ${DISK_MIB} MiB disk that fills up`, { timeout: 120_000 }, () => {
  let node: RunningNode;
  let client: ContractClient;
  beforeAll(async () => {
    node = await startHeadlessNode(['--api', '127.0.0.1:0', '--data-dir', join(DISK, 'data')], { MESH_ENABLED: 'false' });
    client = await connect(targetOf({ url: node.consoleUrl }));
  });
  afterAll(async () => {
    client?.close();
    expect(await node?.stop()).toBe(0);
    execFileSync('umount', [DISK]);
    rmSync(DISK, { recursive: true, force: true });
  });

  const upload = (name: string, bytes: Buffer) => client.call('storage.upload', { name, dataBase64: bytes.toString('base64') });

  it('refuses uploads and database writes in words when the disk is full, keeps what it had, and recovers', async () => {
    const first = Buffer.alloc(512 * 1024, 1);
    const kept = await upload('kept.bin', first);
    expect(kept.ok).toBe(true);
    const keptId = kept.ok ? kept.value.id : '';

    // Fill the disk with 1 MiB files until the store says it is full.
    const stored: string[] = [];
    let refusal: unknown;
    for (let index = 0; index < DISK_MIB * 2 && refusal === undefined; index += 1) {
      const result = await upload(`fill-${index}.bin`, Buffer.alloc(1024 * 1024, index + 2));
      if (result.ok) stored.push(result.value.id);
      else refusal = result.error;
    }
    expect(refusal).toMatchObject({ code: 'refused', reason: 'disk_full', message: expect.stringMatching(/disk/i) });

    // Whatever the store left free goes to a filler file: the disk is now full to the last block.
    const filler = join(DISK, 'filler');
    const fd = openSync(filler, 'w');
    try {
      for (;;) writeSync(fd, Buffer.alloc(64 * 1024));
    } catch (error) {
      expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }

    // Writes to the database (text messages kept in pakit.db) are taken while SQLite has room in its
    // files, then refused in words: never an internal error, and every one taken is really kept.
    const taken: string[] = [];
    let dbRefusal: unknown;
    for (let index = 0; index < 200 && dbRefusal === undefined; index += 1) {
      const text = `Written on a full disk ${index} ${'.'.repeat(150)}`;
      const sent = await client.call('messages.send', { text });
      if (sent.ok) taken.push(text);
      else dbRefusal = sent.error;
    }
    console.log(`full disk: ${taken.length} messages taken, then ${JSON.stringify(dbRefusal)}`);
    expect(dbRefusal).toMatchObject({ code: 'refused', reason: 'disk_full', message: expect.stringMatching(/disk is full/i) });
    const listed = await client.call('messages.list', { limit: 1000 });
    expect(listed.ok && taken.every((text) => listed.value.some((message) => message.text === text))).toBe(true);
    rmSync(filler);

    // Nothing stored before was lost or damaged.
    const back = await client.call('storage.download', { id: keptId });
    expect(back.ok && Buffer.from(back.value.dataBase64, 'base64').equals(first)).toBe(true);
    expect((await client.call('node.info', {})).ok).toBe(true);

    // Space freed: uploads and database writes work again.
    for (const id of stored) expect((await client.call('storage.delete', { id })).ok).toBe(true);
    expect((await upload('after.bin', Buffer.alloc(256 * 1024, 9))).ok).toBe(true);
    expect(await client.call('messages.send', { text: 'Written after space was freed' })).toMatchObject({ ok: true });
    expect(node.stderr()).not.toMatch(/failed while handling/);
  });
});

if (cannotMount !== undefined) console.warn(`disk-full test skipped: cannot mount a tmpfs here (${cannotMount.split('\n')[0]})`);
