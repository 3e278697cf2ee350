// Token bucket per author. Pure (time is passed in). Honest nodes announce a few times a minute and
// pace their own publishing to the same limit; the limit makes floods cheap to drop and visible
// to reputation.

export type RateLimit = { perSecond: number; burst: number };

export const DEFAULT_RATE_LIMIT: RateLimit = { perSecond: 10, burst: 40 };

type Bucket = { tokens: number; at: number };

export class RateLimiter {
  readonly #limit: RateLimit;
  readonly #buckets = new Map<string, Bucket>();

  constructor(limit: RateLimit = DEFAULT_RATE_LIMIT) {
    this.#limit = limit;
  }

  /** Takes one token; false when the author is over its rate. */
  take(key: string, now: number): boolean {
    const bucket = this.#buckets.get(key) ?? { tokens: this.#limit.burst, at: now };
    bucket.tokens = Math.min(this.#limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.#limit.perSecond);
    bucket.at = now;
    this.#buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  forget(key: string): void {
    this.#buckets.delete(key);
  }
}
