// Roll-call for one of our emergencies: who answered, how far (their radio, their node, a person),
// and when to ask the silent ones again; after the all-clear, which radios that had the emergency
// confirmed the all-clear, and when to send it again to the others. Pure: time is passed in; the
// service sends the asks.
import type { KeyId } from './wire.ts';

/**
 * `delivered`: the node's radio confirmed the repeat (a firmware ack), nothing above it answered (a
 * stock app, or a Pakit node whose app is down); `received`: its Pakit node acked; `seen`: a person
 * pressed the alert's button there.
 */
export type RollCallAnswer = 'silent' | 'delivered' | 'received' | 'seen';
const RANK: Readonly<Record<RollCallAnswer, number>> = { silent: 0, delivered: 1, received: 2, seen: 3 };

/** The node number of an answer that came over IP, from a node without a radio. */
export const NO_RADIO = 0;

export type RollCallMember = {
  /** The radio; NO_RADIO for a node that answered over IP. */
  readonly node: number;
  /** Its signing key, when known: a Pakit node is asked with the signed emergency, others with the stock alert. */
  readonly keyId: KeyId | undefined;
  readonly answer: RollCallAnswer;
  readonly answeredAt: number | undefined;
  /** Repeats sent to it. */
  readonly asks: number;
  /** When it is asked again while silent (after the all-clear: while unconfirmed); undefined once it answered or repeats stopped. */
  readonly nextAskAt: number | undefined;
  /**
   * After the all-clear, for a radio that had the emergency (it answered): whether its radio
   * confirmed the all-clear sent to it (a firmware ack). Undefined while the emergency is open, for
   * a radio that never answered (it has no alert to close), and for an answer over IP.
   */
  readonly cleared: boolean | undefined;
};

export type RollCallView = { readonly repeating: boolean; readonly members: readonly RollCallMember[] };

export type RollCallOptions = {
  /** The first repeat waits this long after the send (the emergency went out twice by then). */
  readonly firstAskAfterMs?: number;
  /** Waits double after each ask, up to this. */
  readonly maxAskIntervalMs?: number;
  /** Asks per round: each is a flood, so a crowd of silent nodes is asked a few at a time. */
  readonly asksPerRound?: number;
  /** Rounds at least this far apart, so the rest of a crowd waits for the channel to clear. */
  readonly roundGapMs?: number;
  /** Answers arriving from nodes not on the list are added, up to this many members. */
  readonly maxMembers?: number;
};

export const DEFAULT_ROLL_CALL: Required<RollCallOptions> = {
  firstAskAfterMs: 60_000,
  maxAskIntervalMs: 8 * 60_000,
  asksPerRound: 4,
  roundGapMs: 20_000,
  maxMembers: 64,
};

type Member = { node: number; keyId: KeyId | undefined; answer: RollCallAnswer; answeredAt: number | undefined; asks: number; nextAskAt: number; cleared: boolean | undefined; clearAsks: number };

export class RollCall {
  readonly #options: Required<RollCallOptions>;
  readonly #members: Member[] = [];
  #repeating = true;
  /** The all-clear went out: rounds send it to radios that had the emergency, instead of asking the silent. */
  #closing = false;
  #nextRoundAt = -Infinity;

