// The catalogue: every file this node knows of, merged from its own store, the LoRa mesh index (ids
// learned from radio peers by index sync), file manifests heard on air and IP announcements, with
// who holds each. Pure: times are passed in, names come from an optional lookup, and what changed is
// handed out (`takeChanges`) for the caller to save. Bounded: the newest `maxEntries` files (by last
// news of them) are kept; a flood of announcements pushes out the oldest.
//
// One row per file: a file over 1 MiB is a dag-cbor root listing its 1 MiB raw blocks (see
// storage/FORMAT.md). Once a root's bytes have been read here (`noteFile`), its blocks are folded
// into it: they are no rows of their own, and news of them is not news of a file.

import { CATALOGUE_MAX_ENTRIES } from '../../../shared/contract/catalogue.ts';
import { DAG_CBOR_CODEC, parseContentId } from '../storage/content-id.ts';

export type HolderTransport = 'lora' | 'ip';

/** Who said they hold an id: a radio (`!xxxxxxxx`, by index sync or a manifest) or an IP peer (libp2p peer id, announced). */
export type CatalogueHolder = { transport: HolderTransport; nodeId: string; lastSeen: number };

export type CatalogueEntry = {
  contentId: string;
  /** The file's bytes: exact when its bytes (or its root) were here, else the size a peer claimed; undefined when nobody said. */
  size: number | undefined;
  sizeClaimed: boolean;
  /** A file over 1 MiB (its id is a root listing 1 MiB blocks). */
  largeFile: boolean;
  /** How many 1 MiB blocks, once the root's bytes were read here. */
  blocks?: number;
  /** File name and media type when a name source or a manifest heard knows them. */
  name?: string;
  type?: string;
  /** Newest first. */
  holders: CatalogueHolder[];
  heldHere: boolean;
  /** Learned from radio peers (index sync or a manifest heard): requestable over LoRa even when `holders` does not say who. */
  learnedOverLora: boolean;
  /** Last news of this file (ms). */
  lastSeen: number;
};

/** What a name source knows of an id (the node's `file_names`). */
export type NameLookup = (contentId: string) => { name?: string; type?: string } | undefined;

export type CatalogueQuery = { query?: string; limit: number; offset: number };

export type CataloguePage = { total: number; entries: CatalogueEntry[] };

/** One file as it is saved: everything but "held here", which the store says at each start. */
export type SavedEntry = {
  contentId: string;
  size: number | undefined;
  sizeExact: boolean;
  name: string | undefined;
  type: string | undefined;
  blocks: number | undefined;
  learnedOverLora: boolean;
  lastSeen: number;
  /** Oldest first. */
  holders: CatalogueHolder[];
};

/** What changed since the last `takeChanges`: entries to save (without holders), holders heard or dropped, ids gone, block lists learned. */
export type CatalogueChanges = {
  saved: Array<Omit<SavedEntry, 'holders'>>;
  holders: Array<{ contentId: string; holder: CatalogueHolder }>;
  droppedHolders: Array<{ contentId: string; transport: HolderTransport; nodeId: string }>;
  removed: string[];
  files: Array<{ root: string; blocks: string[] }>;
};

export const DEFAULT_MAX_ENTRIES = CATALOGUE_MAX_ENTRIES;
/** Holders kept per id; the most recently seen stay. */
export const MAX_HOLDERS_PER_ENTRY = 16;
/**
 * Blocks folded into their files, over all files: about 200 GB of large files. A root beyond it keeps
 * its size but its blocks stay rows of their own (bounds memory and the saved table).
 */
export const MAX_FOLDED_BLOCKS = 200_000;

type Record = {
  size: number | undefined;
  sizeExact: boolean;
  largeFile: boolean;
  blocks: number | undefined;
  name: string | undefined;
  type: string | undefined;
  holders: Map<string, CatalogueHolder>;
  heldHere: boolean;
  learnedOverLora: boolean;
  lastSeen: number;
};

const holderKey = (transport: HolderTransport, nodeId: string) => `${transport}:${nodeId}`;

/** A dag-cbor id is a large file's root; a raw one is a whole small file, or a block of a large one. */
export function isFileRoot(contentId: string): boolean {
  try {
    return parseContentId(contentId).code === DAG_CBOR_CODEC;
  } catch {
    // Ids are checked where they enter the node; one that does not parse is no root.
    return false;
  }
}

