// The catalogue as the node runs it: fed by index sync (ids radio peers sent), IP block and storage
// announcements, and the node's own store; answers `catalogue.list` and tells consoles when it changed.
import { CATALOGUE_MAX_ENTRIES, type CatalogueListRequest, type CataloguePage } from '../../../shared/contract/index.ts';
import type { Clock } from '../clock.ts';
import type { EventHub } from '../event-hub.ts';
import type { ReceivedAnnouncement } from '../gossip/index.ts';
import type { BlockAnnouncement, StorageAnnouncement } from '../gossip/messages.ts';
import type { BlockStore } from '../storage/index.ts';
import { Catalogue, type NameLookup } from './catalogue.ts';

export type CatalogueServiceOptions = {
  clock: Pick<Clock, 'now'>;
  hub: EventHub;
  store: Pick<BlockStore, 'list' | 'sizeOf'>;
  /** File names and media types where the node knows them. */
  names?: NameLookup;
  maxEntries?: number;
};

export class CatalogueService {
  readonly #options: CatalogueServiceOptions;
  readonly #catalogue: Catalogue;

  constructor(options: CatalogueServiceOptions) {
    this.#options = options;
    this.#catalogue = new Catalogue({ maxEntries: options.maxEntries ?? CATALOGUE_MAX_ENTRIES });
    this.#catalogue.syncHeld(options.store.list(), (id) => options.store.sizeOf(id), options.clock.now());
  }

  /** Ids in the LoRa mesh index from before this run (which radio sent each was not kept). */
  learnedEarlier(ids: readonly string[]): void {
    const now = this.#options.clock.now();
    for (const id of ids) this.#catalogue.noteLearnedEarlier(id, now);
    if (ids.length > 0) this.#changed();
  }

  /** Ids radio peers sent by index sync: each peer holds them. */
  learned(batches: ReadonlyArray<{ peer: string; ids: readonly string[] }>): void {
    const now = this.#options.clock.now();
    for (const { peer, ids } of batches) for (const id of ids) this.#catalogue.noteLearned(id, peer, now);
    this.#changed();
  }

  /** A verified IP announcement: a `block` claims one id (with its size), a `storage` lists ids held. */
  announced(message: ReceivedAnnouncement): void {
    if (message.kind === 'block') {
      const body = message.body as BlockAnnouncement;
      this.#catalogue.noteAnnounced(body.cid, message.author, body.size, message.receivedAt);
    } else if (message.kind === 'storage') {
      const body = message.body as StorageAnnouncement;
      if (body.blocks.length === 0) return;
      for (const cid of body.blocks) this.#catalogue.noteAnnounced(cid, message.author, undefined, message.receivedAt);
    } else return;
    this.#changed();
  }

  /** The store changed (a block stored or removed). */
  storeChanged(): void {
    const { store, clock } = this.#options;
    if (this.#catalogue.syncHeld(store.list(), (id) => store.sizeOf(id), clock.now())) this.#changed();
  }

  list({ query, offset, limit }: CatalogueListRequest): CataloguePage {
    const page = this.#catalogue.list({ query, offset, limit }, this.#options.names);
    return {
      total: page.total,
      known: this.#catalogue.size,
      entries: page.entries.map(({ size, ...entry }) => ({ ...entry, ...(size === undefined ? {} : { size }) })),
    };
  }

  #changed(): void {
    this.#options.hub.emit('catalogue.changed', { known: this.#catalogue.size, at: this.#options.clock.now() });
  }
}
