// A node whose database file is damaged still starts, says so in words, keeps the damaged file, and
// answers from a fresh one.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connect } from '../../cli/connect.ts';
import { targetOf } from '../../cli/target.ts';
import { startHeadlessNode } from '../helpers/headless-node.ts';

describe('damaged node database', { timeout: 30_000 }, () => {
  it('the node starts, logs what happened and where the copy is, and keeps serving', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pakit-damaged-'));
    const damaged = Buffer.from('a card that lost power mid-write left this instead of a database '.repeat(64));
    writeFileSync(join(dataDir, 'pakit.db'), damaged);
    const node = await startHeadlessNode(['--api', '127.0.0.1:0'], { PAKIT_DATA_DIR: dataDir });
    try {
      await expect.poll(() => node.stderr(), { timeout: 10_000 }).toMatch(/ERROR node: The database was damaged and could not be read .* It was kept as .*pakit\.db\.damaged-\d+/);
      const kept = readdirSync(dataDir).filter((name) => /^pakit\.db\.damaged-\d+$/.test(name));
      expect(kept).toHaveLength(1);
      expect(readFileSync(join(dataDir, kept[0]!))).toEqual(damaged);

      const client = await connect(targetOf({ url: node.consoleUrl }));
      try {
        const conversations = await client.call('messages.conversations', {});
        expect(conversations).toEqual({ ok: true, value: [] });
        const log = await client.call('log.recent', { minLevel: 'error' });
        expect(log.ok && log.value.some((entry) => entry.message.includes('kept as'))).toBe(true);
      } finally {
        client.close();
      }
    } finally {
      expect(await node.stop()).toBe(0);
    }
  });
});
