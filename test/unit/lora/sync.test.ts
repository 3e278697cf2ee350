import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LoraMessage, SyncMessage } from '../../../electron/node/lora/index.ts';
import {
  CodedSymbols,
  IndexSync,
  PeelingDecoder,
  ShortIdScheme,
  decodeSyncPayload,
  encodeSyncPayload,
  idPartsOf,
  type IndexSyncOptions,
  type SyncOutput,
  type SyncPayload,
} from '../../../electron/node/lora/sync/index.ts';
import { IdentityTable } from '../../../electron/node/lora/sync/identity-table.ts';
import { DAG_CBOR_CODEC, RAW_CODEC, contentIdFromBytes, type ContentId } from '../../../electron/node/storage/content-id.ts';
import { DagIndex } from '../../../electron/node/storage/index.ts';
import { seededRandom, type Random } from '../../../electron/sim/random.ts';
import { NOW, identity, receiver, senderFor } from './lora-fixtures.ts';

const FORMAT = { idBytes: 5, checkBytes: 2 } as const;

function idFrom(digest: Uint8Array, dagCbor = false): ContentId {
  const bytes = new Uint8Array(36);
  bytes.set([1, dagCbor ? DAG_CBOR_CODEC : RAW_CODEC, 0x12, 32]);
  bytes.set(digest, 4);
  return contentIdFromBytes(bytes);
}

function randomDigest(random: Random): Uint8Array {
  return Uint8Array.from({ length: 32 }, () => Math.floor(random() * 256));
}

function randomIds(random: Random, count: number): ContentId[] {
  return Array.from({ length: count }, () => idFrom(randomDigest(random), random() < 0.2));
}

/**
 * Ids whose short ids collide in every session: the identity mixes digest bytes 0..idBytes with a
 * mask of bytes 16..32, so ids differing only in bytes idBytes..16 share it whatever the salt.
 */
function collidingIds(random: Random, count: number): ContentId[] {
  const base = randomDigest(random);
  return Array.from({ length: count }, (_, i) => {
    const digest = Uint8Array.from(base);
    digest[10] = i;
    return idFrom(digest);
  });
}

/** b's sketch to a after a's announce, taken off the channel: nothing answers it unless the test says. */
function sketchUnanswered(seed: number, ids: number, handsOverAtOnce: boolean): { channel: Channel; sketch: SyncMessage; start: number } {
  const channel = new Channel(node(1, randomIds(seededRandom(seed), ids), { limits: { startDelayMs: 0 } }), node(2, randomIds(seededRandom(seed + 1), ids), { limits: { startDelayMs: 0 } }));
  channel.handsOverAtOnce = handsOverAtOnce;
  channel.announce(channel.a);
  channel.step();
  const sketch = channel.queue[0]!.message as SyncMessage;
  channel.queue.length = 0;
  return { channel, sketch, start: channel.now };
}

// ---- two nodes on one LoRa channel: real frames through LoraSender and LoraReceiver ----

type Node = { readonly name: string; readonly num: number; readonly index: DagIndex; readonly sync: IndexSync; readonly sender: ReturnType<typeof senderFor>; readonly rx: ReturnType<typeof receiver> };

function node(n: number, ids: readonly ContentId[], options: Partial<IndexSyncOptions> = {}): Node {
  const index = new DagIndex(ids);
  const rx = receiver();
  for (const other of [1, 2, 3]) rx.keys.add(identity(other).publicKey);
  return { name: `node-${n}`, num: n, index, sync: new IndexSync({ index, random: seededRandom(1000 + n), ...options }), sender: senderFor(n), rx };
}

class Channel {
  readonly trace: { from: string; bytes: number; message: LoraMessage }[] = [];
  readonly rejected: SyncOutput['rejected'][number][] = [];
  readonly queue: { from: Node; to: Node; message: LoraMessage }[] = [];
  now = NOW;
  /** False: the test says when each message goes to the radio (sync.onAir), as a busy queue would. */
  handsOverAtOnce = true;
  readonly a: Node;
  readonly b: Node;

  constructor(a: Node, b: Node) {
    this.a = a;
    this.b = b;
  }

