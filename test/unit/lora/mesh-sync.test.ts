// How a node spreads index changes to its neighbours: ids new to it go out in one broadcast push
// after a short random wait (each id once per node), its announce follows once the root has been
// still a while (sessions then repair what pushes lost), and every 5 minutes regardless.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncMessage } from '../../../electron/node/lora/messages.ts';
import {
  ANNOUNCE_AFTER_CHANGE_MS,
  ANNOUNCE_MIN_GAP_MS,
  INDEX_ANNOUNCE_EVERY_MS,
  MAX_PUSH_IDS,
  MeshSync,
  PUSH_AFTER_MS,
  SESSION_AFTER_CHANGE_MS,
} from '../../../electron/node/lora/mesh-sync.ts';
import { decodeSyncPayload } from '../../../electron/node/lora/sync/index.ts';
import { contentIdOfParts } from '../../../electron/node/lora/sync/short-ids.ts';
import { contentIdFor, RAW_CODEC, type ContentId } from '../../../electron/node/storage/content-id.ts';
import { seededRandom } from '../../../electron/sim/random.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const T0 = Date.UTC(2026, 11, 4, 10, 0, 0);
const newId = (): ContentId => contentIdFor(RAW_CODEC, randomBytes(32)).toString();
const newIds = (n: number) => Array.from({ length: n }, newId);

function meshSync(own: ContentId[], random: () => number = seededRandom(5)): MeshSync {
  const dir = mkdtempSync(join(tmpdir(), 'pakit-mesh-sync-'));
  dirs.push(dir);
  return new MeshSync({ indexFile: join(dir, 'lora-index.bin'), ownIds: () => own, random, onProblem: () => {} });
}

/** Ticks as the service does (every 5 s) until `due` holds; returns that time. */
function firstTime(from: number, due: (now: number) => boolean, untilMs = INDEX_ANNOUNCE_EVERY_MS): number | undefined {
  for (let now = from; now <= from + untilMs; now += 5_000) if (due(now)) return now;
  return undefined;
}

/** The ids a broadcast push carries (all session 0, ids only). */
function pushedIds(messages: readonly SyncMessage[]): ContentId[] {
  return messages.flatMap((message) => {
    expect(message.session).toBe(0);
    const payload = decodeSyncPayload(message.payload);
    if (!('kind' in payload) || payload.kind !== 'ids') throw new Error('a push carries an ids payload');
    expect(payload.requests).toEqual([]);
    return payload.ids.map(contentIdOfParts);
  });
}

/** Runs a session between two nodes (messages handed over directly) until both fall silent. */
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

