// Decides what happens to one received announcement and tells reputation why. Pure apart from the
// reputation book it reports into; the gossip service maps the verdict onto gossipsub's
// accept/ignore/reject. Every relay runs this same check, so invalid messages stop at the first
// honest hop and the peer that handed them over is the one that lied.
import type { ReputationBook } from '../reputation/index.ts';
import { decodeAnnouncement, verifyAnnouncement, type Announcement } from './messages.ts';
import { RateLimiter, type RateLimit } from './rate-limiter.ts';
import { ReplayGuard, type ReplayWindow } from './replay-guard.ts';

/** Checks a message type's body; returns the parsed body or undefined when it is invalid. */
export type BodyCheck = (body: unknown) => unknown;

export type Received = {
  /** Reputation key of the author gossipsub verified (msg.from), which must be the announcement's signer. */
  author: string;
  /** The author's raw Ed25519 public key (from msg.key / msg.from). */
  authorKey: Uint8Array;
  /** Reputation key of the peer that handed the message to us (propagation source). */
  hop: string;
  /** Message type the topic carries. */
  kind: string;
  data: Uint8Array;
};

export type Verdict =
  | { result: 'accept'; announcement: Announcement; body: unknown }
  | { result: 'ignore' | 'reject'; reason: string };

export type ValidatorOptions = {
  networkId: string;
  reputation: ReputationBook;
  /** MESH_BYZANTINE_THRESHOLD, read on every message so a change applies at once. */
  threshold: () => number;
  now: () => number;
  bodyChecks: ReadonlyMap<string, BodyCheck>;
  rateLimit?: RateLimit;
  replayWindow?: ReplayWindow;
};

export class AnnouncementValidator {
  readonly #options: ValidatorOptions;
  readonly #rateLimiter: RateLimiter;
  readonly #replayGuard: ReplayGuard;
  #verifications = 0;

  constructor(options: ValidatorOptions) {
    this.#options = options;
    this.#rateLimiter = new RateLimiter(options.rateLimit);
    this.#replayGuard = new ReplayGuard(options.replayWindow);
  }

  /** Signature checks done (the costly step). */
  get verifications(): number {
    return this.#verifications;
  }

  check(received: Received): Verdict {
    const { reputation, threshold, now, networkId, bodyChecks } = this.#options;
    const { author, hop, kind } = received;
    // By author, not only by hop: a filtered author's messages relayed by honest peers are dropped too.
    if (reputation.isFiltered(author, threshold())) return { result: 'ignore', reason: 'author below the Byzantine threshold' };
    if (reputation.isFiltered(hop, threshold())) return { result: 'ignore', reason: 'relay below the Byzantine threshold' };
    const time = now();
    // Before any decoding or signature check, so a flood costs us almost nothing.
    if (!this.#rateLimiter.take(author, time)) {
      reputation.report(author, 'rate_exceeded');
      return { result: 'ignore', reason: 'author over its rate limit' };
    }
    const decoded = decodeAnnouncement(received.data);
    if (!decoded.ok && decoded.newerVersion) return { result: 'ignore', reason: decoded.error };
    if (!decoded.ok) return this.#reject(author, 'message_invalid', decoded.error);
    const { announcement } = decoded;
    if (announcement.net !== networkId) return this.#reject(author, 'message_invalid', `network "${announcement.net}" is not ours`);
    if (announcement.kind !== kind) return this.#reject(author, 'message_invalid', `a "${announcement.kind}" message on the "${kind}" topic`);
    if (!sameKey(announcement.author, received.authorKey)) {
      return this.#reject(author, 'signature_invalid', 'signed by another key than the gossip author');
    }
    this.#verifications++;
    if (!verifyAnnouncement(announcement)) return this.#reject(author, 'signature_invalid', 'signature does not verify');
    const freshness = this.#replayGuard.check(author, announcement.seq, announcement.ts, time);
    if (freshness === 'stale') return { result: 'ignore', reason: 'timestamp outside the acceptance window' };
    // Only the author sending its own message again is certainly to blame: a relay may pass on a
    // copy in good faith (it never saw the original, e.g. it dropped it over the rate limit).
    if (freshness === 'replayed' && hop === author) return this.#reject(author, 'message_replayed', 'already seen (replay)');
    if (freshness === 'replayed') return { result: 'ignore', reason: 'already seen (relayed copy)' };
    const check = bodyChecks.get(kind);
    const body = check?.(announcement.body);
    if (body === undefined) return this.#reject(author, 'message_invalid', `invalid "${kind}" body`);
    reputation.report(author, 'message_valid');
    return { result: 'accept', announcement, body };
  }

  #reject(peer: string, kind: 'message_invalid' | 'signature_invalid' | 'message_replayed', reason: string): Verdict {
    this.#options.reputation.report(peer, kind);
    return { result: 'reject', reason };
  }
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
