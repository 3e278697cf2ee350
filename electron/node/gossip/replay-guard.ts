// Refuses an announcement seen before. Pure (time is passed in). Announcements carry their author's
// timestamp: outside the acceptance window they are "stale" (dropped, nobody blamed: an honest
// node with a wrong clock is not Byzantine); inside it, (author, seq) is remembered for the whole
// window, so a repeat is a replay.

export type ReplayVerdict = 'fresh' | 'stale' | 'replayed';

export type ReplayWindow = {
  /** Oldest accepted announcement age. */
  maxAgeMs: number;
  /** How far an author's clock may run ahead of ours. */
  maxAheadMs: number;
};

export const DEFAULT_REPLAY_WINDOW: ReplayWindow = { maxAgeMs: 5 * 60_000, maxAheadMs: 2 * 60_000 };

export class ReplayGuard {
  readonly #window: ReplayWindow;
  /** key -> forget-after time; insertion order is forget order (every entry lives the same span). */
  readonly #seen = new Map<string, number>();

  constructor(window: ReplayWindow = DEFAULT_REPLAY_WINDOW) {
    this.#window = window;
  }

  check(author: string, seq: number, ts: number, now: number): ReplayVerdict {
    this.#forgetOld(now);
    if (ts < now - this.#window.maxAgeMs || ts > now + this.#window.maxAheadMs) return 'stale';
    const key = `${author}/${seq}`;
    if (this.#seen.has(key)) return 'replayed';
    // Remembered until its timestamp leaves the window, plus the clock lead it may have had.
    this.#seen.set(key, now + this.#window.maxAgeMs + this.#window.maxAheadMs);
    return 'fresh';
  }

  get size(): number {
    return this.#seen.size;
  }

  #forgetOld(now: number): void {
    for (const [key, forgetAt] of this.#seen) {
      if (forgetAt > now) break;
      this.#seen.delete(key);
    }
  }
}