describe('MeshSync spreads changes', () => {
  it('with nothing new: no push, and an announce every 5 minutes', () => {
    const node = meshSync(newIds(3));
    node.announcement(T0);
    expect(firstTime(T0, (now) => node.pushDue(now).length > 0)).toBeUndefined();
    expect(firstTime(T0, (now) => node.announceDue(now, T0))).toBe(T0 + INDEX_ANNOUNCE_EVERY_MS);
  });

  it('a block stored goes to the neighbours in a push 5-45 s later, once; the announce follows when the root has been still 45-75 s', () => {
    const own = newIds(2);
    const node = meshSync(own);
    node.announcement(T0);
    const storedAt = T0 + 120_000;
    const stored = newId();
    own.push(stored);
    let pushed: SyncMessage[] = [];
    const pushAt = firstTime(storedAt, (now) => (pushed = node.pushDue(now)).length > 0)!;
    expect(pushAt - storedAt).toBeGreaterThanOrEqual(PUSH_AFTER_MS.min);
    expect(pushAt - storedAt).toBeLessThanOrEqual(PUSH_AFTER_MS.min + PUSH_AFTER_MS.spread + 5_000);
    expect(pushedIds(pushed)).toEqual([stored]);
    expect(firstTime(pushAt + 5_000, (now) => node.pushDue(now).length > 0)).toBeUndefined();

    own.length = 2;
    const other = meshSync(own);
    other.announcement(T0);
    own.push(stored);
    const announceAt = firstTime(storedAt, (now) => {
      other.pushDue(now);
      return other.announceDue(now, T0);
    })!;
    expect(announceAt - storedAt).toBeGreaterThanOrEqual(ANNOUNCE_AFTER_CHANGE_MS.settle);
    expect(announceAt - storedAt).toBeLessThanOrEqual(ANNOUNCE_AFTER_CHANGE_MS.settle + ANNOUNCE_AFTER_CHANGE_MS.spread + 5_000);
  });

  it('the announce waits for the push of what moved the root, and never comes twice within a minute', () => {
    const own = newIds(1);
    const node = meshSync(own, () => 0);
    node.announcement(T0);
    own.push(newId());
    // Nobody asks for the push (the link is down): the announce holds back too.
    expect(firstTime(T0 + 5_000, (now) => node.announceDue(now, T0), 120_000)).toBeUndefined();
    node.pushDue(T0 + 125_000);
    node.announcement(T0 + 130_000);
    own.push(newId());
    const next = firstTime(T0 + 135_000, (now) => {
      node.pushDue(now);
      return node.announceDue(now, T0 + 130_000);
    })!;
    expect(next - (T0 + 130_000)).toBeGreaterThanOrEqual(ANNOUNCE_MIN_GAP_MS);
  });

  it('ids heard in a push are pushed on once, however many neighbours push them', () => {
    const sourceOwn: ContentId[] = [];
    const source = meshSync(sourceOwn);
    source.announcement(T0);
    const news = newIds(3);
    sourceOwn.push(...news);
    let push: SyncMessage[] = [];
    const pushAt = firstTime(T0, (now) => (push = source.pushDue(now)).length > 0)!;
    const node = meshSync([]);
    expect(node.onSync('!0000000a', push[0]!, pushAt).learnedIds).toBe(3);
    expect(node.onSync('!0000000b', push[0]!, pushAt + 1_000).learnedIds).toBe(0);
    let onward: SyncMessage[] = [];
    firstTime(pushAt, (now) => (onward = node.pushDue(now)).length > 0);
    expect(pushedIds(onward).sort()).toEqual([...news].sort());
    expect(firstTime(pushAt + 30_000, (now) => node.pushDue(now).length > 0)).toBeUndefined();
  });

  it('a node joining (ids by range sessions) or storing more than 60 blocks at once pushes none of them', () => {
    const own: ContentId[] = [];
    const node = meshSync(own);
    own.push(...newIds(MAX_PUSH_IDS + 1));
    expect(firstTime(T0, (now) => node.pushDue(now).length > 0)).toBeUndefined();
    own.push(newId());
    expect(firstTime(T0 + 300_000, (now) => node.pushDue(now).length > 0)).toBeDefined();

    const full = meshSync(newIds(300), seededRandom(3));
    const joining = meshSync([], seededRandom(4));
    exchange(full, joining, T0);
    expect(joining.view().summary.block_count).toBe(300);
    expect(firstTime(T0, (now) => joining.pushDue(now).length > 0)).toBeUndefined();
  });

  it('ids learned in a whole-set session are pushed on to the other neighbours', () => {
    const a = meshSync(newIds(4), seededRandom(1));
    const b = meshSync(newIds(2), seededRandom(2));
    exchange(a, b, T0);
    let onward: SyncMessage[] = [];
    firstTime(T0, (now) => (onward = b.pushDue(now)).length > 0);
    expect(pushedIds(onward)).toHaveLength(4);
  });

  it('a differing announce heard while pushes still bring ids starts no session until the root has been still 30 s', () => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const sourceOwn: ContentId[] = [];
      const source = meshSync(sourceOwn);
      source.announcement(T0);
      sourceOwn.push(newId());
      let push: SyncMessage[] = [];
      const learnedAt = firstTime(T0, (now) => (push = source.pushDue(now)).length > 0)!;
      const node = meshSync(newIds(2));
      node.onSync('!0000000a', push[0]!, learnedAt);
      const other = meshSync(newIds(2));
      const announce = other.announcement(learnedAt);
      if (node.view().summary.root_hash > announce.rootHash) continue; // the higher root waits anyway
      expect(node.onAnnounce('!0000000b', announce, learnedAt + 5_000).send).toEqual([]);
      expect(node.tick(learnedAt + 25_000).send).toEqual([]);
      expect(node.tick(learnedAt + SESSION_AFTER_CHANGE_MS).send).toHaveLength(1);
      return;
    }
    throw new Error('no attempt gave the listener the lower root');
  });
});
