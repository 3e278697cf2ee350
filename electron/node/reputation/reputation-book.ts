// One reputation score per peer identity, fed by every transport (LoRa and IP report the same
// evidence kinds under the same key). Pure and deterministic: time comes from the injected clock,
// nothing is scheduled, decay is computed when a score is read.

/** What a transport observed about a peer. Each kind has a fixed direction and weight (EVIDENCE). */
export type EvidenceKind =
  | 'message_valid'
  | 'signature_invalid'
  | 'message_invalid'
  | 'message_replayed'
  | 'block_served'
  | 'block_corrupt'
  | 'block_claim_false'
  | 'request_answered'
  | 'request_unanswered'
  | 'rate_exceeded';

type EvidenceRule = {
  effect: 'good' | 'bad';
  /** Weight of one report, in units of the neutral prior (see score()). */
  weight: number;
  /**
   * Most this kind can add up to. Caps on good kinds stop a Byzantine peer from buying credit by
   * sending many cheap valid messages; caps on bad kinds only bound the numbers.
   */
  cap: number;
  /** What the console shows. */
  label: string;
};

export const EVIDENCE: Readonly<Record<EvidenceKind, EvidenceRule>> = {
  // Valid messages cost nothing to make: the weakest credit, capped low.
  message_valid: { effect: 'good', weight: 0.1, cap: 1, label: 'valid signed messages' },
  block_served: { effect: 'good', weight: 1, cap: 10, label: 'blocks served that matched their content id' },
  request_answered: { effect: 'good', weight: 0.5, cap: 5, label: 'requests answered' },
  // A forged signature or corrupt block is never an honest accident: one is enough to filter a
  // newcomer, two a peer with the most credit it can earn.
  signature_invalid: { effect: 'bad', weight: 30, cap: 1000, label: 'forged or invalid signatures' },
  block_corrupt: { effect: 'bad', weight: 30, cap: 1000, label: 'blocks served that did not match their content id' },
  // One bad message leaves a newcomer just above the default threshold (0.3), two filter it.
  message_invalid: { effect: 'bad', weight: 1, cap: 1000, label: 'malformed or invalid messages' },
  message_replayed: { effect: 'bad', weight: 1, cap: 1000, label: 'replayed messages' },
  // Counted only when the block was announced minutes before (the gossip layer checks), so one
  // filters a newcomer.
  block_claim_false: { effect: 'bad', weight: 4, cap: 1000, label: 'announced blocks it then did not have' },
  // Timeouts and failed dials also happen to honest peers that are busy or just went away.
  request_unanswered: { effect: 'bad', weight: 0.25, cap: 1000, label: 'requests left unanswered' },
  rate_exceeded: { effect: 'bad', weight: 0.5, cap: 1000, label: 'messages over the rate limit' },
};

export type ReputationOptions = {
  /** Evidence loses half its weight in this time, so scores drift back toward neutral. Default 30 min. */
  halfLifeMs?: number;
  /** Time known after which the tenure credit is full. Default 1 h. */
  tenureFullMs?: number;
};

/** One line of explain(): a kind of evidence and what it currently does to the score. */
export type ReputationReason = {
  kind: EvidenceKind | 'time_known';
  label: string;
  effect: 'good' | 'bad';
  /** Reports received (not decayed). */
  count: number;
  /** Current weight after decay and cap, in the same units as the prior. */
  weight: number;
};

export type ReputationExplanation = {
  peer: string;
  score: number;
  /** Highest weight first, so the first line is why a peer is low (or high). */
  reasons: ReputationReason[];
};

/** Score of a peer with no evidence, and where every score decays back to. */
export const NEUTRAL_SCORE = 0.5;
/** Strength of the neutral prior: evidence of this weight moves a new peer's score halfway. */
const PRIOR_WEIGHT = 2;
/** Credit for having been known a full tenure period (in prior units): small, never a shield. */
const TENURE_WEIGHT = 2;
const DEFAULT_HALF_LIFE_MS = 30 * 60_000;
const DEFAULT_TENURE_FULL_MS = 60 * 60_000;

