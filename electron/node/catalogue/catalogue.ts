// The catalogue: every content id this node knows of, merged from its own store, the LoRa mesh
// index (ids learned from radio peers by index sync) and IP block announcements, with who holds
// each. Pure: times are passed in, names come from an optional lookup. Bounded: the newest
// `maxEntries` ids (by last news of them) are kept; a flood of announcements pushes out the oldest.

import { CATALOGUE_MAX_ENTRIES } from '../../../shared/contract/catalogue.ts';

export type HolderTransport = 'lora' | 'ip';

/** Who said they hold an id: a radio (`!xxxxxxxx`, learned by index sync) or an IP peer (libp2p peer id, announced). */
export type CatalogueHolder = { transport: HolderTransport; nodeId: string; lastSeen: number };

export type CatalogueEntry = {
  contentId: string;
  /** Bytes: exact when held here, else the size a peer claimed; undefined when nobody said. */
  size: number | undefined;
  sizeClaimed: boolean;
  /** File name and media type when a name source knows them. */
  name?: string;
  type?: string;
  /** Newest first. */
  holders: CatalogueHolder[];
  heldHere: boolean;
  /** Learned from radio peers by index sync (this run, or before a restart when `holders` may not say who). */
  learnedOverLora: boolean;
  /** Last news of this id (ms). */
  lastSeen: number;
};

/** What a name source knows of an id (plugs in when file names are stored). */
export type NameLookup = (contentId: string) => { name?: string; type?: string } | undefined;

export type CatalogueQuery = { query?: string; limit: number; offset: number };

export type CataloguePage = { total: number; entries: CatalogueEntry[] };

export const DEFAULT_MAX_ENTRIES = CATALOGUE_MAX_ENTRIES;
/** Holders kept per id; the most recently seen stay. */
export const MAX_HOLDERS_PER_ENTRY = 16;

type Record = {
  size: number | undefined;
  sizeClaimed: boolean;
  holders: Map<string, CatalogueHolder>;
  heldHere: boolean;
  learnedOverLora: boolean;
  lastSeen: number;
};

const holderKey = (transport: HolderTransport, nodeId: string) => `${transport}:${nodeId}`;

export class Catalogue {
  readonly #maxEntries: number;
  /** Insertion order is oldest news first: an update re-inserts, trimming drops from the front. */
  readonly #records = new Map<string, Record>();
  /** The store's ids at the last `syncHeld`. */
  #held = new Set<string>();

  constructor(options: { maxEntries?: number } = {}) {
    this.#maxEntries = options.maxEntries ?? DEFAULT_MAX_ENTRIES;
  }

  get size(): number {
    return this.#records.size;
  }

  /** This node's store holds the id (size exact). */
  noteHeld(contentId: string, size: number, at: number): void {
    const record = this.#touch(contentId, at);
    record.heldHere = true;
    record.size = size;
    record.sizeClaimed = false;
  }

  /** A radio peer has the id in its index (learned by index sync). */
  noteLearned(contentId: string, radioId: string, at: number): void {
    const record = this.#touch(contentId, at);
    record.learnedOverLora = true;
    this.#addHolder(record, { transport: 'lora', nodeId: radioId, lastSeen: at });
  }

  /** An id in the LoRa mesh index learned before this run: which radio sent it was not kept. */
  noteLearnedEarlier(contentId: string, at: number): void {
    this.#touch(contentId, at).learnedOverLora = true;
  }

  /** An IP peer announced it holds the id, with the size it claims when the announcement says. */
  noteAnnounced(contentId: string, peerId: string, claimedSize: number | undefined, at: number): void {
    const record = this.#touch(contentId, at);
    this.#addHolder(record, { transport: 'ip', nodeId: peerId, lastSeen: at });
    if (!record.heldHere && claimedSize !== undefined) {
      record.size = claimedSize;
      record.sizeClaimed = true;
    }
  }

  /**
   * Brings "held here" in line with the store's ids: ids newly stored are news at `at`, ids no longer
   * held lose the mark (and go when nobody else holds them). Only changes since the last call count,
   * so a store larger than the bound does not push the same ids in again each time. Returns whether
   * anything changed.
   */
  syncHeld(heldIds: Iterable<string>, sizeOf: (contentId: string) => number | undefined, at: number): boolean {
    const held = new Set(heldIds);
    let changed = false;
    for (const id of this.#held) {
      if (held.has(id)) continue;
      changed = true;
      const record = this.#records.get(id);
      if (!record) continue;
      record.heldHere = false;
      if (record.holders.size === 0 && !record.learnedOverLora) this.#records.delete(id);
    }
    for (const id of held) {
      if (this.#held.has(id)) continue;
      changed = true;
      this.noteHeld(id, sizeOf(id) ?? 0, at);
    }
    this.#held = held;
    return changed;
  }

  /** Newest news first; `query` matches a substring of the id or the name, ignoring case. */
  list({ query, limit, offset }: CatalogueQuery, names?: NameLookup): CataloguePage {
    const needle = query?.trim().toLowerCase() ?? '';
    const matches: CatalogueEntry[] = [];
    const ids = [...this.#records.keys()].reverse();
    for (const id of ids) {
      const entry = this.#entry(id, this.#records.get(id)!, names);
      if (needle && !id.toLowerCase().includes(needle) && !entry.name?.toLowerCase().includes(needle)) continue;
      matches.push(entry);
    }
    return { total: matches.length, entries: matches.slice(offset, offset + limit) };
  }

  /** One id's entry, or undefined when the catalogue does not know it. */
  get(contentId: string, names?: NameLookup): CatalogueEntry | undefined {
    const record = this.#records.get(contentId);
    return record ? this.#entry(contentId, record, names) : undefined;
  }

  #entry(contentId: string, record: Record, names: NameLookup | undefined): CatalogueEntry {
    const known = names?.(contentId);
    return {
      contentId,
      size: record.size,
      sizeClaimed: record.sizeClaimed,
      ...(known?.name ? { name: known.name } : {}),
      ...(known?.type ? { type: known.type } : {}),
      holders: [...record.holders.values()].sort((a, b) => b.lastSeen - a.lastSeen),
      heldHere: record.heldHere,
      learnedOverLora: record.learnedOverLora,
      lastSeen: record.lastSeen,
    };
  }

  #touch(contentId: string, at: number): Record {
    let record = this.#records.get(contentId);
    if (record) this.#records.delete(contentId);
    else record = { size: undefined, sizeClaimed: false, holders: new Map(), heldHere: false, learnedOverLora: false, lastSeen: at };
    record.lastSeen = Math.max(record.lastSeen, at);
    this.#records.set(contentId, record);
    while (this.#records.size > this.#maxEntries) this.#records.delete(this.#records.keys().next().value!);
    return record;
  }

  #addHolder(record: Record, holder: CatalogueHolder): void {
    const key = holderKey(holder.transport, holder.nodeId);
    record.holders.delete(key);
    record.holders.set(key, holder);
    if (record.holders.size > MAX_HOLDERS_PER_ENTRY) record.holders.delete(record.holders.keys().next().value!);
  }
}
