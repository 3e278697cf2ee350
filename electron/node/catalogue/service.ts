// The catalogue as the node runs it: fed by index sync (ids radio peers sent), manifests heard on air,
// IP block and storage announcements, and the node's own store; saved in the node's database so a
// restart keeps who holds what; answers `catalogue.list` and tells consoles when it changed.
import { CATALOGUE_MAX_ENTRIES, type CatalogueListRequest, type CataloguePage } from '../../../shared/contract/index.ts';
import type { Clock } from '../clock.ts';
import type { NodeDatabase } from '../db/index.ts';
import type { EventHub } from '../event-hub.ts';
import type { ReceivedAnnouncement } from '../gossip/index.ts';
import type { BlockAnnouncement, StorageAnnouncement } from '../gossip/messages.ts';
import type { BlockStore } from '../storage/index.ts';
import { decodeFileNode } from '../storage/file-node.ts';
import { Catalogue, isFileRoot, type NameLookup } from './catalogue.ts';
import { CatalogueTables } from './tables.ts';

/** A file manifest heard on air (LoRa): the radio that sent it serves that file. */
export type ManifestHeard = { radioId: string; contentId: string; size: number; name?: string; mediaType?: string };

export type CatalogueServiceOptions = {
  clock: Pick<Clock, 'now'>;
  hub: EventHub;
  store: Pick<BlockStore, 'list' | 'sizeOf' | 'get'>;
  /** Where the catalogue is kept between runs; without it, it lives in memory only. */
  database?: NodeDatabase;
  /** File names and media types where the node knows them. */
  names?: NameLookup;
  log?: (level: 'info' | 'warn', message: string) => void;
  /**
   * Fetches one block from the IP peer that announced it, checked against its id (not stored): an
   * announced large file's root, so the file is one row with its size before anyone fetches it.
   */
  fetchRoot?: (rootId: string, fromPeer: string) => Promise<Uint8Array>;
  maxEntries?: number;
};

/** Announced roots waiting to be read, at most; more wait for their next announcement. */
const MAX_ROOTS_WAITING = 64;
/** Roots asked for (by peer) are remembered, so a root a peer would not serve is not asked again. */
const MAX_ROOTS_ASKED = 5000;

/** Damaged rows named one by one up to this many at a start; the rest are counted. */
const DAMAGED_ROWS_NAMED = 10;

export class CatalogueService {
  readonly #options: CatalogueServiceOptions;
  readonly #catalogue: Catalogue;
  readonly #tables: CatalogueTables | undefined;
  /** Store changes are looked at one after another (reading a root is asynchronous). */
  #storeWork: Promise<void>;
  /** Announced roots to read from their announcer, one at a time: root id → peer. */
  readonly #rootsWaiting = new Map<string, string>();
  readonly #rootsAsked = new Set<string>();
  #readingRoot = false;

