import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { NodeIdentity } from '../../../electron/node/identity/index.ts';
import { EVIDENCE, NEUTRAL_SCORE, peerKeyOf, ReputationBook, type EvidenceKind } from '../../../electron/node/reputation/index.ts';

const MINUTE = 60_000;

function manualClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const kinds = Object.keys(EVIDENCE) as EvidenceKind[];
const goodKinds = kinds.filter((kind) => EVIDENCE[kind].effect === 'good');
const badKinds = kinds.filter((kind) => EVIDENCE[kind].effect === 'bad');

describe('ReputationBook', () => {
  test('an unknown peer is neutral and not filtered at the default threshold', () => {
    const book = new ReputationBook(manualClock());
    expect(book.score('nobody')).toBe(NEUTRAL_SCORE);
    expect(book.isFiltered('nobody', 0.3)).toBe(false);
    expect(book.explain('nobody')).toEqual({ peer: 'nobody', score: NEUTRAL_SCORE, reasons: [] });
  });

  test('one forged signature filters a newcomer; a corrupt block or a false block claim too', () => {
    const book = new ReputationBook(manualClock());
    book.report('forger', 'signature_invalid');
    book.report('corrupter', 'block_corrupt');
    book.report('claimer', 'message_valid', 100);
    book.report('claimer', 'block_claim_false');
    expect(book.isFiltered('forger', 0.3)).toBe(true);
    expect(book.isFiltered('corrupter', 0.3)).toBe(true);
    expect(book.isFiltered('claimer', 0.3)).toBe(true);
  });

  test('a busy honest peer survives a few unanswered requests', () => {
    const book = new ReputationBook(manualClock());
    book.report('busy', 'request_unanswered', 4);
    expect(book.isFiltered('busy', 0.3)).toBe(false);
  });

  test('a peer with the most credit it can earn is still filtered after two forgeries', () => {
    const clock = manualClock();
    const book = new ReputationBook(clock);
    book.observe('veteran');
    clock.advance(120 * MINUTE);
    for (const kind of goodKinds) book.report('veteran', kind, 1000);
    expect(book.score('veteran')).toBeGreaterThan(0.9);
    book.report('veteran', 'signature_invalid');
    book.report('veteran', 'signature_invalid');
    expect(book.isFiltered('veteran', 0.3)).toBe(true);
  });

  test('flooding valid messages buys only capped credit', () => {
    const book = new ReputationBook(manualClock());
    book.report('spammer', 'message_valid', 1_000_000);
    const expected = (2 * NEUTRAL_SCORE + EVIDENCE.message_valid.cap) / (2 + EVIDENCE.message_valid.cap);
    expect(book.score('spammer')).toBeCloseTo(expected, 10);
    book.report('spammer', 'signature_invalid');
    expect(book.isFiltered('spammer', 0.3)).toBe(true);
  });

  test('evidence decays toward neutral: half its weight per half-life', () => {
    const clock = manualClock();
    const book = new ReputationBook(clock, { halfLifeMs: 10 * MINUTE, tenureFullMs: Number.POSITIVE_INFINITY });
    book.report('p', 'message_invalid');
    const fresh = book.explain('p').reasons[0]!.weight;
    clock.advance(10 * MINUTE);
    expect(book.explain('p').reasons[0]!.weight).toBeCloseTo(fresh / 2, 10);
    const afterOne = book.score('p');
    clock.advance(10 * 10 * MINUTE);
    expect(book.score('p')).toBeGreaterThan(afterOne);
    expect(book.score('p')).toBeCloseTo(NEUTRAL_SCORE, 2);
    expect(book.isFiltered('p', 0.3)).toBe(false);
  });

  test('time known adds a small, bounded credit; silence alone never lowers a score', () => {
    const clock = manualClock();
    const book = new ReputationBook(clock, { tenureFullMs: 60 * MINUTE });
    book.observe('quiet');
    expect(book.score('quiet')).toBe(NEUTRAL_SCORE);
    clock.advance(30 * MINUTE);
    const half = book.score('quiet');
    expect(half).toBeGreaterThan(NEUTRAL_SCORE);
    clock.advance(24 * 60 * MINUTE);
    expect(book.score('quiet')).toBeGreaterThan(half);
    expect(book.score('quiet')).toBeLessThan(0.8);
    expect(book.explain('quiet').reasons.map((reason) => reason.kind)).toEqual(['time_known']);
  });

  test('explain lists the reasons, heaviest first, with counts', () => {
    const book = new ReputationBook(manualClock());
    book.report('p', 'block_served', 2);
    book.report('p', 'rate_exceeded', 3);
    book.report('p', 'block_claim_false');
    const { score, reasons } = book.explain('p');
    expect(score).toBe(book.score('p'));
    expect(reasons.map((reason) => [reason.kind, reason.count])).toEqual([
      ['block_claim_false', 1],
      ['block_served', 2],
      ['rate_exceeded', 3],
    ]);
    expect(reasons[0]).toMatchObject({ effect: 'bad', label: EVIDENCE.block_claim_false.label });
  });

  test('the threshold is a strictness: higher filters more', () => {
    const book = new ReputationBook(manualClock());
    book.report('p', 'request_unanswered');
    const score = book.score('p');
    expect(book.isFiltered('p', score - 0.01)).toBe(false);
    expect(book.isFiltered('p', score + 0.01)).toBe(true);
    expect(book.isFiltered('p', 0)).toBe(false);
  });

  test('listeners hear every report with the new score', () => {
    const book = new ReputationBook(manualClock());
    const heard: Array<[string, number]> = [];
    const stop = book.onChange((peer, score) => heard.push([peer, score]));
    book.report('p', 'signature_invalid');
    stop();
    book.report('p', 'signature_invalid');
    expect(heard).toHaveLength(1);
    expect(heard[0]![0]).toBe('p');
    expect(heard[0]![1]).toBeGreaterThan(book.score('p'));
  });

  test('property: scores stay in 0..1, good evidence never lowers and bad never raises a score', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...kinds), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 3 * 60 * MINUTE })), {
          maxLength: 40,
        }),
        fc.constantFrom(...kinds),
        (history, next) => {
          const clock = manualClock();
          const book = new ReputationBook(clock);
          for (const [kind, times, wait] of history) {
            clock.advance(wait);
            book.report('p', kind, times);
            const score = book.score('p');
            expect(score).toBeGreaterThanOrEqual(0);
            expect(score).toBeLessThanOrEqual(1);
          }
          const before = book.score('p');
          book.report('p', next);
          const after = book.score('p');
          if (EVIDENCE[next].effect === 'good') expect(after).toBeGreaterThanOrEqual(before);
          // Equal only when the kind is already at its cap.
          else expect(after).toBeLessThanOrEqual(before);
        },
      ),
    );
  });

  test('same history, same scores (deterministic)', () => {
    const run = () => {
      const clock = manualClock();
      const book = new ReputationBook(clock);
      for (const [i, kind] of [...badKinds, ...goodKinds].entries()) {
        clock.advance(i * 1000);
        book.report(`peer-${i % 3}`, kind);
      }
      return book.peers().map((peer) => book.explain(peer));
    };
    expect(run()).toEqual(run());
  });
});

test('peerKeyOf is the libp2p peer id of the node identity key', () => {
  const identity = NodeIdentity.generate();
  expect(peerKeyOf(identity.publicKey)).toMatch(/^12D3KooW/);
  expect(peerKeyOf(identity.publicKey)).toBe(peerKeyOf(Uint8Array.from(identity.publicKey)));
});
