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

export class MeshSync {
  readonly #meshIndex: MeshIndex;
  readonly #sync: IndexSync;
  readonly #ownIds: () => Iterable<ContentId>;

  constructor(options: { indexFile: string; ownIds: () => Iterable<ContentId>; random: () => number; onProblem: (problem: MeshIndexProblem) => void }) {
    const { meshIndex, problem } = MeshIndex.open(options.indexFile);
    if (problem) options.onProblem(problem);
    this.#meshIndex = meshIndex;
    this.#ownIds = options.ownIds;
    this.#meshIndex.includeOwn(options.ownIds());
    this.#sync = new IndexSync({ index: meshIndex.index, random: options.random });
  }

  /** Our signed announce's content, going on air now: taken after adding blocks stored since the last one. */
  announcement(now: number): IndexAnnounceMessage {
    this.#meshIndex.includeOwn(this.#ownIds());
    const { version, block_count: blockCount, root_hash: rootHash } = this.#meshIndex.summary();
    this.#sync.announced(now);
    return { type: 'index-announce', version, blockCount, rootHash };
  }

  onAnnounce(peer: string, announce: IndexAnnounceMessage, now: number): MeshSyncStep {
    this.#meshIndex.includeOwn(this.#ownIds());
    return this.#step(this.#sync.onAnnounce(peer, announce, now));
  }

  onSync(peer: string, message: SyncMessage, now: number): MeshSyncStep {
    return this.#step(this.#sync.onSync(peer, message, now));
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