export class Catalogue {
  readonly #maxEntries: number;
  /** Insertion order is oldest news first: an update re-inserts, trimming drops from the front. */
  readonly #records = new Map<string, Record>();
  /** The store's ids at the last `syncHeld`. */
  #held = new Set<string>();
  /** Block id → the root it belongs to, for roots whose bytes were read here. */
  readonly #partOf = new Map<string, string>();
  /** Root id → its blocks (to unfold them when the root goes). */
  readonly #blocksOf = new Map<string, string[]>();
  readonly #dirty = new Set<string>();
  /** Per id, holders heard (or dropped: null) since the last `takeChanges`. */
  readonly #holderChanges = new Map<string, Map<string, CatalogueHolder | null>>();
  readonly #removed = new Set<string>();
  #newFiles: Array<{ root: string; blocks: string[] }> = [];

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  /** Files listed (blocks folded into their files do not count). */
  get size(): number {
    return this.#records.size;
  }

  /** Whether a root's block list is known (its bytes were read here). */
  knowsFile(rootId: string): boolean {
    return this.#blocksOf.has(rootId);
  }

  /**
   * Entries saved before (oldest news first), and the block lists of saved roots. Not news: nothing
   * is marked to save again. Entries beyond the bound are left out.
   */
  restore(entries: readonly SavedEntry[], files: ReadonlyArray<{ root: string; blocks: string[] }>): void {
    for (const saved of entries.slice(-this.#maxEntries)) {
      const record = this.#newRecord(saved.contentId, saved.lastSeen);
      Object.assign(record, { size: saved.size, sizeExact: saved.sizeExact, name: saved.name, type: saved.type, blocks: saved.blocks, learnedOverLora: saved.learnedOverLora });
      for (const holder of saved.holders.slice(-MAX_HOLDERS_PER_ENTRY)) record.holders.set(holderKey(holder.transport, holder.nodeId), holder);
      this.#records.delete(saved.contentId);
      this.#records.set(saved.contentId, record);
    }
    for (const { root, blocks } of files) if (this.#records.has(root)) this.#fold(root, blocks);
  }

  /**
   * This node's store holds the id; `size` is exact (undefined for a root: its file size comes from
   * `noteFile`). `name`: what the node calls it, kept so a search finds it without asking again.
   */
  noteHeld(contentId: string, size: number | undefined, at: number, asNews = true, name?: { name?: string; type?: string }): void {
    const record = asNews ? this.#touch(contentId, at) : this.#quiet(contentId, at);
    record.heldHere = true;
    if (size !== undefined) this.#setSize(record, size, true);
    if (name?.name) this.#setName(record, name.name, name.type);
    this.#dirty.add(contentId);
  }

  /** A radio peer has the id in its index (learned by index sync). */
  noteLearned(contentId: string, radioId: string, at: number): void {
    if (this.#partOf.has(contentId)) return;
    const record = this.#touch(contentId, at);
    record.learnedOverLora = true;
    this.#addHolder(contentId, record, { transport: 'lora', nodeId: radioId, lastSeen: at });
  }

  /**
   * Ids in the LoRa mesh index from before the catalogue was saved, whose radio was not kept: they
   * fill the room left, as the oldest news, and never push out a file known better.
   */
  noteLearnedEarlier(contentIds: readonly string[], at: number): void {
    const unknown = contentIds.filter((id) => !this.#records.has(id) && !this.#partOf.has(id)).slice(0, Math.max(0, this.#maxEntries - this.#records.size));
    if (unknown.length === 0) return;
    const newer = [...this.#records];
    this.#records.clear();
    for (const id of unknown) {
      const record = this.#newRecord(id, at);
      record.learnedOverLora = true;
      this.#records.set(id, record);
      this.#dirty.add(id);
    }
    for (const [id, record] of newer) this.#records.set(id, record);
  }

  /** An IP peer announced it holds the id, with the size it claims when the announcement says. */
  noteAnnounced(contentId: string, peerId: string, claimedSize: number | undefined, at: number): void {
    if (this.#partOf.has(contentId)) return;
    const record = this.#touch(contentId, at);
    this.#addHolder(contentId, record, { transport: 'ip', nodeId: peerId, lastSeen: at });
    // A root's announced size is the root node's, not the file's.
    if (claimedSize !== undefined && !record.largeFile) this.#setSize(record, claimedSize, false);
  }

  /** A radio's manifest heard on air: that radio serves the file, of this size and name. */
  noteManifest(contentId: string, radioId: string, file: { size: number; name?: string; type?: string }, at: number): void {
    if (this.#partOf.has(contentId)) return;
    const record = this.#touch(contentId, at);
    record.learnedOverLora = true;
    this.#addHolder(contentId, record, { transport: 'lora', nodeId: radioId, lastSeen: at });
    this.#setSize(record, file.size, false);
    if (file.name) this.#setName(record, file.name, file.type);
  }

  /**
   * A root's bytes were read here (from the store, or fetched and checked against its id): the file's
   * size is exact and its blocks fold into it. Creates the entry when it is not known yet.
   */
  noteFile(rootId: string, size: number, blocks: readonly string[], at: number): void {
    const record = this.#quiet(rootId, at);
    record.blocks = blocks.length;
    this.#setSize(record, size, true);
    this.#dirty.add(rootId);
    if (this.#blocksOf.has(rootId) || this.#partOf.size + blocks.length > MAX_FOLDED_BLOCKS) return;
    this.#fold(rootId, blocks);
    this.#newFiles.push({ root: rootId, blocks: [...blocks] });
  }

  /**
   * Brings "held here" in line with the store's ids: ids newly stored are news at `at` (unless
   * `asNews` is false: the first look after a start), ids no longer held lose the mark (and go when
   * nobody else holds them). Only changes since the last call count, so a store larger than the bound
   * does not push the same ids in again each time. `sizeOf` is undefined for roots. Returns whether
   * anything changed.
   */
  syncHeld(heldIds: Iterable<string>, sizeOf: (contentId: string) => number | undefined, at: number, asNews = true, names?: NameLookup): boolean {
    const held = new Set(heldIds);
    let changed = false;
    for (const id of this.#held) {
      if (held.has(id)) continue;
      changed = true;
      const record = this.#records.get(id);
      if (!record) continue;
      record.heldHere = false;
      this.#dirty.add(id);
      if (record.holders.size === 0 && !record.learnedOverLora) this.#remove(id);
    }
    for (const id of held) {
      if (this.#held.has(id) || this.#partOf.has(id)) continue;
      changed = true;
      this.noteHeld(id, sizeOf(id), at, asNews, names?.(id));
    }
    this.#held = held;
    return changed;
  }

  /**
   * Newest news first; `query` matches a substring of the id or of the name kept with it, ignoring
   * case. Entries are built for the page only, with names from `names` where it knows them.
   */
  list({ query, limit, offset }: CatalogueQuery, names?: NameLookup): CataloguePage {
    const needle = query?.trim().toLowerCase() ?? '';
    const entries: CatalogueEntry[] = [];
    let total = 0;
    const ids = [...this.#records.keys()];
    for (let i = ids.length - 1; i >= 0; i--) {
      const id = ids[i]!;
      const record = this.#records.get(id)!;
      // Content ids are lower-case base32.
      if (needle && !id.includes(needle) && !record.name?.toLowerCase().includes(needle)) continue;
      if (total >= offset && entries.length < limit) entries.push(this.#entry(id, record, names));
      total++;
    }
    return { total, entries };
  }

  /** One id's entry, or undefined when the catalogue does not list it. */
  get(contentId: string, names?: NameLookup): CatalogueEntry | undefined {
    const record = this.#records.get(contentId);
    return record ? this.#entry(contentId, record, names) : undefined;
  }

  /** What changed since the last call, for saving; clears it. */
  takeChanges(): CatalogueChanges {
    const changes: CatalogueChanges = { saved: [], holders: [], droppedHolders: [], removed: [...this.#removed], files: this.#newFiles.filter(({ root }) => this.#records.has(root)) };
    for (const id of this.#dirty) {
      const record = this.#records.get(id);
      if (!record) continue;
      const { size, sizeExact, name, type, blocks, learnedOverLora, lastSeen } = record;
      changes.saved.push({ contentId: id, size, sizeExact, name, type, blocks, learnedOverLora, lastSeen });
    }
    for (const [contentId, holders] of this.#holderChanges) {
      for (const [key, holder] of holders) {
        if (holder) changes.holders.push({ contentId, holder });
        else {
          const [transport, nodeId] = [key.slice(0, key.indexOf(':')) as HolderTransport, key.slice(key.indexOf(':') + 1)];
          changes.droppedHolders.push({ contentId, transport, nodeId });
        }
      }
    }
    this.#holderChanges.clear();
    this.#dirty.clear();
    this.#removed.clear();
    this.#newFiles = [];
    return changes;
  }

  #entry(contentId: string, record: Record, names: NameLookup | undefined): CatalogueEntry {
    const looked = names?.(contentId);
    const known = looked?.name ? looked : { name: record.name, type: record.type };
    return {
      contentId,
      size: record.size,
      sizeClaimed: record.size !== undefined && !record.sizeExact,
      largeFile: record.largeFile,
      ...(record.blocks === undefined ? {} : { blocks: record.blocks }),
      ...(known?.name ? { name: known.name } : {}),
      ...(known?.type ? { type: known.type } : {}),
      holders: [...record.holders.values()].sort((a, b) => b.lastSeen - a.lastSeen),
      heldHere: record.heldHere,
      learnedOverLora: record.learnedOverLora,
      lastSeen: record.lastSeen,
    };
  }

  #setSize(record: Record, size: number, exact: boolean): void {
    if (record.sizeExact && !exact) return;
    record.size = size;
    record.sizeExact = exact;
  }

  #setName(record: Record, name: string, type: string | undefined): void {
    record.name = name;
    record.type = type;
  }

  #newRecord(contentId: string, at: number): Record {
    return {
      size: undefined,
      sizeExact: false,
      largeFile: isFileRoot(contentId),
      blocks: undefined,
      name: undefined,
      type: undefined,
      holders: new Map(),
      heldHere: false,
      learnedOverLora: false,
      lastSeen: at,
    };
  }

  /** News of an id: it moves to the newest end. */
  #touch(contentId: string, at: number): Record {
    let record = this.#records.get(contentId);
    if (record) this.#records.delete(contentId);
    else record = this.#newRecord(contentId, at);
    record.lastSeen = Math.max(record.lastSeen, at);
    this.#records.set(contentId, record);
    this.#dirty.add(contentId);
    this.#trim();
    return record;
  }

  /** An id's record without news of it: a known one keeps its place. */
  #quiet(contentId: string, at: number): Record {
    return this.#records.get(contentId) ?? this.#touch(contentId, at);
  }

  #trim(): void {
    while (this.#records.size > this.#maxEntries) this.#remove(this.#records.keys().next().value!);
  }

  #remove(contentId: string): void {
    this.#records.delete(contentId);
    this.#dirty.delete(contentId);
    this.#holderChanges.delete(contentId);
    this.#removed.add(contentId);
    const blocks = this.#blocksOf.get(contentId);
    if (!blocks) return;
    this.#blocksOf.delete(contentId);
    for (const block of blocks) if (this.#partOf.get(block) === contentId) this.#partOf.delete(block);
  }

  /** The root's blocks are no rows of their own from now on. */
  #fold(rootId: string, blocks: readonly string[]): void {
    this.#blocksOf.set(rootId, [...blocks]);
    for (const block of blocks) {
      this.#partOf.set(block, rootId);
      if (this.#records.has(block)) this.#remove(block);
    }
  }

  #addHolder(contentId: string, record: Record, holder: CatalogueHolder): void {
    const key = holderKey(holder.transport, holder.nodeId);
    record.holders.delete(key);
    record.holders.set(key, holder);
    let changes = this.#holderChanges.get(contentId);
    if (!changes) this.#holderChanges.set(contentId, (changes = new Map()));
    changes.set(key, holder);
    if (record.holders.size > MAX_HOLDERS_PER_ENTRY) {
      const oldest = record.holders.keys().next().value!;
      record.holders.delete(oldest);
      changes.set(oldest, null);
    }
  }
}