  announce(from: Node): void {
    const summary = from.index.summary();
    this.queue.push({ from, to: this.#other(from), message: { type: 'index-announce', version: summary.version, blockCount: summary.block_count, rootHash: summary.root_hash } });
  }

  apply(at: Node, output: SyncOutput): void {
    for (const learned of output.learned) at.index.merge(learned.ids);
    for (const send of output.send) {
      this.queue.push({ from: at, to: this.#other(at), message: send.message });
      if (this.handsOverAtOnce && send.message.type === 'sync') at.sync.onAir(send.peer, send.message.session, this.now);
    }
    this.rejected.push(...output.rejected);
  }

  /** Delivers one queued message, frame by frame. */
  step(): void {
    const next = this.queue.shift()!;
    for (const frame of next.from.sender.encode(next.message, this.now).frames) {
      this.trace.push({ from: next.from.name, bytes: frame.length, message: next.message });
      const result = next.to.rx.receive(frame, next.from.num, this.now);
      if (!result.ok) throw new Error(`frame refused: ${result.reason}`);
      if (result.status !== 'delivered') continue;
      const message = result.delivery.message;
      if (message.type === 'index-announce') this.apply(next.to, next.to.sync.onAnnounce(next.from.name, message, this.now));
      if (message.type === 'sync') this.apply(next.to, next.to.sync.onSync(next.from.name, message, this.now));
    }
  }

  /** Runs until both fall silent, letting time pass (a delayed start, a timeout) when nothing is queued. */
  run(idleStepMs = 31_000): void {
    for (let rounds = 0; rounds < 200; rounds++) {
      while (this.queue.length > 0) this.step();
      this.now += idleStepMs;
      this.apply(this.a, this.a.sync.tick(this.now));
      this.apply(this.b, this.b.sync.tick(this.now));
      if (this.queue.length === 0) return;
    }
    throw new Error('the nodes never fell silent');
  }

  /** Kinds of the sync payloads sent, one per message, in order. */
  get syncKinds(): string[] {
    const messages = [...new Set(this.trace.map((entry) => entry.message))];
    return messages.flatMap((message) => {
      if (message.type !== 'sync') return [];
      const payload = decodeSyncPayload(message.payload);
      return ['kind' in payload ? payload.kind : payload.reason];
    });
  }

  get bytes(): number {
    return this.trace.reduce((sum, entry) => sum + entry.bytes, 0);
  }

  /** Answered legs: each maximal run of frames in one direction is a leg. */
  get roundTrips(): number {
    const legs = this.trace.filter((entry, i) => i === 0 || this.trace[i - 1]!.from !== entry.from).length;
    return Math.ceil(legs / 2);
  }

  #other(node: Node): Node {
    return node === this.a ? this.b : this.a;
  }
}

/** Two nodes holding `common` plus their own ids; `a` announces. */
function reconcile(common: readonly ContentId[], onlyA: readonly ContentId[], onlyB: readonly ContentId[], options: Partial<IndexSyncOptions> = {}): Channel {
  const channel = new Channel(node(1, [...common, ...onlyA], options), node(2, [...common, ...onlyB], options));
  channel.announce(channel.a);
  channel.run();
  return channel;
}

function expectConverged(channel: Channel, union: readonly ContentId[]): void {
  expect(channel.a.index.rootHash()).toBe(channel.b.index.rootHash());
  expect(channel.a.index.size).toBe(new Set(union).size);
}

describe('short ids', () => {
  it('rebuild an id from its identity and tail, whatever the format and salt', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.boolean(), fc.integer({ min: 2, max: 6 }), fc.integer({ min: 1, max: 3 }), fc.nat(), (digest, dagCbor, idBytes, check, salt) => {
        const scheme = new ShortIdScheme({ idBytes, checkBytes: Math.min(check, 8 - idBytes), salt });
        const [hi, lo] = scheme.keyOf(dagCbor, digest);
        expect(scheme.isKey(hi, lo)).toBe(true);
        const rebuilt = scheme.partsFromTail(hi, lo, dagCbor, scheme.tailOf({ dagCbor, digest }));
        expect([...rebuilt.digest]).toEqual([...digest]);
        const request = new Uint8Array(idBytes);
        scheme.writeIdentity(hi, lo, request, 0);
        expect(scheme.readIdentity(request, 0)).toEqual([hi, lo]);
      }),
    );
  });

  it('differ between sessions: a salt breaks up collisions', () => {
    const random = seededRandom(3);
    const ids = randomIds(random, 2000).map(idPartsOf);
    const identities = (salt: number) => {
      const scheme = new ShortIdScheme({ idBytes: 2, checkBytes: 2, salt });
      return ids.map((id) => scheme.identityOf(...scheme.keyOf(id.dagCbor, id.digest)));
    };
    const [first, second] = [identities(1), identities(2)];
    expect(first.filter((value, i) => value === second[i]).length).toBeLessThan(5);
  });
});

describe('rateless IBLT', () => {
  /** Feeds `remote`'s coded symbols to a decoder holding `local` until it completes (or `limit`). */
  function decode(local: readonly ContentId[], remote: readonly ContentId[], salt: number, batch: number, limit = 4000, format: { idBytes: number; checkBytes: number } = FORMAT) {
    const scheme = new ShortIdScheme({ ...format, salt });
    const keysOf = (ids: readonly ContentId[]) => {
      const keys = ids.map(idPartsOf).map((id) => scheme.keyOf(id.dagCbor, id.digest));
      return [Uint32Array.from(keys, (key) => key[0]), Uint32Array.from(keys, (key) => key[1])] as const;
    };
    const [localHi, localLo] = keysOf(local);
    const table = new IdentityTable(local.length);
    localHi.forEach((hi, i) => table.add(scheme.identityOf(hi, localLo[i]!), i));
    const sender = new CodedSymbols(...keysOf(remote), salt);
    const decoder = new PeelingDecoder(scheme, new CodedSymbols(localHi, localLo, salt), (identity) => table.has(identity));
    while (!decoder.complete && decoder.length < limit) {
      const start = decoder.length;
      sender.extendTo(start + batch);
      decoder.add(
        Array.from({ length: batch }, (_, i) => sender.hiAt(start + i)),
        Array.from({ length: batch }, (_, i) => sender.loAt(start + i)),
      );
    }
    const named = (local: boolean) => decoder.decoded.filter((key) => key.local === local).map((key) => scheme.identityOf(key.hi, key.lo)).sort();
    const identitiesOf = (ids: readonly ContentId[]) => ids.map(idPartsOf).map((id) => scheme.identityOf(...scheme.keyOf(id.dagCbor, id.digest))).sort();
    return { decoder, ours: named(true), theirs: named(false), identitiesOf };
  }

  it('recovers exactly the symmetric difference, each id on its side', () => {
    const idArb = fc.integer({ min: 0, max: 400 });
    fc.assert(
      fc.property(fc.uniqueArray(idArb, { maxLength: 120 }), fc.uniqueArray(idArb, { maxLength: 120 }), fc.nat(), (left, right, salt) => {
        const universe = randomIds(seededRandom(7), 401);
        const local = left.map((i) => universe[i]!);
        const remote = right.map((i) => universe[i]!);
        const { decoder, ours, theirs, identitiesOf } = decode(local, remote, salt, 7);
        expect(decoder.complete).toBe(true);
        expect(ours).toEqual(identitiesOf(local.filter((id) => !remote.includes(id))));
        expect(theirs).toEqual(identitiesOf(remote.filter((id) => !local.includes(id))));
      }),
      { numRuns: 60 },
    );
  });

  it('equal sets decode from the first symbol', () => {
    const ids = randomIds(seededRandom(8), 500);
    const { decoder } = decode(ids, [...ids].reverse(), 9, 1);
    expect(decoder.length).toBe(1);
    expect(decoder.decoded).toEqual([]);
  });

  it('d = 20 decodes from a two-frame sketch (62 symbols) in at least 199 of 200 sessions', () => {
    const random = seededRandom(10);
    const common = randomIds(random, 300);
    let withinSketch = 0;
    for (let trial = 0; trial < 200; trial++) {
      const { decoder } = decode([...common, ...randomIds(random, 10)], [...common, ...randomIds(random, 10)], trial, 62, 62);
      if (decoder.complete) withinSketch++;
    }
    expect(withinSketch).toBeGreaterThanOrEqual(199);
  });

  it('a mixed symbol must also pass the index test: even 1-byte checks rarely spoil a sketch', () => {
    const random = seededRandom(14);
    const common = randomIds(random, 50);
    let spoiled = 0;
    for (let trial = 0; trial < 400; trial++) {
      const [onlyLocal, onlyRemote] = [randomIds(random, 10), randomIds(random, 10)];
      const { decoder, ours, theirs, identitiesOf } = decode([...common, ...onlyLocal], [...common, ...onlyRemote], trial, 62, 62, { idBytes: 5, checkBytes: 1 });
      if (!decoder.complete || JSON.stringify([ours, theirs]) !== JSON.stringify([identitiesOf(onlyLocal), identitiesOf(onlyRemote)])) spoiled++;
    }
    // Peeling alone fails ~0.04 % of these sketches; a check alone lets ~1 in 256 mixed symbols
    // through, which spoils ~2.7 % (~11 of 400); with the index test ~0.25 %.
    expect(spoiled).toBeLessThanOrEqual(4);
  });

  it('d = 200 needs about 1.5 symbols per difference', () => {
    const random = seededRandom(11);
    const { decoder } = decode(randomIds(random, 100), randomIds(random, 100), 12, 10);
    expect(decoder.complete).toBe(true);
    expect(decoder.decoded.length).toBe(200);
    expect(decoder.length).toBeLessThan(420);
  });
});

