import * as dagCbor from '@ipld/dag-cbor';
import { describe, expect, test } from 'vitest';
import { AnnouncementValidator, BlockAnnouncement, decodeAnnouncement, encodeAnnouncement, signAnnouncement, verifyAnnouncement } from '../../../electron/node/gossip/index.ts';
import type { UnsignedAnnouncement } from '../../../electron/node/gossip/index.ts';
import { PeerDirectory } from '../../../electron/node/gossip/peer-directory.ts';
import { RateLimiter } from '../../../electron/node/gossip/rate-limiter.ts';
import { ReplayGuard } from '../../../electron/node/gossip/replay-guard.ts';
import { NodeIdentity } from '../../../electron/node/identity/index.ts';
import { peerKeyOf, ReputationBook } from '../../../electron/node/reputation/index.ts';

const CID_A = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku';
const T0 = 1_700_000_000_000;

function unsigned(identity: NodeIdentity, overrides: Partial<UnsignedAnnouncement> = {}): UnsignedAnnouncement {
  return { net: 'test-net', kind: 'block', author: identity.publicKey, seq: T0 * 1000, ts: T0, body: { cid: CID_A, size: 3 }, ...overrides };
}

describe('signed announcements', () => {
  test('round trip: encode, decode, verify', () => {
    const identity = NodeIdentity.generate();
    const signed = signAnnouncement(unsigned(identity), (bytes) => identity.sign(bytes));
    const decoded = decodeAnnouncement(encodeAnnouncement(signed));
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.announcement).toEqual(signed);
    expect(verifyAnnouncement(decoded.announcement)).toBe(true);
  });

  test('any changed field breaks the signature', () => {
    const identity = NodeIdentity.generate();
    const signed = signAnnouncement(unsigned(identity), (bytes) => identity.sign(bytes));
    const changes: Partial<UnsignedAnnouncement>[] = [
      { net: 'other-net' },
      { kind: 'storage' },
      { seq: signed.seq + 1 },
      { ts: signed.ts + 1 },
      { body: { cid: CID_A, size: 4 } },
      { author: NodeIdentity.generate().publicKey },
    ];
    for (const change of changes) expect(verifyAnnouncement({ ...signed, ...change })).toBe(false);
  });

  test('decoding refuses non-canonical, oversized, extra-field and malformed envelopes', () => {
    const identity = NodeIdentity.generate();
    const signed = signAnnouncement(unsigned(identity), (bytes) => identity.sign(bytes));
    const bytes = encodeAnnouncement(signed);
    expect(decodeAnnouncement(bytes.subarray(0, bytes.length - 1)).ok).toBe(false);
    expect(decodeAnnouncement(new Uint8Array(70_000)).ok).toBe(false);
    const { net, kind, author, seq, ts, body, sig } = signed;
    expect(decodeAnnouncement(dagCbor.encode({ v: 1, net, kind, author, seq, ts, body, sig, extra: 1 })).ok).toBe(false);
    expect(decodeAnnouncement(dagCbor.encode({ v: 2, net, kind, author, seq, ts, body, sig })).ok).toBe(false);
    expect(decodeAnnouncement(dagCbor.encode({ v: 1, net, kind, author, seq: -1, ts, body, sig })).ok).toBe(false);
    // Non-minimal integer encoding of `seq` (0x1b + 8 bytes for a value that fits in 4): refused.
    const small = encodeAnnouncement({ ...signed, seq: 7 });
    const at = Buffer.from(small).indexOf(Buffer.from([0x63, 0x73, 0x65, 0x71, 0x07])); // "seq", 7
    const padded = Buffer.concat([small.subarray(0, at + 4), Buffer.from([0x1b, 0, 0, 0, 0, 0, 0, 0, 7]), small.subarray(at + 5)]);
    expect(decodeAnnouncement(padded).ok).toBe(false);
  });

  test('block bodies must name a real content id', () => {
    expect(BlockAnnouncement.safeParse({ cid: CID_A, size: 1 }).success).toBe(true);
    expect(BlockAnnouncement.safeParse({ cid: 'not-a-cid', size: 1 }).success).toBe(false);
    expect(BlockAnnouncement.safeParse({ cid: CID_A, size: -1 }).success).toBe(false);
  });
});

