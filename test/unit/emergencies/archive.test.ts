// The emergency history survives a restart: real nodes on a real database file in a temp folder.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeDatabase } from '../../../electron/node/db/index.ts';
import { DatabaseEmergencyArchive } from '../../../electron/node/emergencies/index.ts';
import { NodeIdentity } from '../../../electron/node/identity/index.ts';
import type { EmergencyRecord } from '../../../electron/node/lora/emergency-desk.ts';
import type { PakitNode } from '../../../electron/node/node.ts';
import { BlockStore } from '../../../electron/node/storage/index.ts';
import { createTestNode } from '../../helpers/test-node.ts';

const record = (id: string, at: number, extra: Partial<EmergencyRecord> = {}): EmergencyRecord => ({
  id,
  direction: 'sent',
  text: `emergency ${id}`,
  priority: 'urgent',
  at,
  signer: 'aaaaaaaaaaaaaaaa',
  verified: true,
  ackedBy: [],
  acknowledged: true,
  ...extra,
});

describe('emergency archive', () => {
  it('keeps records and a roll-call’s frames, writes only what changed, and forgets what left the history', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pakit-emergencies-')), 'pakit.db');
    const damage: string[] = [];
    const open = () => new DatabaseEmergencyArchive(NodeDatabase.open(file).database, (id) => damage.push(id));
    const archive = open();
    const frames = [Uint8Array.from([1, 2, 3, 250])];
    const rollCall = { repeating: true, members: [{ node: '!0000000b', answer: 'silent' as const, asks: 2, nextAskAt: 5 }] };
    archive.save([{ record: record('k:2', 2000, { rollCall }), frames }, { record: record('k:1', 1000) }]);
    const reopened = open().load();
    expect(reopened.map((entry) => entry.record.id)).toEqual(['k:2', 'k:1']); // newest first
    expect(reopened[0]).toEqual({ record: record('k:2', 2000, { rollCall }), frames });
    expect(reopened[1]!.frames).toBeUndefined();

    const again = open();
    again.load();
    again.save([{ record: record('k:2', 2000, { closed: { at: 3000, text: 'over' } }) }]);
    expect(open().load()).toEqual([{ record: record('k:2', 2000, { closed: { at: 3000, text: 'over' } }) }]);
    expect(damage).toEqual([]);
  });

  it('leaves out a row that no longer reads as a record, and says which', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pakit-emergencies-')), 'pakit.db');
    const { database } = NodeDatabase.open(file);
    const damage: string[] = [];
    const archive = new DatabaseEmergencyArchive(database, (id, why) => damage.push(`${id}: ${why}`));
    archive.save([{ record: record('k:1', 1000) }, { record: record('k:2', 2000) }]);
    database.sql.prepare("UPDATE emergencies SET record = '{\"id\":\"k:1\",\"text\":' WHERE id = 'k:1'").run();
    expect(new DatabaseEmergencyArchive(database, (id, why) => damage.push(`${id}: ${why}`)).load().map((entry) => entry.record.id)).toEqual(['k:2']);
    expect(damage).toEqual(['k:1: not JSON']);
  });

  it('gives a restarted node its emergency history back', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pakit-restart-'));
    const identity = NodeIdentity.generate();
    const start = async (): Promise<PakitNode> => createTestNode({ dataDir, identity, store: await BlockStore.open(join(dataDir, 'store')) });
    const first = await start();
    const sent = first.lora.emergencies.send({ text: 'Gas leak at the depot', priority: 'life_threatening', confirmedAgain: false });
    if (!sent.ok) throw new Error(sent.reason);
    await first.stop();
    const second = await start();
    expect(second.lora.emergencies.history()).toEqual([expect.objectContaining({ id: sent.record.id, text: 'Gas leak at the depot', priority: 'life_threatening', direction: 'sent' })]);
    // …and it can still close it everywhere.
    expect(second.lora.emergencies.allClear(sent.record.id, 'Leak fixed').ok).toBe(true);
    await second.stop();
  });
});
