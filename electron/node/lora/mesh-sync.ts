// Index sync on a node: what it announces (the mesh index root), and the reconciliation sessions
// with the radios that announce another root. Pure apart from the mesh index file: the service
// passes time in and puts the returned messages on air.
import type { ContentId } from '../storage/content-id.ts';
import type { IndexSummary } from '../storage/index.ts';
import type { IndexAnnounceMessage, SyncMessage } from './messages.ts';
import { MeshIndex, type MeshIndexProblem } from './mesh-index.ts';
import { IndexSync, type PeerSyncState, type SyncOutput } from './sync/index.ts';

export type MeshSyncView = {
  /** The mesh index: this node's blocks and the ids learned from radio peers. */
  summary: IndexSummary;
  learned: number;
  peers: PeerSyncState[];
};

/** Messages to put on air, each to one radio (`!xxxxxxxx`), and what changed. */
export type MeshSyncStep = {
  send: Array<{ to: string; message: SyncMessage }>;
  learnedIds: number;
  /** Ids each radio peer sent that we lacked (new to the index or not): the peer holds them. */
  learnedFrom: Array<{ peer: string; ids: readonly ContentId[] }>;
  rejected: string[];
};

/** One small frame per node every few minutes: peers with another root start a sync. */
export const INDEX_ANNOUNCE_EVERY_MS = 5 * 60_000;
/**
 * Ids new to us go to all neighbours in one broadcast after a random wait in this range: ids heard
 * meanwhile (from other neighbours' pushes) go in the same frames, and neighbours that learned the
 * same ids together do not all key up at once.
 */
export const PUSH_AFTER_MS = { min: 5_000, spread: 40_000 } as const;
/** More new ids than this at once (blocks of a big file, a node catching up by session) are left to sessions: pushes are for the few a node stores or hears of. */
export const MAX_PUSH_IDS = 60;
/**
 * Once our root has moved, our announce goes when it has been still this long, plus a random
 * spread (the pushes around us have settled), instead of at the next periodic one: neighbours
 * whose roots still differ (a push was lost) then repair it by a session within a minute or two.
 */
export const ANNOUNCE_AFTER_CHANGE_MS = { settle: 45_000, spread: 30_000 } as const;
/** Announces at most this often however fast the root moves: 1 frame a minute is ~2 % of the 10 % duty cycle. */
export const ANNOUNCE_MIN_GAP_MS = 60_000;
/**
 * A session with a neighbour whose announce differs starts only once our root has been still this
 * long: while pushes still bring ids, the difference is mostly what the next pushes carry anyway.
 */
export const SESSION_AFTER_CHANGE_MS = 30_000;

export class MeshSync {
  readonly #meshIndex: MeshIndex;
  readonly #sync: IndexSync;
  readonly #ownIds: () => Iterable<ContentId>;
  readonly #random: () => number;
  /** Ids new to us since our last push, and when that push goes. */
  readonly #unpushed = new Set<ContentId>();
  #pushAt: number | undefined;
  /** The root our last announce carried (undefined before the first). */
  #announcedRoot: string | undefined;
  /** Our root as last seen, since when, and this change's share of the spread. */
  #root: string | undefined;
  #rootSince = -Infinity;
  #announceSpread = 0;
  /** When ids last joined our index (stored or learned). */
  #changedAt = -Infinity;

  constructor(options: { indexFile: string; ownIds: () => Iterable<ContentId>; random: () => number; onProblem: (problem: MeshIndexProblem) => void }) {
    const { meshIndex, problem } = MeshIndex.open(options.indexFile);
    if (problem) options.onProblem(problem);
    this.#meshIndex = meshIndex;
    this.#ownIds = options.ownIds;
    this.#random = options.random;
    // Blocks stored before this start are not news: sessions carry them where they are missing.
    this.#meshIndex.includeOwn(options.ownIds());
    this.#sync = new IndexSync({ index: meshIndex.index, random: options.random });
  }

  /** Our signed announce's content, going on air now: taken after adding blocks stored since the last one. */
  announcement(now: number): IndexAnnounceMessage {
    this.#includeOwn(now);
    const { version, block_count: blockCount, root_hash: rootHash } = this.#meshIndex.summary();
    this.#sync.announced(now);
    this.#announcedRoot = rootHash;
    return { type: 'index-announce', version, blockCount, rootHash };
  }

