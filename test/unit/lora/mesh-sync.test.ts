// When a node announces its mesh index root: every 5 minutes, and soon after the root moved
// (a block stored, ids learned), after a random wait and never twice within a minute.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ANNOUNCE_AFTER_CHANGE_MS, ANNOUNCE_MIN_GAP_MS, INDEX_ANNOUNCE_EVERY_MS, MeshSync } from '../../../electron/node/lora/mesh-sync.ts';
import { contentIdFor, RAW_CODEC, type ContentId } from '../../../electron/node/storage/content-id.ts';
import { seededRandom } from '../../../electron/sim/random.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const T0 = Date.UTC(2026, 11, 4, 10, 0, 0);
const newId = (): ContentId => contentIdFor(RAW_CODEC, randomBytes(32)).toString();

function meshSync(own: ContentId[], random: () => number = seededRandom(5)): MeshSync {
  const dir = mkdtempSync(join(tmpdir(), 'pakit-mesh-sync-'));
  dirs.push(dir);
  return new MeshSync({ indexFile: join(dir, 'lora-index.bin'), ownIds: () => own, random, onProblem: () => {} });
}

/** The first time from `from` (5 s steps, as the service ticks) at which an announce is due. */
function firstDue(node: MeshSync, from: number, lastAnnounceAt: number, untilMs = INDEX_ANNOUNCE_EVERY_MS): number | undefined {
  for (let now = from; now <= from + untilMs; now += 5_000) if (node.announceDue(now, lastAnnounceAt)) return now;
  return undefined;
}

/** Runs sessions between two nodes (messages handed over directly) until both fall silent. */
function exchange(a: MeshSync, b: MeshSync, now: number): void {
  // The lower root starts at once, the higher one after its 30 s wait.
  const started = b.onAnnounce('!00000001', a.announcement(now), now).send;
  const sketch = started.length > 0 ? started : b.tick(now + 30_000).send;
  const queue = sketch.map((entry) => ({ from: b, to: a, entry }));
  while (queue.length > 0) {
    const { from, to, entry } = queue.shift()!;
    const step = to.onSync(from === a ? '!00000001' : '!00000002', entry.message, now);
    queue.push(...step.send.map((next) => ({ from: to, to: from, entry: next })));
  }
}

describe('MeshSync announces', () => {
  it('with nothing new, every 5 minutes', () => {
    const node = meshSync([newId()]);
    node.announcement(T0);
    expect(firstDue(node, T0, T0)).toBe(T0 + INDEX_ANNOUNCE_EVERY_MS);
  });

  it('a block stored: within 5-30 s when the last announce is over a minute old, and once', () => {
    const own = [newId()];
    const node = meshSync(own);
    node.announcement(T0);
    const storedAt = T0 + 120_000;
    own.push(newId());
    const due = firstDue(node, storedAt, T0)!;
    expect(due - storedAt).toBeGreaterThanOrEqual(ANNOUNCE_AFTER_CHANGE_MS.min);
    expect(due - storedAt).toBeLessThanOrEqual(ANNOUNCE_AFTER_CHANGE_MS.min + ANNOUNCE_AFTER_CHANGE_MS.spread);
    node.announcement(due);
    expect(firstDue(node, due + 5_000, due)).toBe(due + INDEX_ANNOUNCE_EVERY_MS);
  });

  it('never twice within a minute, however fast the root moves', () => {
    const own = [newId()];
    const node = meshSync(own, () => 0);
    node.announcement(T0);
    own.push(newId());
    expect(firstDue(node, T0 + 5_000, T0)).toBe(T0 + ANNOUNCE_MIN_GAP_MS);
  });

  it('neighbours that changed together wait different times (the wait is drawn from the injected randomness)', () => {
    const waits = [0.1, 0.9].map((draw) => {
      const own = [newId()];
      const node = meshSync(own, () => draw);
      node.announcement(T0);
      own.push(newId());
      return firstDue(node, T0 + 120_000, T0)! - (T0 + 120_000);
    });
    expect(waits[1]! - waits[0]!).toBeGreaterThanOrEqual(0.8 * ANNOUNCE_AFTER_CHANGE_MS.spread - 5_000);
  });

  it('ids learned by index sync move the root: the learner announces them within 30 s', () => {
    const a = meshSync([newId(), newId()], seededRandom(1));
    const b = meshSync([newId()], seededRandom(2));
    b.announcement(T0);
    const syncedAt = T0 + 120_000;
    exchange(a, b, syncedAt);
    expect(b.view().summary.block_count).toBe(3);
    const due = firstDue(b, syncedAt, T0)!;
    expect(due - syncedAt).toBeLessThanOrEqual(ANNOUNCE_AFTER_CHANGE_MS.min + ANNOUNCE_AFTER_CHANGE_MS.spread);
  });

  it('before its first announce a node waits for the periodic one (the connect-time announce comes first)', () => {
    const own = [newId()];
    const node = meshSync(own);
    own.push(newId());
    expect(firstDue(node, T0, T0)).toBe(T0 + INDEX_ANNOUNCE_EVERY_MS);
  });
});