describe('AnnouncementValidator', () => {
  function setup() {
    let now = T0;
    const reputation = new ReputationBook({ now: () => now });
    const validator = new AnnouncementValidator({
      networkId: 'test-net',
      reputation,
      threshold: () => 0.3,
      now: () => now,
      bodyChecks: new Map([['block', (body: unknown) => (BlockAnnouncement.safeParse(body).success ? body : undefined)]]),
      rateLimit: { perSecond: 10, burst: 10 },
    });
    const author = NodeIdentity.generate();
    const relay = NodeIdentity.generate();
    const receive = (data: Uint8Array, from = author) =>
      validator.check({ author: peerKeyOf(from.publicKey), authorKey: from.publicKey, hop: peerKeyOf(relay.publicKey), kind: 'block', data });
    let seq = T0 * 1000;
    const make = (overrides: Partial<UnsignedAnnouncement> = {}, signer = author) =>
      encodeAnnouncement(signAnnouncement(unsigned(author, { seq: ++seq, ts: now, ...overrides }), (bytes) => signer.sign(bytes)));
    return { reputation, validator, author, relay, receive, make, advance: (ms: number) => void (now += ms), key: (identity: NodeIdentity) => peerKeyOf(identity.publicKey) };
  }

  test('accepts a valid announcement and credits the author a little', () => {
    const { receive, make, reputation, author, key } = setup();
    const verdict = receive(make());
    expect(verdict.result).toBe('accept');
    expect(reputation.explain(key(author)).reasons[0]?.kind).toBe('message_valid');
  });

  test('a forged signature is rejected and filters the author', () => {
    const { receive, make, reputation, author, key } = setup();
    const forged = make({}, NodeIdentity.generate());
    expect(receive(forged)).toMatchObject({ result: 'reject', reason: 'signature does not verify' });
    expect(reputation.isFiltered(key(author), 0.3)).toBe(true);
    // Afterwards even its valid messages are dropped, by author.
    expect(receive(make())).toMatchObject({ result: 'ignore', reason: 'author below the Byzantine threshold' });
  });

  test('an announcement re-wrapped by another gossip author is refused', () => {
    const { receive, make, reputation, key } = setup();
    const impostor = NodeIdentity.generate();
    expect(receive(make(), impostor)).toMatchObject({ result: 'reject', reason: 'signed by another key than the gossip author' });
    expect(reputation.explain(key(impostor)).reasons[0]?.kind).toBe('signature_invalid');
  });

  test('a replay sent by its author is rejected and blamed on it; a relayed copy is dropped without blame', () => {
    const { validator, make, reputation, author, relay, key } = setup();
    const message = make();
    const direct = (data: Uint8Array, hop: NodeIdentity) =>
      validator.check({ author: key(author), authorKey: author.publicKey, hop: key(hop), kind: 'block', data });
    expect(direct(message, author).result).toBe('accept');
    expect(direct(message, relay)).toMatchObject({ result: 'ignore', reason: 'already seen (relayed copy)' });
    expect(reputation.explain(key(relay)).reasons).toEqual([]);
    expect(direct(message, author)).toMatchObject({ result: 'reject', reason: 'already seen (replay)' });
    expect(reputation.explain(key(author)).reasons.map((reason) => reason.kind)).toEqual(['message_replayed', 'message_valid']);
  });

  test('stale or future timestamps are dropped without blame (clock skew is not Byzantine)', () => {
    const { receive, make, reputation, author, key } = setup();
    expect(receive(make({ ts: T0 - 6 * 60_000 })).result).toBe('ignore');
    expect(receive(make({ ts: T0 + 3 * 60_000 })).result).toBe('ignore');
    expect(reputation.explain(key(author)).reasons).toEqual([]);
  });

  test('wrong network, wrong topic, bad body and garbage are rejected as invalid; two filter a newcomer', () => {
    const cases = [
      (make: (overrides: Partial<UnsignedAnnouncement>) => Uint8Array) => make({ net: 'other' }),
      (make: (overrides: Partial<UnsignedAnnouncement>) => Uint8Array) => make({ kind: 'storage' }),
      (make: (overrides: Partial<UnsignedAnnouncement>) => Uint8Array) => make({ body: { cid: 'nope', size: 1 } }),
      () => Uint8Array.of(1, 2, 3),
    ];
    for (const build of cases) {
      const { receive, make, reputation, author, key } = setup();
      expect(receive(build(make)).result).toBe('reject');
      expect(reputation.explain(key(author)).reasons[0]).toMatchObject({ kind: 'message_invalid', count: 1 });
      expect(reputation.isFiltered(key(author), 0.3)).toBe(false);
      expect(receive(build(make)).result).toBe('reject');
      expect(reputation.isFiltered(key(author), 0.3)).toBe(true);
    }
  });

  test('an envelope of a newer version is dropped without blame', () => {
    const { receive, make, reputation, author, key } = setup();
    const fields = dagCbor.decode(make()) as Record<string, unknown>;
    expect(receive(dagCbor.encode({ ...fields, v: 2 })).result).toBe('ignore');
    expect(reputation.explain(key(author)).reasons).toEqual([]);
  });

  test('a flood is cut at the rate limit before any signature check, and lowers the author', () => {
    const { receive, make, reputation, author, key, validator } = setup();
    const results = Array.from({ length: 100 }, () => receive(make()).result);
    expect(results.filter((result) => result === 'accept')).toHaveLength(10);
    expect(validator.verifications).toBe(10);
    expect(reputation.isFiltered(key(author), 0.3)).toBe(true);
  });
});