describe('sync payloads', () => {
  const random = seededRandom(13);
  const ids = randomIds(random, 9).map(idPartsOf);
  const samples: SyncPayload[] = [
    { kind: 'symbols', format: FORMAT, start: 62, extras: true, symbols: Uint8Array.from({ length: 21 }, (_, i) => i) },
    { kind: 'more', start: 62, count: 31 },
    { kind: 'ids', format: { idBytes: 6, checkBytes: 2 }, ids, requests: [Uint8Array.of(1, 2, 3, 4, 5, 6)], requestStart: 120, continued: true },
    { kind: 'reply', format: FORMAT, answers: [null, { dagCbor: true, tail: new Uint8Array(27).fill(7) }, null], answerStart: 3, extras: ids.slice(0, 2), continued: false },
    { kind: 'abort', reason: 'busy' },
    { kind: 'symbols', format: FORMAT, start: 0, extras: false, symbols: new Uint8Array(7), range: { first: 0x1000, last: 0x1fff, count: 0 } },
    { kind: 'whole' },
  ];

  for (const payload of samples) {
    it(`${payload.kind}${'range' in payload ? ' (range)' : ''} round-trips`, () => {
      expect(decodeSyncPayload(encodeSyncPayload(payload))).toEqual(payload);
    });
  }

  it('garbage is a typed rejection, never an exception, and what decodes has one encoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const decoded = decodeSyncPayload(bytes);
        if ('kind' in decoded) expect([...encodeSyncPayload(decoded)]).toEqual([...bytes]);
        else expect(decoded).toMatchObject({ ok: false, reason: 'malformed' });
      }),
      { numRuns: 3000 },
    );
  });

  it('names what is wrong', () => {
    expect(decodeSyncPayload(new Uint8Array(0))).toMatchObject({ reason: 'malformed', detail: 'empty payload' });
    expect(decodeSyncPayload(Uint8Array.of(0x00))).toMatchObject({ reason: 'malformed', detail: 'unknown payload kind 0' });
    const ids = encodeSyncPayload(samples[2]!);
    expect(decodeSyncPayload(ids.subarray(0, ids.length - 1))).toMatchObject({ reason: 'malformed' });
    expect(decodeSyncPayload(Uint8Array.of(0x40, 0, 0, 0, 0))).toMatchObject({ detail: 'asking for no symbols' });
  });
});