  constructor(expected: readonly { node: number; keyId: KeyId | undefined }[], sentAt: number, options: RollCallOptions = {}) {
    this.#options = { ...DEFAULT_ROLL_CALL, ...options };
    for (const { node, keyId } of expected.slice(0, this.#options.maxMembers)) {
      this.#members.push({ node, keyId, answer: 'silent', answeredAt: undefined, asks: 0, nextAskAt: sentAt + this.#options.firstAskAfterMs, cleared: undefined, clearAsks: 0 });
    }
  }

  /**
   * A roll-call saved before a restart: answers kept, the silent asked again from `now` on (repeats
   * go on where they were, without a burst for the time the node was down).
   */
  static resume(members: readonly Omit<RollCallMember, 'nextAskAt'>[], now: number, options: RollCallOptions = {}): RollCall {
    const call = new RollCall([], now, options);
    call.#closing = members.some((member) => member.cleared !== undefined);
    for (const member of members.slice(0, call.#options.maxMembers)) {
      const backoff = Math.min(call.#options.firstAskAfterMs * 2 ** member.asks, call.#options.maxAskIntervalMs);
      const waiting = call.#closing ? member.cleared === false : member.answer === 'silent';
      call.#members.push({ ...member, nextAskAt: waiting ? now + (call.#closing ? call.#options.firstAskAfterMs : backoff) : Infinity, clearAsks: 0 });
    }
    return call;
  }

  /**
   * Notes an answer from a radio (`node`) or a key (`keyId`), whichever is known; an answer never
   * goes down a rank. True when the view changed.
   */
  answer(from: { node?: number; keyId?: KeyId }, answer: Exclude<RollCallAnswer, 'silent'>, at: number): boolean {
    // By key first: a radio's number is only its own while no other key answered from it.
    let member = from.keyId === undefined ? undefined : this.#members.find((entry) => entry.keyId === from.keyId);
    member ??= from.node === undefined ? undefined : this.#members.find((entry) => entry.node === from.node && (entry.keyId === undefined || from.keyId === undefined));
    if (!member) {
      if (this.#members.length >= this.#options.maxMembers) return false;
      member = { node: from.node ?? NO_RADIO, keyId: from.keyId, answer: 'silent', answeredAt: undefined, asks: 0, nextAskAt: Infinity, cleared: undefined, clearAsks: 0 };
      this.#members.push(member);
    }
    const learnedKey = from.keyId !== undefined && member.keyId === undefined;
    if (learnedKey) member.keyId = from.keyId;
    if (RANK[answer] <= RANK[member.answer]) return learnedKey;
    member.answer = answer;
    member.answeredAt = at;
    return true;
  }

  /**
   * The members to send to now (at most a round's worth, longest waiting first): the silent, asked
   * with the emergency, or after the all-clear the unconfirmed, sent the all-clear. Each is booked
   * for its next send.
   */
  due(now: number): RollCallMember[] {
    if (!this.#repeating || now < this.#nextRoundAt) return [];
    const due = this.#members
      .filter((member) => this.#waiting(member) && member.nextAskAt <= now)
      .sort((a, b) => a.nextAskAt - b.nextAskAt)
      .slice(0, this.#options.asksPerRound);
    if (due.length > 0) this.#nextRoundAt = now + this.#options.roundGapMs;
    for (const member of due) {
      member.asks += 1;
      if (this.#closing) member.clearAsks += 1;
      const sent = this.#closing ? member.clearAsks : member.asks;
      member.nextAskAt = now + Math.min(this.#options.firstAskAfterMs * 2 ** sent, this.#options.maxAskIntervalMs);
    }
    return due.map((member) => this.#viewOf(member));
  }

  /** When `due` has someone next; undefined when nobody is waiting. */
  wakeAt(): number | undefined {
    if (!this.#repeating) return undefined;
    const next = Math.min(...this.#members.filter((member) => this.#waiting(member)).map((member) => member.nextAskAt));
    return Number.isFinite(next) ? Math.max(next, this.#nextRoundAt) : undefined;
  }

  /**
   * The all-clear went out (as a flood, which a radio can miss). From now on the rounds send it to
   * each radio that had the emergency, from `firstAskAfterMs` on, until its radio confirms it; the
   * silent are no longer asked. Repeats stopped by the operator start again: this is a new message.
   */
  close(now: number): void {
    this.#closing = true;
    this.#repeating = true;
    this.#nextRoundAt = -Infinity;
    for (const member of this.#members) {
      const hadIt = member.answer !== 'silent' && member.node !== NO_RADIO;
      member.cleared = hadIt ? false : undefined;
      member.clearAsks = 0;
      member.nextAskAt = hadIt ? now + this.#options.firstAskAfterMs : Infinity;
    }
  }

  /** The radio `node` confirmed the all-clear sent to it. True when the view changed. */
  cleared(node: number): boolean {
    const member = this.#members.find((entry) => entry.node === node && entry.cleared === false);
    if (!member) return false;
    member.cleared = true;
    member.nextAskAt = Infinity;
    return true;
  }

  /** The operator stopped the repeats, or the emergency is closed. */
  stop(): boolean {
    const was = this.#repeating;
    this.#repeating = false;
    return was;
  }

  view(): RollCallView {
    // Who still owes an answer first, then by how far their answer went.
    const members = this.#members.map((member) => this.#viewOf(member)).sort((a, b) => RANK[a.answer] - RANK[b.answer] || a.node - b.node);
    return { repeating: this.#repeating && this.#members.some((member) => this.#waiting(member)), members };
  }

  /** Still owes us something: an answer while the emergency is open, a confirmation after the all-clear. */
  #waiting(member: Member): boolean {
    return this.#closing ? member.cleared === false : member.answer === 'silent';
  }

  #viewOf(member: Member): RollCallMember {
    const waiting = this.#repeating && this.#waiting(member) && Number.isFinite(member.nextAskAt);
    return { node: member.node, keyId: member.keyId, answer: member.answer, answeredAt: member.answeredAt, asks: member.asks, nextAskAt: waiting ? member.nextAskAt : undefined, cleared: member.cleared };
  }
}
