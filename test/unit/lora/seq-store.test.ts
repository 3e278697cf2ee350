// Signed sequence numbers survive a restart: the sender goes on above the last one it used, also
// within the same second, so receivers never drop a restarted node's message as a duplicate.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeDatabase } from '../../../electron/node/db/index.ts';
import { NodeIdentity } from '../../../electron/node/identity/index.ts';
import type { LoraMessage } from '../../../electron/node/lora/index.ts';
import { LoraSeqStore } from '../../../electron/node/lora/seq-store.ts';
import { keyIdOf } from '../../../electron/node/lora/keys.ts';
import { LoraSender } from '../../../electron/node/lora/sender.ts';
import type { PakitNode } from '../../../electron/node/node.ts';
import { seededRandom } from '../../../electron/sim/random.ts';
import { createTestNode } from '../../helpers/test-node.ts';
import { NETWORK, NOW, identity, receiver } from './lora-fixtures.ts';

const ANNOUNCE: LoraMessage = { type: 'index-announce', version: 1, blockCount: 3, rootHash: 'ab'.repeat(32) };

describe('persisted sequence numbers', () => {
  const open: NodeDatabase[] = [];
  const nodes: PakitNode[] = [];
  afterEach(async () => {
    for (const database of open.splice(0)) database.close();
    for (const node of nodes.splice(0)) await node.stop();
  });

  function senderOn(file: string, seed: number): LoraSender {
    const { database } = NodeDatabase.open(file);
    open.push(database);
    const store = new LoraSeqStore(database);
    const signer = identity(1);
    const keyId = keyIdOf(signer.publicKey);
    const lastSeq = store.last(keyId);
    return new LoraSender({ networkId: NETWORK, signer, random: seededRandom(seed), ...(lastSeq === undefined ? {} : { lastSeq }), onSeq: (seq) => store.used(keyId, seq) });
  }

  it('a sender restarted from the database within the same second goes on above the numbers used', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pakit-seq-')), 'pakit.db');
    const rx = receiver();
    rx.keys.add(identity(1).publicKey);
    const before = senderOn(file, 1);
    const used = [0, 1, 2].map(() => before.encode(ANNOUNCE, NOW));
    for (const message of used) expect(rx.receive(message.frames[0]!, 7, NOW)).toMatchObject({ ok: true, status: 'delivered' });
    open.pop()!.close(); // the process ends

    const after = senderOn(file, 2);
    const next = after.encode(ANNOUNCE, NOW);
    expect(next.seq).toBe(used.at(-1)!.seq! + 1);
    expect(rx.receive(next.frames[0]!, 7, NOW)).toMatchObject({ ok: true, status: 'delivered' });

    // What the mark prevents: a sender starting from the clock alone reuses the first number.
    const fresh = new LoraSender({ networkId: NETWORK, signer: identity(1), random: seededRandom(3) });
    expect(rx.receive(fresh.encode(ANNOUNCE, NOW).frames[0]!, 7, NOW)).toMatchObject({ ok: false, reason: 'duplicate' });
  });

  it('the mark never goes down, and keys are kept apart', () => {
    const { database } = NodeDatabase.open(join(mkdtempSync(join(tmpdir(), 'pakit-seq-')), 'pakit.db'));
    open.push(database);
    const store = new LoraSeqStore(database);
    store.used('key-a', 50);
    store.used('key-a', 40);
    expect(store.last('key-a')).toBe(50);
    expect(store.last('key-b')).toBeUndefined();
  });

  it('a real node restarted on its data folder signs above its last number', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'pakit-seq-node-'));
    const signer = NodeIdentity.generate();
    const clock = { now: () => NOW, setTimeout: () => 0, clearTimeout: () => {} };
    const first = await createTestNode({ dataDir, identity: signer, clock });
    const used = [0, 1, 2, 3].map(() => first.lora.sender.encode(ANNOUNCE, NOW).seq!);
    await first.stop();
    const restarted = await createTestNode({ dataDir, identity: signer, clock });
    nodes.push(restarted);
    expect(restarted.lora.sender.encode(ANNOUNCE, NOW).seq).toBe(used.at(-1)! + 1);
  });
});