describe('IndexSync over real frames', () => {
  it('d = 0 costs the one announce frame and nothing else', () => {
    const ids = randomIds(seededRandom(20), 1000);
    const channel = reconcile(ids, [], []);
    expect(channel.trace.map((entry) => entry.message.type)).toEqual(['index-announce']);
    expect(channel.bytes).toBe(channel.trace[0]!.bytes);
    expect(channel.b.sync.peer('node-1')).toMatchObject({ state: 'in_sync', bytesOnAir: 0 });
  });

  it('d = 20 in a set of 10,000: equal roots, two round trips, under 1,300 bytes', () => {
    const random = seededRandom(21);
    const onlyA = randomIds(random, 10);
    const onlyB = randomIds(random, 10);
    const common = randomIds(random, 9990);
    const channel = reconcile(common, onlyA, onlyB);
    expectConverged(channel, [...common, ...onlyA, ...onlyB]);
    expect(channel.roundTrips).toBe(2);
    expect(channel.bytes).toBeLessThanOrEqual(1300);
    const seenByA = channel.a.sync.peer('node-2')!;
    expect(seenByA).toMatchObject({ state: 'reconciled', learned: 10, sent: 10, roundTrips: 2 });
    // The console's byte count is the frames' (all but the announce, which IndexSync did not send).
    expect(seenByA.bytesOnAir).toBe(channel.bytes - channel.trace[0]!.bytes);
  });

  it('the console sees which ids the last session brought, and "in sync" turns to "changed" once our root moves', () => {
    const random = seededRandom(24);
    const common = randomIds(random, 300);
    const onlyA = randomIds(random, 30);
    const channel = reconcile(common, onlyA, []);
    const seenByB = channel.b.sync.peer('node-1')!;
    expect(seenByB.lastSessionLearned).toBe(30);
    expect(seenByB.lastSessionIds).toHaveLength(20);
    for (const id of seenByB.lastSessionIds) expect(onlyA).toContain(id);
    channel.announce(channel.a);
    channel.run();
    expect(channel.b.sync.peer('node-1')).toMatchObject({ state: 'in_sync' });
    channel.b.index.merge(randomIds(random, 1));
    expect(channel.b.sync.peer('node-1')).toMatchObject({ state: 'changed' });
  });

  it('a push or session that brings nothing new keeps the ids the last one brought (the operator may be requesting one)', () => {
    const random = seededRandom(25);
    const common = randomIds(random, 100);
    const onlyA = randomIds(random, 3);
    const channel = reconcile(common, onlyA, []);
    const listed = () => channel.b.sync.peer('node-1')!.lastSessionIds;
    expect(new Set(listed())).toEqual(new Set(onlyA));
    // node-1's own push of the same ids, heard after the session: nothing new in it.
    for (const message of channel.a.sync.push(onlyA)) channel.apply(channel.b, channel.b.sync.onSync('node-1', message, channel.now));
    expect(new Set(listed())).toEqual(new Set(onlyA));
    expect(channel.b.sync.peer('node-1')!.lastSessionLearned).toBe(3);
    // A push with something new replaces the list with what it brought.
    const news = randomIds(random, 2);
    channel.a.index.merge(news);
    for (const message of channel.a.sync.push(news)) channel.apply(channel.b, channel.b.sync.onSync('node-1', message, channel.now));
    expect(new Set(listed())).toEqual(new Set(news));
    expect(channel.b.sync.peer('node-1')!.lastSessionLearned).toBe(2);
    // A session in which only node-1 learns (node-2 stored a block) leaves node-2's list as it was.
    const storedByB = randomIds(random, 1);
    channel.b.index.merge(storedByB);
    channel.announce(channel.b);
    channel.run();
    expectConverged(channel, [...common, ...onlyA, ...news, ...storedByB]);
    expect(channel.b.sync.peer('node-1')!.roundTrips).toBeGreaterThan(0);
    expect(new Set(listed())).toEqual(new Set(news));
  });

  it('d = 200 converges, asking for more symbols as needed', () => {
    const random = seededRandom(22);
    const onlyA = randomIds(random, 100);
    const onlyB = randomIds(random, 100);
    const common = randomIds(random, 2000);
    const channel = reconcile(common, onlyA, onlyB);
    expectConverged(channel, [...common, ...onlyA, ...onlyB]);
    expect(channel.syncKinds).toContain('more');
    expect(channel.a.sync.peer('node-2')).toMatchObject({ state: 'reconciled', learned: 100, sent: 100 });
  });

  it('one-sided differences converge, without a reply when nothing is asked for', () => {
    const random = seededRandom(23);
    const common = randomIds(random, 500);
    const extra = randomIds(random, 15);
    const announcerHasMore = reconcile(common, extra, []);
    expectConverged(announcerHasMore, [...common, ...extra]);
    expect(announcerHasMore.syncKinds).toEqual(['symbols', 'ids']);
    const listenerHasMore = reconcile(common, [], extra);
    expectConverged(listenerHasMore, [...common, ...extra]);
  });

  it('short-id collisions inside either set fall back to sending those ids whole', () => {
    const random = seededRandom(24);
    const common = randomIds(random, 300);
    const [x, y, z] = collidingIds(random, 3) as [ContentId, ContentId, ContentId];
    const [u, v] = collidingIds(random, 2) as [ContentId, ContentId];
    // x, y, z share a short id; so do u and v. A: x, y, u.  B: x, z, u, v.
    const channel = reconcile(common, [x, y, u], [x, z, u, v]);
    expectConverged(channel, [...common, x, y, z, u, v]);
    expect(channel.roundTrips).toBeLessThanOrEqual(2);
  });

  it('the higher root waits; a listener nobody hears still starts after the delay', () => {
    const random = seededRandom(25);
    const common = randomIds(random, 300);
    for (let attempt = 0; attempt < 8; attempt++) {
      const channel = new Channel(node(1, [...common, ...randomIds(random, 3)]), node(2, [...common, ...randomIds(random, 3)]));
      const listenerHigher = channel.b.index.rootHash() > channel.a.index.rootHash();
      channel.announce(channel.a);
      channel.step();
      expect(channel.queue.length).toBe(listenerHigher ? 0 : 1);
      expect(channel.b.sync.peer('node-1')!.state).toBe(listenerHigher ? 'pending' : 'reconciling');
      channel.run();
      expect(channel.a.index.rootHash()).toBe(channel.b.index.rootHash());
    }
  });

  it('when both hear each other, only the lower root starts', () => {
    const random = seededRandom(26);
    const common = randomIds(random, 300);
    const channel = new Channel(node(1, [...common, ...randomIds(random, 4)]), node(2, [...common, ...randomIds(random, 4)]));
    channel.announce(channel.a);
    channel.announce(channel.b);
    const lower = channel.a.index.rootHash() < channel.b.index.rootHash() ? channel.a : channel.b;
    channel.run();
    const sketchesFrom = new Set(
      channel.trace.filter((entry) => entry.message.type === 'sync' && (decodeSyncPayload(entry.message.payload) as { kind?: string }).kind === 'symbols').map((entry) => entry.from),
    );
    expect(channel.a.index.rootHash()).toBe(channel.b.index.rootHash());
    expect([...sketchesFrom]).toEqual([lower.name]);
  });

  it('the higher root announcing while it waits gives the lower one a full delay to start, so the two do not cross', () => {
    const random = seededRandom(28);
    const common = randomIds(random, 300);
    const channel = new Channel(node(1, [...common, ...randomIds(random, 4)]), node(2, [...common, ...randomIds(random, 4)]));
    const [lower, higher] = channel.a.index.rootHash() < channel.b.index.rootHash() ? [channel.a, channel.b] : [channel.b, channel.a];
    const summary = (n: Node) => ({ type: 'index-announce' as const, version: 1, blockCount: n.index.size, rootHash: n.index.rootHash() });
    // The higher root hears the lower's announce and waits for it to start, which it cannot: it has
    // not heard the higher root yet. 25 s later the higher root's own announce goes out.
    channel.apply(higher, higher.sync.onAnnounce(lower.name, summary(lower), channel.now));
    channel.now += 25_000;
    higher.sync.announced(channel.now);
    channel.announce(higher);
    channel.step();
    expect(channel.queue.map((entry) => entry.from.name)).toEqual([lower.name]); // its sketch, on its way
    channel.now += 6_000; // the first wait is over
    channel.apply(higher, higher.sync.tick(channel.now));
    expect(channel.queue.map((entry) => entry.from.name)).toEqual([lower.name]);
    channel.run();
    expect(channel.a.index.rootHash()).toBe(channel.b.index.rootHash());
    const sketchesFrom = new Set(
      channel.trace.filter((entry) => entry.message.type === 'sync' && (decodeSyncPayload(entry.message.payload) as { kind?: string }).kind === 'symbols').map((entry) => entry.from),
    );
    expect([...sketchesFrom]).toEqual([lower.name]);
  });

  it('crossing sessions settle on the lower session number', () => {
    const random = seededRandom(27);
    const common = randomIds(random, 300);
    const channel = new Channel(node(1, [...common, ...randomIds(random, 4)]), node(2, [...common, ...randomIds(random, 4)]));
    const summary = (n: Node) => ({ type: 'index-announce' as const, version: 1, blockCount: n.index.size, rootHash: n.index.rootHash() });
    // Each hears the other's announce; the higher root's delay runs out before the lower's sketch lands.
    channel.apply(channel.a, channel.a.sync.onAnnounce('node-2', summary(channel.b), channel.now));
    channel.apply(channel.b, channel.b.sync.onAnnounce('node-1', summary(channel.a), channel.now));
    channel.now += 31_000;
    channel.apply(channel.a, channel.a.sync.tick(channel.now));
    channel.apply(channel.b, channel.b.sync.tick(channel.now));
    const sessions = channel.queue.map((entry) => (entry.message as { session: number }).session);
    expect(channel.queue.map((entry) => entry.from.name).sort()).toEqual(['node-1', 'node-2']);
    channel.run();
    expect(channel.a.index.rootHash()).toBe(channel.b.index.rootHash());
    expect(channel.rejected.filter((rejection) => rejection.reason === 'out_of_turn')).toHaveLength(1);
    const finished = channel.trace.map((entry) => entry.message).filter((message) => message.type === 'sync' && (decodeSyncPayload(message.payload) as { kind?: string }).kind === 'ids');
    expect([...new Set(finished.map((message) => (message as { session: number }).session))]).toEqual([Math.min(...sessions)]);
  });
});

