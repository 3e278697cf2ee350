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
 * Once our root has moved (ids learned, blocks stored), the next announce goes after a random wait
 * in this range rather than at the next periodic one: neighbours learn of the change within
 * seconds, so ids spread a hop per session, not a hop per 5 minutes. The spread keeps neighbours
 * that learned in the same session from announcing together.
 */
export const ANNOUNCE_AFTER_CHANGE_MS = { min: 5_000, spread: 25_000 } as const;
/** Announces at most this often however fast the root moves: 1 frame a minute is ~2 % of the 10 % duty cycle. */
export const ANNOUNCE_MIN_GAP_MS = 60_000;

export class MeshSync {
  readonly #meshIndex: MeshIndex;
  readonly #sync: IndexSync;
  readonly #ownIds: () => Iterable<ContentId>;
  readonly #random: () => number;
  /** The root our last announce carried (undefined before the first). */
  #announcedRoot: string | undefined;
  /** When the announce for a root change is due, once the change was noticed. */
  #changeAnnounceAt: number | undefined;

  constructor(options: { indexFile: string; ownIds: () => Iterable<ContentId>; random: () => number; onProblem: (problem: MeshIndexProblem) => void }) {
    const { meshIndex, problem } = MeshIndex.open(options.indexFile);
    if (problem) options.onProblem(problem);
    this.#meshIndex = meshIndex;
    this.#ownIds = options.ownIds;
    this.#random = options.random;
    this.#meshIndex.includeOwn(options.ownIds());
    this.#sync = new IndexSync({ index: meshIndex.index, random: options.random });
  }

  /** Our signed announce's content, going on air now: taken after adding blocks stored since the last one. */
  announcement(now: number): IndexAnnounceMessage {
    this.#meshIndex.includeOwn(this.#ownIds());
    const { version, block_count: blockCount, root_hash: rootHash } = this.#meshIndex.summary();
    this.#sync.announced(now);
    this.#announcedRoot = rootHash;
    this.#changeAnnounceAt = undefined;
    return { type: 'index-announce', version, blockCount, rootHash };
  }

  /** Whether our announce should go now, the last one having gone at `lastAnnounceAt`: periodic, or soon after our root moved. */
  announceDue(now: number, lastAnnounceAt: number): boolean {
    if (now - lastAnnounceAt >= INDEX_ANNOUNCE_EVERY_MS) return true;
    this.#meshIndex.includeOwn(this.#ownIds());
    if (this.#announcedRoot === undefined || this.#meshIndex.summary().root_hash === this.#announcedRoot) {
      this.#changeAnnounceAt = undefined;
      return false;
    }
    this.#changeAnnounceAt ??= now + ANNOUNCE_AFTER_CHANGE_MS.min + this.#random() * ANNOUNCE_AFTER_CHANGE_MS.spread;
    return now >= Math.max(this.#changeAnnounceAt, lastAnnounceAt + ANNOUNCE_MIN_GAP_MS);
  }

  onAnnounce(peer: string, announce: IndexAnnounceMessage, now: number): MeshSyncStep {
    this.#meshIndex.includeOwn(this.#ownIds());
    return this.#step(this.#sync.onAnnounce(peer, announce, now));
  }

  onSync(peer: string, message: SyncMessage, now: number): MeshSyncStep {
    return this.#step(this.#sync.onSync(peer, message, now));
  }

  /** A sync message to `peer` in session `session` went to the radio now. */
  onAir(peer: string, session: number, now: number): void {
    this.#sync.onAir(peer, session, now);
  }

  tick(now: number): MeshSyncStep {
    return this.#step(this.#sync.tick(now));
  }

  /** Ids learned from radio peers, this run or before (the catalogue lists them after a restart). */
  learnedIds(): ContentId[] {
    return this.#meshIndex.learnedIds();
  }

  view(): MeshSyncView {
    this.#meshIndex.includeOwn(this.#ownIds());
    return { summary: this.#meshIndex.summary(), learned: this.#meshIndex.learnedCount, peers: this.#sync.peers() };
  }

  #step(output: SyncOutput): MeshSyncStep {
    let learnedIds = 0;
    for (const { ids } of output.learned) learnedIds += this.#meshIndex.learn(ids);
    if (learnedIds > 0) this.#meshIndex.save();
    return {
      send: output.send.map(({ peer, message }) => ({ to: peer, message })),
      learnedIds,
      learnedFrom: output.learned.filter(({ ids }) => ids.length > 0).map(({ peer, ids }) => ({ peer, ids })),
      rejected: output.rejected.map((rejection) => `${rejection.peer}: ${rejection.reason}${rejection.detail ? ` (${rejection.detail})` : ''}`),
    };
  }
}
