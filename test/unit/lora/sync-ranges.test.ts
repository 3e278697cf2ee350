// Range sessions: a node with an empty (or far-behind) index joins a 10,000-id index. Every message
// is a real frame through LoraSender and LoraReceiver (test/helpers/sync-air.ts).
import { describe, expect, it } from 'vitest';
import { IndexSync, decodeSyncPayload } from '../../../electron/node/lora/sync/index.ts';
import { DagIndex } from '../../../electron/node/storage/index.ts';
import { seededRandom } from '../../../electron/sim/random.ts';
import { SyncAir, randomContentId, syncAirNode } from '../../helpers/sync-air.ts';

const N = 10_000;
/** The whole index as sync messages (bench/lora-sync.ts measures it: ~337 KB). */
const WHOLE_INDEX_BYTES = 337_000;

describe('range sessions', { timeout: 60_000 }, () => {
  const random = seededRandom(40);
  const ids = Array.from({ length: N }, () => randomContentId(random));

  for (const emptyAnnounces of [true, false]) {
    it(`an empty node learns all 10,000 ids from one neighbour, within 5 % of the whole index's bytes (${emptyAnnounces ? 'the empty' : 'the full'} node announces first)`, () => {
      const full = syncAirNode(1, ids);
      const empty = syncAirNode(2, []);
      const air = emptyAnnounces ? new SyncAir(empty, full) : new SyncAir(full, empty);
      air.run(() => empty.index.rootHash() === full.index.rootHash(), 3_600_000);
      expect(empty.index.size).toBe(N);
      expect(empty.index.rootHash()).toBe(full.index.rootHash());
      expect(air.bytes).toBeLessThan(WHOLE_INDEX_BYTES * 1.05);
      expect(full.sync.peer(empty.name)).toMatchObject({ sent: N, learned: 0 });
    });
  }

  it('with 5 % of frames lost, sessions fail, retry where they stopped, and the node still ends with exactly the 10,000 ids', () => {
    const full = syncAirNode(1, ids);
    const empty = syncAirNode(2, []);
    const air = new SyncAir(empty, full, { loss: 0.05, seed: 41 });
    air.run(() => empty.index.rootHash() === full.index.rootHash(), 48 * 3_600_000);
    expect(air.lostFrames).toBeGreaterThan(50);
    expect(empty.index.size).toBe(N);
    expect(full.index.size).toBe(N); // nothing made up on either side
    expect(empty.index.rootHash()).toBe(full.index.rootHash());
  });

  it('a far-behind node (half the ids, and 300 of its own) converges through sketches per range', () => {
    const behind = syncAirNode(2, [...ids.slice(0, N / 2), ...Array.from({ length: 300 }, () => randomContentId(random))]);
    const full = syncAirNode(1, ids);
    const air = new SyncAir(full, behind);
    air.run(() => behind.index.rootHash() === full.index.rootHash(), 3_600_000);
    expect(behind.index.size).toBe(N + 300);
    expect(full.index.size).toBe(N + 300);
    // Close to what is missing: 5,300 ids cross, ~33 bytes each.
    expect(air.bytes).toBeLessThan(5_300 * 33 * 1.6);
  });

  it('a range holding more than a session carries is halved and the plan goes on', () => {
    const full = syncAirNode(1, ids, { rangeDifferences: 4000, maxIdsPerSession: 600 });
    const behind = syncAirNode(2, ids.slice(0, 100), { rangeDifferences: 4000, maxIdsPerSession: 600 });
    const air = new SyncAir(full, behind);
    air.run(() => behind.index.rootHash() === full.index.rootHash(), 3_600_000);
    expect(behind.index.size).toBe(N);
  });

  it('range symbols name their range, and an empty side answers `whole` without peeling', () => {
    const full = new IndexSync({ index: new DagIndex(ids.slice(0, 2000)), random: seededRandom(1) });
    const empty = new IndexSync({ index: new DagIndex(), random: seededRandom(2) });
    const start = full.onAnnounce('empty', { type: 'index-announce', version: 0, blockCount: 0, rootHash: 'ff'.repeat(32) }, 0); // a higher root: `full` starts at once
    const sketch = decodeSyncPayload(start.send[0]!.message.payload);
    expect(sketch).toMatchObject({ kind: 'symbols', start: 0, range: { first: 0 } });
    const answer = empty.onSync('full', start.send[0]!.message, 0);
    expect(answer.send.map((send) => decodeSyncPayload(send.message.payload))).toEqual([{ kind: 'whole' }]);
  });
});