describe('IndexSync repairs a lost leg inside the session', () => {
  /** Delivers messages and ticks both sides every 5 s, losing the `lose`-th sync message (1-based). */
  function runLosing(channel: Channel, lose: number, limitMs: number): { lost: string; took: number } {
    const start = channel.now;
    let syncMessages = 0;
    let lost = '';
    while (channel.now - start < limitMs) {
      while (channel.queue.length > 0) {
        const next = channel.queue[0]!;
        if (next.message.type === 'sync' && ++syncMessages === lose) {
          lost = (decodeSyncPayload(next.message.payload) as { kind: string }).kind;
          channel.queue.shift();
        } else channel.step();
      }
      if (lost && channel.a.index.rootHash() === channel.b.index.rootHash() && channel.a.sync.openSessions + channel.b.sync.openSessions === 0) break;
      channel.now += 5_000;
      channel.apply(channel.a, channel.a.sync.tick(channel.now));
      channel.apply(channel.b, channel.b.sync.tick(channel.now));
    }
    return { lost, took: channel.now - start };
  }

  const sessionsOf = (channel: Channel) => new Set(channel.trace.flatMap((entry) => (entry.message.type === 'sync' ? [entry.message.session] : [])));

  it('whichever message is lost (sketch, ids or reply), the waiting side sends its last one again and the same session ends in sync within a minute', () => {
    const random = seededRandom(40);
    const common = randomIds(random, 500);
    for (const [lose, kind] of [[1, 'symbols'], [2, 'ids'], [3, 'reply']] as const) {
      const onlyA = randomIds(random, 6);
      const onlyB = randomIds(random, 6);
      const channel = new Channel(node(1, [...common, ...onlyA], { limits: { startDelayMs: 0 } }), node(2, [...common, ...onlyB], { limits: { startDelayMs: 0 } }));
      channel.announce(channel.a);
      const { lost, took } = runLosing(channel, lose, 170_000);
      expect(lost).toBe(kind);
      expectConverged(channel, [...common, ...onlyA, ...onlyB]);
      expect(took).toBeLessThanOrEqual(60_000);
      expect(sessionsOf(channel).size).toBe(1);
      expect(channel.a.sync.peer('node-2')).toMatchObject({ state: 'reconciled', learned: 6 });
      expect(channel.b.sync.peer('node-1')).toMatchObject({ state: 'reconciled', learned: 6 });
      expect(channel.rejected).toEqual([]);
    }
  });

  it('a late copy of a finished session is never taken for a new one: no answer, no session, no complaint', () => {
    const random = seededRandom(41);
    const common = randomIds(random, 300);
    const channel = reconcile(common, randomIds(random, 4), randomIds(random, 4));
    const sketch = channel.trace.find((entry) => entry.message.type === 'sync')!.message;
    expect(channel.a.sync.openSessions).toBe(0);
    // The sketch's sender was answered and is done: a copy still in a queue arrives after the end.
    const late = channel.a.sync.onSync('node-2', sketch as SyncMessage, channel.now + 20_000);
    expect(late).toEqual({ send: [], learned: [], rejected: [] });
    expect(channel.a.sync.openSessions).toBe(0);
  });

  it('the side that spoke last answers a resend of what it answered from memory, once per copy and at most three times', () => {
    const random = seededRandom(42);
    const common = randomIds(random, 300);
    const channel = new Channel(node(1, [...common, ...randomIds(random, 4)], { limits: { startDelayMs: 0 } }), node(2, [...common, ...randomIds(random, 4)], { limits: { startDelayMs: 0 } }));
    channel.announce(channel.a);
    channel.step(); // the announce: b starts
    channel.step(); // b's sketch: a answers with ids
    const ids = channel.queue[0]!;
    channel.step(); // the ids: b replies and is done
    const reply = channel.queue.map((entry) => entry.message);
    expect(reply.length).toBeGreaterThan(0);
    channel.queue.length = 0; // the reply is lost
    expect(channel.b.sync.openSessions).toBe(0);
    const copies = [1, 2, 3, 4].map((n) => {
      const { send } = channel.b.sync.onSync('node-1', ids.message as SyncMessage, channel.now + n * 45_000);
      for (const outgoing of send) channel.b.sync.onAir('node-1', (outgoing.message as SyncMessage).session, channel.now + n * 45_000);
      return send.map((outgoing) => outgoing.message);
    });
    expect(copies).toEqual([reply, reply, reply, []]);
  });

  it('a copy that crosses our answer is not answered: within 20 s of that answer going on air, or while the session is open', () => {
    const random = seededRandom(43);
    const common = randomIds(random, 300);
    const channel = new Channel(node(1, [...common, ...randomIds(random, 4)], { limits: { startDelayMs: 0 } }), node(2, [...common, ...randomIds(random, 4)], { limits: { startDelayMs: 0 } }));
    channel.announce(channel.a);
    channel.step();
    const sketch = channel.queue[0]!;
    channel.step(); // a answers the sketch with ids and waits for the reply
    expect(channel.a.sync.openSessions).toBe(1);
    // b resent its sketch before a's ids reached it: a's own timer covers a lost answer.
    expect(channel.a.sync.onSync('node-2', sketch.message as SyncMessage, channel.now + 30_000).send).toEqual([]);
    const ids = channel.queue[0]!;
    channel.step(); // b replies and is done; its reply sits in a queue until it goes on air 60 s later
    channel.queue.length = 0;
    const session = (ids.message as SyncMessage).session;
    channel.b.sync.onAir('node-1', session, channel.now + 60_000);
    expect(channel.b.sync.onSync('node-1', ids.message as SyncMessage, channel.now + 70_000).send).toEqual([]);
    expect(channel.b.sync.onSync('node-1', ids.message as SyncMessage, channel.now + 85_000).send).not.toEqual([]);
  });

  it('the wait before a resend (and the timeout) counts from when the message went to the radio, not from when it was queued', () => {
    const { channel, sketch, start } = sketchUnanswered(44, 50, false);
    channel.b.sync.onAir('node-1', sketch.session, start + 100_000); // a long queue before it went
    const resentAfter: number[] = [];
    for (let waited = 5_000; waited <= 300_000; waited += 5_000) if (channel.b.sync.tick(start + waited).send.length > 0) resentAfter.push(waited);
    expect(resentAfter[0]).toBe(145_000);
    expect(channel.b.sync.peer('node-1')).toMatchObject({ state: 'failed', error: { reason: 'timeout' } });
    expect(resentAfter.at(-1)).toBeLessThan(280_000);
  });

  it('fragments of the answer arriving hold the resend: it waits the full delay after the last one heard', () => {
    const { channel, start } = sketchUnanswered(48, 60, true); // a's long answer is on its way, fragment by fragment
    const resentAt = (talking: readonly number[]) => {
      for (let waited = 5_000; waited <= 170_000; waited += 5_000) {
        if (talking.includes(waited)) channel.b.sync.peerTalking('node-1', start + waited);
        if (channel.b.sync.tick(start + waited).send.length > 0) return waited;
      }
      return undefined;
    };
    expect(resentAt([20_000, 40_000, 60_000])).toBe(60_000 + 45_000);
  });

  it('no resend while the message is still going to the radio frame by frame (paced across a relay); each frame keeps the session open', () => {
    const { channel, sketch, start } = sketchUnanswered(46, 60, false);
    // One frame handed over every 60 s, the last at 240 s: past the resend wait and the 180 s timeout.
    const sent: number[] = [];
    for (let waited = 5_000; waited <= 400_000; waited += 5_000) {
      if (waited % 60_000 === 0 && waited <= 240_000) channel.b.sync.onAir('node-1', sketch.session, start + waited, waited === 240_000);
      const output = channel.b.sync.tick(start + waited);
      if (output.send.length > 0) sent.push(waited);
    }
    expect(channel.b.sync.peer('node-1')?.state).not.toBe('failed');
    expect(sent[0]).toBeGreaterThanOrEqual(240_000 + 40_000);
  });
});

