// Replay refusal for signed messages. A signed message's sequence number is its send time in
// seconds (bumped to stay unique), so two checks cover it: a time window, and per sender the set
// of sequence numbers accepted inside that window. Only verified messages are recorded, so a
// forger cannot push a real sender's window forward.
import { reject, timeOfSeq, type KeyId, type Rejection } from './wire.ts';

export type ReplayLimits = {
  /** Older messages are refused outright: this also covers senders whose state was dropped. */
  readonly maxAgeMs: number;
  /** Tolerated clock lead of a sender. */
  readonly maxFutureMs: number;
  readonly maxSenders: number;
  /** Sequence numbers remembered per sender; past that the oldest go and become the floor. */
  readonly seqsPerSender: number;
};

type SenderWindow = { floor: number; readonly seen: Set<number> };

export class ReplayGuard {
  readonly #limits: ReplayLimits;
  /** Least recently used first. */
  readonly #senders = new Map<KeyId, SenderWindow>();

  constructor(limits: ReplayLimits) {
    this.#limits = limits;
  }

  get senderCount(): number {
    return this.#senders.size;
  }

  get seqCount(): number {
    let count = 0;
    for (const window of this.#senders.values()) count += window.seen.size;
    return count;
  }

  /** Why this message would be a replay, or undefined when it is new. Changes nothing. */
  check(keyId: KeyId, seq: number, now: number): Rejection | undefined {
    const sentAt = timeOfSeq(seq);
    if (sentAt > now + this.#limits.maxFutureMs) return reject('clock_skew', `sent ${Math.round((sentAt - now) / 1000)} s in the future`, keyId);
    if (sentAt < now - this.#limits.maxAgeMs) return reject('replay', `sent ${Math.round((now - sentAt) / 1000)} s ago, older than the ${this.#limits.maxAgeMs / 1000} s window`, keyId);
    const window = this.#senders.get(keyId);
    if (!window) return undefined;
    if (seq <= window.floor) return reject('replay', `sequence ${seq} is below the sender's window`, keyId);
    if (window.seen.has(seq)) return reject('duplicate', `sequence ${seq} already accepted`, keyId);
    return undefined;
  }

  record(keyId: KeyId, seq: number, now: number): void {
    const window = this.#senders.get(keyId) ?? { floor: -1, seen: new Set<number>() };
    this.#senders.delete(keyId);
    this.#senders.set(keyId, window);
    window.seen.add(seq);
    for (const old of window.seen) if (timeOfSeq(old) < now - this.#limits.maxAgeMs) window.seen.delete(old);
    while (window.seen.size > this.#limits.seqsPerSender) {
      const lowest = Math.min(...window.seen);
      window.seen.delete(lowest);
      window.floor = Math.max(window.floor, lowest);
    }
    if (this.#senders.size > this.#limits.maxSenders) this.#senders.delete(this.#senders.keys().next().value!);
  }
}