  /**
   * Whether our announce should go now, the last one having gone at `lastAnnounceAt`: periodic, or
   * once our root moved and has been still a while (never before the push of what moved it).
   */
  announceDue(now: number, lastAnnounceAt: number): boolean {
    if (now - lastAnnounceAt >= INDEX_ANNOUNCE_EVERY_MS) return true;
    this.#includeOwn(now);
    const root = this.#meshIndex.summary().root_hash;
    if (root !== this.#root) {
      this.#root = root;
      this.#rootSince = now;
      this.#announceSpread = this.#random() * ANNOUNCE_AFTER_CHANGE_MS.spread;
    }
    if (this.#announcedRoot === undefined || root === this.#announcedRoot || this.#unpushed.size > 0) return false;
    return now >= Math.max(this.#rootSince + ANNOUNCE_AFTER_CHANGE_MS.settle + this.#announceSpread, lastAnnounceAt + ANNOUNCE_MIN_GAP_MS);
  }

  /** Sync messages to broadcast to all neighbours now: the ids new to us, once their wait is over. */
  pushDue(now: number): SyncMessage[] {
    this.#includeOwn(now);
    if (this.#unpushed.size === 0) return [];
    this.#pushAt ??= now + PUSH_AFTER_MS.min + this.#random() * PUSH_AFTER_MS.spread;
    if (now < this.#pushAt) return [];
    const fresh = [...this.#unpushed];
    this.#unpushed.clear();
    this.#pushAt = undefined;
    return this.#sync.push(fresh);
  }

  onAnnounce(peer: string, announce: IndexAnnounceMessage, now: number): MeshSyncStep {
    this.#includeOwn(now);
    return this.#step(this.#sync.onAnnounce(peer, announce, now, this.#changedAt + SESSION_AFTER_CHANGE_MS), now);
  }

  onSync(peer: string, message: SyncMessage, now: number): MeshSyncStep {
    return this.#step(this.#sync.onSync(peer, message, now), now);
  }

  /** A frame of a sync message to `peer` in session `session` went to the radio now (`last`: its last frame). */
  onAir(peer: string, session: number, now: number, last: boolean): void {
    this.#sync.onAir(peer, session, now, last);
  }

  /** A fragment of a longer message from `peer`, addressed to us, arrived now. */
  peerTalking(peer: string, now: number): void {
    this.#sync.peerTalking(peer, now);
  }

  tick(now: number): MeshSyncStep {
    return this.#step(this.#sync.tick(now), now);
  }

  /** Ids learned from radio peers, this run or before (the catalogue lists them after a restart). */
  learnedIds(): ContentId[] {
    return this.#meshIndex.learnedIds();
  }

  view(): MeshSyncView {
    this.#includeOwn();
    return { summary: this.#meshIndex.summary(), learned: this.#meshIndex.learnedCount, peers: this.#sync.peers() };
  }

  /** Blocks stored since the last look join the index, and the next push. */
  #includeOwn(now?: number): void {
    const added = this.#meshIndex.includeOwn(this.#ownIds());
    if (added.length === 0) return;
    if (added.length <= MAX_PUSH_IDS) for (const id of added) this.#unpushed.add(id);
    if (now !== undefined) this.#changedAt = now;
  }

  #step(output: SyncOutput, now: number): MeshSyncStep {
    let learnedIds = 0;
    for (const { ids, via } of output.learned) {
      learnedIds += this.#meshIndex.learn(ids);
      // A push passes on what a push brought (the flood); a session only a few ids, not a node's catching up.
      if (via === 'push' || (via === 'session' && ids.length <= MAX_PUSH_IDS)) for (const id of ids) this.#unpushed.add(id);
    }
    if (learnedIds > 0) {
      this.#changedAt = now;
      this.#meshIndex.save();
    }
    return {
      send: output.send.map(({ peer, message }) => ({ to: peer, message })),
      learnedIds,
      learnedFrom: output.learned.filter(({ ids }) => ids.length > 0).map(({ peer, ids }) => ({ peer, ids })),
      rejected: output.rejected.map((rejection) => `${rejection.peer}: ${rejection.reason}${rejection.detail ? ` (${rejection.detail})` : ''}`),
    };
  }
}