describe('IndexSync pushes', () => {
  it('a push is one-frame ids messages in session 0 that any neighbour learns from, with no session and no answer', () => {
    const random = seededRandom(50);
    const news = randomIds(random, 8);
    const pusher = new IndexSync({ index: new DagIndex(news), random: seededRandom(1) });
    const messages = pusher.push(news);
    expect(messages.map((message) => message.session)).toEqual([0, 0]); // 6 ids fit one frame
    const sender = senderFor(1);
    for (const message of messages) expect(sender.encode(message, NOW).frames).toHaveLength(1);
    const listener = new IndexSync({ index: new DagIndex(randomIds(random, 20)), random: seededRandom(2) });
    const outputs = messages.map((message) => listener.onSync('node-1', message, NOW));
    expect(outputs.flatMap((output) => output.send)).toEqual([]);
    expect(outputs.flatMap((output) => output.learned.map((learned) => learned.via))).toEqual(['push', 'push']);
    expect(new Set(outputs.flatMap((output) => output.learned.flatMap((learned) => learned.ids)))).toEqual(new Set(news));
    expect(listener.openSessions).toBe(0);
  });

  it('a push that asks for ids is refused', () => {
    const listener = new IndexSync({ index: new DagIndex([]), random: seededRandom(2) });
    const payload = encodeSyncPayload({ kind: 'ids', format: FORMAT, ids: [], requests: [new Uint8Array(5)], requestStart: 0, continued: false });
    const output = listener.onSync('node-1', { type: 'sync', session: 0, payload }, NOW);
    expect(output.rejected).toMatchObject([{ reason: 'out_of_turn' }]);
    expect(output.learned).toEqual([]);
  });
});