  constructor(options: CatalogueServiceOptions) {
    this.#options = options;
    this.#catalogue = new Catalogue({ maxEntries: options.maxEntries ?? CATALOGUE_MAX_ENTRIES });
    if (options.database) {
      this.#tables = new CatalogueTables(options.database);
      let damaged = 0;
      const loaded = this.#tables.load((what, why) => {
        damaged += 1;
        if (damaged <= DAMAGED_ROWS_NAMED) this.#log('warn', `a saved catalogue row (${what}) could not be read back (${why}); it was left out`);
      });
      if (damaged > DAMAGED_ROWS_NAMED) this.#log('warn', `${damaged - DAMAGED_ROWS_NAMED} more damaged catalogue rows were left out`);
      this.#catalogue.restore(loaded.entries, loaded.files);
    }
    // What the store holds at start is not news: saved files keep their place.
    this.#storeWork = this.#syncStore(false).catch((error: unknown) => this.#storeFailed(error));
  }

  /** Resolves when the store changes seen so far are in the catalogue (roots read, blocks folded). */
  settled(): Promise<void> {
    return this.#storeWork;
  }

  /** Ids in the LoRa mesh index from before this run that the catalogue does not know (which radio sent each was not kept). */
  learnedEarlier(ids: readonly string[]): void {
    this.#catalogue.noteLearnedEarlier(ids, this.#options.clock.now());
    this.#commit();
  }

  /** Ids radio peers sent by index sync: each peer holds them. */
  learned(batches: ReadonlyArray<{ peer: string; ids: readonly string[] }>): void {
    const now = this.#options.clock.now();
    for (const { peer, ids } of batches) for (const id of ids) this.#catalogue.noteLearned(id, peer, now);
    this.#commit();
  }

  /** A file manifest heard on air: size, name and a LoRa holder, before the file is here. */
  manifestHeard({ radioId, contentId, size, name, mediaType }: ManifestHeard): void {
    this.#catalogue.noteManifest(contentId, radioId, { size, ...(name ? { name } : {}), ...(mediaType ? { type: mediaType } : {}) }, this.#options.clock.now());
    this.#commit();
  }

  /** A verified IP announcement: a `block` claims one id (with its size), a `storage` lists ids held. */
  announced(message: ReceivedAnnouncement): void {
    const ids =
      message.kind === 'block' ? [(message.body as BlockAnnouncement).cid] : message.kind === 'storage' ? (message.body as StorageAnnouncement).blocks : [];
    if (message.kind === 'block') this.#catalogue.noteAnnounced(ids[0]!, message.author, (message.body as BlockAnnouncement).size, message.receivedAt);
    else for (const cid of ids) this.#catalogue.noteAnnounced(cid, message.author, undefined, message.receivedAt);
    for (const cid of ids) if (isFileRoot(cid)) this.#readRootLater(cid, message.author);
    this.#commit();
  }

  /** The store changed (a block stored or removed). */
  storeChanged(): void {
    this.#storeWork = this.#storeWork.then(() => this.#syncStore(true)).catch((error: unknown) => this.#storeFailed(error));
  }

  /** The next store change looks again: one failed look must not stop the ones after it. */
  #storeFailed(error: unknown): void {
    this.#log('warn', `the catalogue could not follow the store (${error instanceof Error ? error.message : String(error)}); it looks again at the next change`);
  }

  /** Waits for store changes already seen, so a file just stored is listed as one row with its size. */
  async list({ query, offset, limit }: CatalogueListRequest): Promise<CataloguePage> {
    await this.#storeWork;
    const page = this.#catalogue.list({ query, offset, limit }, this.#options.names);
    return {
      total: page.total,
      known: this.#catalogue.size,
      entries: page.entries.map(({ size, ...entry }) => ({ ...entry, ...(size === undefined ? {} : { size }) })),
    };
  }

  /** Roots newly held are read first, so their blocks fold into them instead of showing as rows. */
  async #syncStore(asNews: boolean): Promise<void> {
    const { store, clock } = this.#options;
    const held = store.list();
    for (const id of held) {
      if (!isFileRoot(id) || this.#catalogue.knowsFile(id)) continue;
      try {
        const file = decodeFileNode(await store.get(id));
        if (file) this.#catalogue.noteFile(id, file.size, file.blocks.map(String), clock.now());
      } catch (error) {
        // Removed meanwhile, or damaged on disk (the store says which): it is listed without its size.
        this.#log('warn', `the catalogue could not read the file root ${id}: ${(error as Error).message}`);
      }
    }
    this.#catalogue.syncHeld(held, (id) => (isFileRoot(id) ? undefined : store.sizeOf(id)), clock.now(), asNews, this.#options.names);
    this.#commit();
  }

  #readRootLater(rootId: string, peer: string): void {
    const key = `${rootId} ${peer}`;
    if (!this.#options.fetchRoot || this.#catalogue.knowsFile(rootId) || this.#rootsAsked.has(key) || this.#rootsWaiting.size >= MAX_ROOTS_WAITING) return;
    if (!this.#rootsWaiting.has(rootId)) this.#rootsWaiting.set(rootId, peer);
    void this.#readRoots();
  }

  async #readRoots(): Promise<void> {
    if (this.#readingRoot) return;
    this.#readingRoot = true;
    try {
      for (let next = this.#rootsWaiting.entries().next(); !next.done; next = this.#rootsWaiting.entries().next()) {
        const [rootId, peer] = next.value;
        this.#rootsWaiting.delete(rootId);
        this.#rootsAsked.add(`${rootId} ${peer}`);
        if (this.#rootsAsked.size > MAX_ROOTS_ASKED) this.#rootsAsked.delete(this.#rootsAsked.values().next().value!);
        if (this.#catalogue.knowsFile(rootId)) continue;
        try {
          const file = decodeFileNode(await this.#options.fetchRoot!(rootId, peer));
          if (!file) {
            this.#log('warn', `${peer} announced ${rootId}, which is no file root; it stays listed without a size`);
            continue;
          }
          this.#catalogue.noteFile(rootId, file.size, file.blocks.map(String), this.#options.clock.now());
          this.#commit();
        } catch (error) {
          this.#log('info', `the root of ${rootId} could not be read from ${peer} (${(error as Error).message}); it stays listed without a size`);
        }
      }
    } finally {
      this.#readingRoot = false;
    }
  }

  /** Saves what changed and tells consoles. A failed save (a full disk) costs the saved copy, not the node. */
  #commit(): void {
    const changes = this.#catalogue.takeChanges();
    if (changes.saved.length + changes.holders.length + changes.droppedHolders.length + changes.removed.length + changes.files.length === 0) return;
    try {
      this.#tables?.save(changes);
    } catch (error) {
      this.#log('warn', `the catalogue could not be saved (${(error as Error).message}); the catalogue goes on in memory, and a restart may lose this news`);
    }
    this.#options.hub.emit('catalogue.changed', { known: this.#catalogue.size, at: this.#options.clock.now() });
  }

  #log(level: 'info' | 'warn', message: string): void {
    this.#options.log?.(level, message);
  }
}
