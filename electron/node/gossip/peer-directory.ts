// What this node knows about other peers: how to reach them, what they offer, which blocks they
// said they hold. Pure (times are passed in); filled from verified announcements, connections and
// other transports. Claims expire, so a peer that stops announcing a block stops being asked.

export type Transport = 'ip' | 'lora';

export type PeerEntry = {
  peerId: string;
  transports: Transport[];
  addresses: string[];
  /** Bytes offered, from the peer's last storage announcement (undefined: never announced). */
  storageCapacity: number | undefined;
  lastSeen: number;
};

export type DirectoryLimits = {
  /** A block claim is forgotten this long after it was last announced. Default 1 h. */
  claimTtlMs: number;
  /** Most block claims kept in total; the oldest go first. Default 100,000. */
  maxClaims: number;
};

const DEFAULT_LIMITS: DirectoryLimits = { claimTtlMs: 60 * 60_000, maxClaims: 100_000 };

type Claim = { size: number | undefined; at: number };

export class PeerDirectory {
  readonly #limits: DirectoryLimits;
  readonly #peers = new Map<string, PeerEntry>();
  /** content id -> peer -> claim; insertion order approximates age for trimming. */
  readonly #claims = new Map<string, Map<string, Claim>>();
  #claimCount = 0;

  constructor(limits: Partial<DirectoryLimits> = {}) {
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
  }

  seen(peerId: string, at: number, details: { transport?: Transport; addresses?: string[] } = {}): PeerEntry {
    let entry = this.#peers.get(peerId);
    if (!entry) {
      entry = { peerId, transports: [], addresses: [], storageCapacity: undefined, lastSeen: at };
      this.#peers.set(peerId, entry);
    }
    entry.lastSeen = Math.max(entry.lastSeen, at);
    if (details.transport && !entry.transports.includes(details.transport)) entry.transports.push(details.transport);
    if (details.addresses && details.addresses.length > 0) entry.addresses = [...new Set(details.addresses)];
    return entry;
  }

  recordStorage(peerId: string, capacity: number, at: number): void {
    this.seen(peerId, at).storageCapacity = capacity;
  }

  recordClaim(peerId: string, cid: string, size: number | undefined, at: number): void {
    this.seen(peerId, at);
    let holders = this.#claims.get(cid);
    if (!holders) {
      holders = new Map();
      this.#claims.set(cid, holders);
    } else {
      // Re-inserted at the end, so the map stays roughly oldest-first for trimming.
      this.#claims.delete(cid);
      this.#claims.set(cid, holders);
    }
    if (!holders.has(peerId)) this.#claimCount++;
    holders.set(peerId, { size: size ?? holders.get(peerId)?.size, at });
    this.#trim();
  }

  /** After a peer answered that it does not hold the block it announced. */
  dropClaim(peerId: string, cid: string): void {
    const holders = this.#claims.get(cid);
    if (holders?.delete(peerId)) this.#claimCount--;
    if (holders?.size === 0) this.#claims.delete(cid);
  }

  /** How long ago `peerId` last announced `cid` (ms), or undefined when it has no current claim. */
  claimAge(peerId: string, cid: string, now: number): number | undefined {
    const claim = this.#claims.get(cid)?.get(peerId);
    if (!claim || now - claim.at > this.#limits.claimTtlMs) return undefined;
    return now - claim.at;
  }

  /** Peers whose claim on `cid` is still current. */
  holdersOf(cid: string, now: number): string[] {
    const holders = this.#claims.get(cid);
    if (!holders) return [];
    return [...holders].filter(([, claim]) => now - claim.at <= this.#limits.claimTtlMs).map(([peer]) => peer);
  }

  get(peerId: string): PeerEntry | undefined {
    return this.#peers.get(peerId);
  }

  list(): PeerEntry[] {
    return [...this.#peers.values()];
  }

  #trim(): void {
    for (const [cid, holders] of this.#claims) {
      if (this.#claimCount <= this.#limits.maxClaims) break;
      this.#claimCount -= holders.size;
      this.#claims.delete(cid);
    }
  }
}