describe('IndexSync bounds', () => {
  function started(options: Partial<IndexSyncOptions> = {}) {
    const random = seededRandom(30);
    const common = randomIds(random, 200);
    const channel = new Channel(node(1, [...common, ...randomIds(random, 5)], options), node(2, [...common, ...randomIds(random, 5)], options));
    return channel;
  }

  it('a silent peer gets the sketch again three times (40 s + 5 s a frame apart), then the session times out (180 s after the last) and frees its slot', () => {
    const channel = started({ limits: { startDelayMs: 0 } });
    channel.announce(channel.a);
    channel.step();
    expect(channel.b.sync.openSessions).toBe(1);
    const sketch = channel.queue.map((queued) => queued.message);
    expect(sketch).toHaveLength(1);
    channel.queue.length = 0; // every copy of the sketch (one frame) is lost: the announcer never answers
    const resentAfter: number[] = [];
    for (let waited = 5_000; waited < 180_000; waited += 5_000) {
      const { send } = channel.b.sync.tick(channel.now + waited);
      if (send.length === 0) continue;
      expect(send.map((outgoing) => outgoing.message)).toEqual(sketch);
      channel.b.sync.onAir('node-1', (sketch[0] as SyncMessage).session, channel.now + waited);
      resentAfter.push(waited);
    }
    expect(resentAfter).toEqual([45_000, 90_000, 135_000]);
    expect(channel.b.sync.openSessions).toBe(1);
    channel.now += 135_000 + 180_000; // the timeout counts from the last resend going to the radio
    channel.b.sync.tick(channel.now);
    expect(channel.b.sync.openSessions).toBe(0);
    expect(channel.b.sync.peer('node-1')).toMatchObject({ state: 'failed', error: { reason: 'timeout' } });
  });

  it('sessions beyond the limit are refused with a busy abort', () => {
    const random = seededRandom(31);
    const hub = new IndexSync({ index: new DagIndex(randomIds(random, 50)), random: seededRandom(1), limits: { maxSessions: 2 } });
    const outputs = [0, 1, 2].map((n) => {
      const peerIndex = new DagIndex(randomIds(random, 50));
      const peer = new IndexSync({ index: peerIndex, random: seededRandom(n), limits: { startDelayMs: 0 } });
      const sketch = peer.onAnnounce('hub', { type: 'index-announce', version: 1, blockCount: 50, rootHash: 'ff'.repeat(32) }, NOW).send[0]!;
      return hub.onSync(`peer-${n}`, sketch.message, NOW);
    });
    expect(hub.openSessions).toBe(2);
    expect(outputs[2]!.rejected).toEqual([expect.objectContaining({ peer: 'peer-2', reason: 'busy' })]);
    expect(decodeSyncPayload(outputs[2]!.send[0]!.message.payload)).toEqual({ kind: 'abort', reason: 'busy' });
  });

  it('a session that does not converge within its symbols fails with a reason, and tells the peer', () => {
    const random = seededRandom(32);
    const channel = reconcile(randomIds(random, 100), randomIds(random, 100), randomIds(random, 100), { limits: { maxSymbols: 200 } });
    expect(channel.a.sync.peer('node-2')).toMatchObject({ state: 'failed', error: { reason: 'too_many_differences' } });
    expect(channel.b.sync.peer('node-1')).toMatchObject({ state: 'failed', error: { reason: 'aborted' } });
    expect(channel.a.sync.openSessions + channel.b.sync.openSessions).toBe(0);
  });

  it('an encoder refuses more ids than a session may carry', () => {
    const channel = started({ limits: { maxIdsPerSession: 4, startDelayMs: 0 } });
    channel.announce(channel.a);
    channel.step();
    const session = (channel.queue[0]!.message as { session: number }).session;
    const flood = encodeSyncPayload({ kind: 'ids', format: FORMAT, ids: randomIds(seededRandom(33), 5).map(idPartsOf), requests: [], requestStart: 0, continued: false });
    const output = channel.b.sync.onSync('node-1', { type: 'sync', session, payload: flood }, channel.now);
    expect(output.learned).toEqual([]);
    expect(decodeSyncPayload(output.send[0]!.message.payload)).toEqual({ kind: 'abort', reason: 'limits' });
    expect(channel.b.sync.peer('node-1')).toMatchObject({ state: 'failed', error: { reason: 'too_many_differences' } });
  });

  it('an encoder refuses to send symbols beyond its cap', () => {
    const channel = started({ limits: { maxSymbols: 100, startDelayMs: 0 } });
    channel.announce(channel.a);
    channel.step();
    const session = (channel.queue[0]!.message as { session: number }).session;
    const output = channel.b.sync.onSync('node-1', { type: 'sync', session, payload: encodeSyncPayload({ kind: 'more', start: 62, count: 60 }) }, channel.now);
    expect(decodeSyncPayload(output.send[0]!.message.payload)).toEqual({ kind: 'abort', reason: 'limits' });
    expect(channel.b.sync.openSessions).toBe(0);
  });

  it('garbage from peers is rejected without opening sessions or throwing', () => {
    const sync = new IndexSync({ index: new DagIndex(randomIds(seededRandom(34), 100)), random: seededRandom(2), limits: { maxPeers: 8 } });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.nat(), fc.uint8Array({ maxLength: 120 }), (peer, session, payload) => {
        const output = sync.onSync(`peer-${peer}`, { type: 'sync', session, payload }, NOW);
        const decoded = decodeSyncPayload(payload);
        const opensSession = 'kind' in decoded && decoded.kind === 'symbols' && decoded.start === 0;
        if (!opensSession) expect(output.rejected).toHaveLength(1);
      }),
      { numRuns: 2000 },
    );
    expect(sync.peers().length).toBeLessThanOrEqual(8);
    expect(sync.openSessions).toBeLessThanOrEqual(8);
  });

  it('well-formed but hostile payloads mid-session never throw and never exceed the bounds', () => {
    const formatArb = fc.record({ idBytes: fc.integer({ min: 2, max: 5 }), checkBytes: fc.constantFrom(2, 3) });
    const idArb = fc.record({ dagCbor: fc.boolean(), digest: fc.uint8Array({ minLength: 32, maxLength: 32 }) });
    const payloadArb: fc.Arbitrary<SyncPayload> = fc.oneof(
      formatArb.chain((format) =>
        fc.record({
          kind: fc.constant('symbols' as const),
          format: fc.constant(format),
          start: fc.integer({ min: 0, max: 130 }),
          extras: fc.boolean(),
          symbols: fc.integer({ min: 1, max: 40 }).chain((count) => fc.uint8Array({ minLength: count * (format.idBytes + format.checkBytes), maxLength: count * (format.idBytes + format.checkBytes) })),
        }),
      ),
      fc.record({ kind: fc.constant('more' as const), start: fc.integer({ min: 0, max: 5000 }), count: fc.integer({ min: 1, max: 5000 }) }),
      formatArb.chain((format) =>
        fc.record({
          kind: fc.constant('ids' as const),
          format: fc.constant(format),
          ids: fc.array(idArb, { maxLength: 6 }),
          requests: fc.array(fc.uint8Array({ minLength: format.idBytes, maxLength: format.idBytes }), { maxLength: 6 }),
          requestStart: fc.integer({ min: 0, max: 10 }),
          continued: fc.boolean(),
        }),
      ),
      formatArb.chain((format) =>
        fc.record({
          kind: fc.constant('reply' as const),
          format: fc.constant(format),
          answers: fc.array(fc.option(fc.record({ dagCbor: fc.boolean(), tail: fc.uint8Array({ minLength: 32 - format.idBytes, maxLength: 32 - format.idBytes }) }), { nil: null }), { maxLength: 6 }),
          answerStart: fc.integer({ min: 0, max: 10 }),
          extras: fc.array(idArb, { maxLength: 3 }),
          continued: fc.boolean(),
        }),
      ),
      fc.record({ kind: fc.constant('abort' as const), reason: fc.constantFrom('busy' as const, 'limits' as const, 'protocol' as const) }),
      fc.constant({ kind: 'whole' as const }),
    );
    fc.assert(
      fc.property(fc.array(payloadArb, { minLength: 1, maxLength: 6 }), (payloads) => {
        const channel = started({ limits: { startDelayMs: 0, maxIdsPerSession: 8, maxSymbols: 300 } });
        channel.announce(channel.a);
        channel.step(); // the listener starts: its sketch is queued, the announcer's session opens on delivery
        const session = (channel.queue[0]!.message as { session: number }).session;
        channel.step();
        for (const payload of payloads) {
          for (const [at, from] of [[channel.a, 'node-2'], [channel.b, 'node-1']] as const) {
            const output = at.sync.onSync(from, { type: 'sync', session, payload: encodeSyncPayload(payload) }, channel.now);
            expect(output.learned.reduce((sum, learned) => sum + learned.ids.length, 0)).toBeLessThanOrEqual(8);
            for (const send of output.send) expect(decodeSyncPayload(send.message.payload)).toHaveProperty('kind');
          }
        }
        expect(channel.a.sync.openSessions + channel.b.sync.openSessions).toBeLessThanOrEqual(2);
      }),
      { numRuns: 60 },
    );
  });

  it('out-of-turn messages are typed rejections', () => {
    const sync = new IndexSync({ index: new DagIndex(), random: seededRandom(3) });
    const reply = encodeSyncPayload({ kind: 'reply', format: FORMAT, answers: [], answerStart: 0, extras: [], continued: false });
    expect(sync.onSync('p', { type: 'sync', session: 5, payload: reply }, NOW).rejected).toEqual([expect.objectContaining({ reason: 'unknown_session' })]);
  });
});