describe('ReplayGuard, RateLimiter, PeerDirectory', () => {
  test('replay memory is bounded by the window', () => {
    const guard = new ReplayGuard({ maxAgeMs: 1000, maxAheadMs: 0 });
    for (let i = 0; i < 100; i++) expect(guard.check('a', i, T0, T0)).toBe('fresh');
    expect(guard.check('a', 5, T0, T0 + 500)).toBe('replayed');
    expect(guard.check('a', 5, T0, T0 + 1001)).toBe('stale');
    expect(guard.size).toBe(0);
  });

  test('the rate limiter refills over time', () => {
    const limiter = new RateLimiter({ perSecond: 2, burst: 2 });
    expect([limiter.take('a', 0), limiter.take('a', 0), limiter.take('a', 0)]).toEqual([true, true, false]);
    expect(limiter.take('a', 500)).toBe(true);
    expect(limiter.take('b', 500)).toBe(true);
  });

  test('block claims expire and can be dropped; the claim count is bounded', () => {
    const directory = new PeerDirectory({ claimTtlMs: 1000, maxClaims: 2 });
    directory.recordClaim('p1', 'c1', 10, 0);
    directory.recordClaim('p2', 'c1', 10, 0);
    expect(directory.holdersOf('c1', 500).sort()).toEqual(['p1', 'p2']);
    expect(directory.holdersOf('c1', 1500)).toEqual([]);
    expect(directory.claimAge('p1', 'c1', 400)).toBe(400);
    expect(directory.claimAge('p1', 'c1', 1500)).toBeUndefined();
    expect(directory.claimAge('p3', 'c1', 0)).toBeUndefined();
    directory.dropClaim('p1', 'c1');
    expect(directory.holdersOf('c1', 0)).toEqual(['p2']);
    directory.recordClaim('p1', 'c2', 1, 0);
    directory.recordClaim('p1', 'c3', 1, 0);
    expect(directory.holdersOf('c1', 0)).toEqual([]);
    expect(directory.holdersOf('c3', 0)).toEqual(['p1']);
  });
});