type Tally = { weight: number; count: number; updatedAt: number };
type PeerRecord = { firstSeen: number; tallies: Map<EvidenceKind, Tally> };

export class ReputationBook {
  readonly #clock: { now(): number };
  readonly #halfLifeMs: number;
  readonly #tenureFullMs: number;
  readonly #peers = new Map<string, PeerRecord>();
  readonly #listeners = new Set<(peer: string, score: number) => void>();

  constructor(clock: { now(): number }, options: ReputationOptions = {}) {
    this.#clock = clock;
    this.#halfLifeMs = options.halfLifeMs ?? DEFAULT_HALF_LIFE_MS;
    this.#tenureFullMs = options.tenureFullMs ?? DEFAULT_TENURE_FULL_MS;
  }

  /** Starts the peer's time known (if it is new); no effect on its score by itself. */
  observe(peer: string): void {
    this.#record(peer);
  }

  report(peer: string, kind: EvidenceKind, times = 1): void {
    if (!(times > 0)) return;
    const record = this.#record(peer);
    const rule = EVIDENCE[kind];
    const now = this.#clock.now();
    const tally = record.tallies.get(kind) ?? { weight: 0, count: 0, updatedAt: now };
    tally.weight = Math.min(rule.cap, this.#decayed(tally, now) + rule.weight * times);
    tally.count += times;
    tally.updatedAt = now;
    record.tallies.set(kind, tally);
    const score = this.score(peer);
    for (const listener of this.#listeners) listener(peer, score);
  }

  /** 0..1; NEUTRAL_SCORE for a peer never reported. */
  score(peer: string): number {
    const record = this.#peers.get(peer);
    if (!record) return NEUTRAL_SCORE;
    let good = 0;
    let bad = 0;
    for (const reason of this.#reasons(record)) {
      if (reason.effect === 'good') good += reason.weight;
      else bad += reason.weight;
    }
    return (PRIOR_WEIGHT * NEUTRAL_SCORE + good) / (PRIOR_WEIGHT + good + bad);
  }

  /** True when the peer's score is below `threshold` (MESH_BYZANTINE_THRESHOLD; higher is stricter). */
  isFiltered(peer: string, threshold: number): boolean {
    return this.score(peer) < threshold;
  }

  explain(peer: string): ReputationExplanation {
    const record = this.#peers.get(peer);
    const reasons = record ? this.#reasons(record) : [];
    reasons.sort((a, b) => b.weight - a.weight);
    return { peer, score: this.score(peer), reasons };
  }

  /** When the peer was first seen (ms), or undefined. */
  firstSeen(peer: string): number | undefined {
    return this.#peers.get(peer)?.firstSeen;
  }

  peers(): string[] {
    return [...this.#peers.keys()];
  }

  /** Called after every report with the peer's new score (the gossip layer hangs up on filtered peers). */
  onChange(listener: (peer: string, score: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #record(peer: string): PeerRecord {
    let record = this.#peers.get(peer);
    if (!record) {
      record = { firstSeen: this.#clock.now(), tallies: new Map() };
      this.#peers.set(peer, record);
    }
    return record;
  }

  #decayed(tally: Tally, now: number): number {
    const elapsed = Math.max(0, now - tally.updatedAt);
    return tally.weight * 2 ** (-elapsed / this.#halfLifeMs);
  }

  #reasons(record: PeerRecord): ReputationReason[] {
    const now = this.#clock.now();
    const reasons: ReputationReason[] = [];
    for (const [kind, tally] of record.tallies) {
      const rule = EVIDENCE[kind];
      reasons.push({ kind, label: rule.label, effect: rule.effect, count: tally.count, weight: this.#decayed(tally, now) });
    }
    const knownFor = Math.max(0, now - record.firstSeen);
    const tenure = TENURE_WEIGHT * Math.min(1, knownFor / this.#tenureFullMs);
    if (tenure > 0) {
      reasons.push({ kind: 'time_known', label: `known for ${Math.round(knownFor / 60_000)} min`, effect: 'good', count: 1, weight: tenure });
    }
    return reasons;
  }
}
