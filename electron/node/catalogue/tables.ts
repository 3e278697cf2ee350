// The catalogue's tables in the node's database, so a restart keeps who holds what: one row per file,
// its holders (radio or IP peer, when last seen) and, for a large file whose root was read here, the
// blocks folded into it. Bounded by the catalogue: what it drops is deleted here. A row that does not
// read back as valid is left out, named in the log, and deleted; the node keeps running.
import type { NodeDatabase } from '../db/index.ts';
import { parseContentId } from '../storage/content-id.ts';
import type { CatalogueChanges, CatalogueHolder, SavedEntry } from './catalogue.ts';

const MIGRATIONS = [
  `CREATE TABLE catalogue_entries (
     content_id TEXT PRIMARY KEY,
     size INTEGER,
     size_exact INTEGER NOT NULL,
     name TEXT,
     media_type TEXT,
     blocks INTEGER,
     learned_over_lora INTEGER NOT NULL,
     last_seen INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE catalogue_holders (
     content_id TEXT NOT NULL REFERENCES catalogue_entries (content_id) ON DELETE CASCADE,
     transport TEXT NOT NULL,
     node_id TEXT NOT NULL,
     last_seen INTEGER NOT NULL,
     PRIMARY KEY (content_id, transport, node_id)
   ) STRICT;
   CREATE TABLE catalogue_blocks (
     block_id TEXT PRIMARY KEY,
     root_id TEXT NOT NULL REFERENCES catalogue_entries (content_id) ON DELETE CASCADE
   ) STRICT;
   CREATE INDEX catalogue_blocks_by_root ON catalogue_blocks (root_id);`,
] as const;

type EntryRow = {
  content_id: string;
  size: number | null;
  size_exact: number;
  name: string | null;
  media_type: string | null;
  blocks: number | null;
  learned_over_lora: number;
  last_seen: number;
};
type HolderRow = { content_id: string; transport: string; node_id: string; last_seen: number };
type BlockRow = { block_id: string; root_id: string };

export type LoadedCatalogue = { entries: SavedEntry[]; files: Array<{ root: string; blocks: string[] }> };

/** Names a row left out and why. */
export type DamagedRow = (what: string, why: string) => void;

export class CatalogueTables {
  readonly #database: NodeDatabase;

  constructor(database: NodeDatabase) {
    this.#database = database;
    database.migrate('catalogue', MIGRATIONS);
  }

  /** Everything saved, oldest news first; damaged rows are reported, deleted and left out. */
  load(damaged: DamagedRow): LoadedCatalogue {
    const { sql } = this.#database;
    const holders = new Map<string, CatalogueHolder[]>();
    const badHolders: HolderRow[] = [];
    for (const row of sql.prepare('SELECT content_id, transport, node_id, last_seen FROM catalogue_holders ORDER BY last_seen').all() as HolderRow[]) {
      const why = holderProblem(row);
      if (why) {
        damaged(`holder ${row.node_id} of ${row.content_id}`, why);
        badHolders.push(row);
        continue;
      }
      const list = holders.get(row.content_id) ?? [];
      list.push({ transport: row.transport as CatalogueHolder['transport'], nodeId: row.node_id, lastSeen: row.last_seen });
      holders.set(row.content_id, list);
    }
    const entries: SavedEntry[] = [];
    const badEntries: string[] = [];
    for (const row of sql.prepare('SELECT * FROM catalogue_entries ORDER BY last_seen, rowid').all() as EntryRow[]) {
      const why = entryProblem(row);
      if (why) {
        damaged(`entry ${row.content_id}`, why);
        badEntries.push(row.content_id);
        continue;
      }
      entries.push({
        contentId: row.content_id,
        size: row.size ?? undefined,
        sizeExact: row.size_exact === 1,
        name: row.name ?? undefined,
        type: row.media_type ?? undefined,
        blocks: row.blocks ?? undefined,
        learnedOverLora: row.learned_over_lora === 1,
        lastSeen: row.last_seen,
        holders: holders.get(row.content_id) ?? [],
      });
    }
    const files = new Map<string, string[]>();
    const badBlocks: string[] = [];
    for (const row of sql.prepare('SELECT block_id, root_id FROM catalogue_blocks ORDER BY rowid').all() as BlockRow[]) {
      if (!isContentId(row.block_id)) {
        damaged(`block ${row.block_id} of ${row.root_id}`, 'not a content id');
        badBlocks.push(row.block_id);
        continue;
      }
      const list = files.get(row.root_id) ?? [];
      list.push(row.block_id);
      files.set(row.root_id, list);
    }
    if (badHolders.length + badEntries.length + badBlocks.length > 0) {
      this.#database.transaction(() => {
        const dropHolder = sql.prepare('DELETE FROM catalogue_holders WHERE content_id = ? AND transport = ? AND node_id = ?');
        for (const row of badHolders) dropHolder.run(row.content_id, row.transport, row.node_id);
        const dropEntry = sql.prepare('DELETE FROM catalogue_entries WHERE content_id = ?');
        for (const id of badEntries) dropEntry.run(id);
        const dropBlock = sql.prepare('DELETE FROM catalogue_blocks WHERE block_id = ?');
        for (const id of badBlocks) dropBlock.run(id);
      });
    }
    return { entries, files: [...files].map(([root, blocks]) => ({ root, blocks })) };
  }

  /** Saves what changed, in one transaction. */
  save({ saved, holders, droppedHolders, removed, files }: CatalogueChanges): void {
    if (saved.length + holders.length + droppedHolders.length + removed.length + files.length === 0) return;
    const { sql } = this.#database;
    this.#database.transaction(() => {
      const drop = sql.prepare('DELETE FROM catalogue_entries WHERE content_id = ?');
      for (const id of removed) drop.run(id);
      const upsert = sql.prepare(
        `INSERT INTO catalogue_entries (content_id, size, size_exact, name, media_type, blocks, learned_over_lora, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (content_id) DO UPDATE SET size = excluded.size, size_exact = excluded.size_exact, name = excluded.name, media_type = excluded.media_type,
           blocks = excluded.blocks, learned_over_lora = excluded.learned_over_lora, last_seen = excluded.last_seen`,
      );
      for (const entry of saved) {
        upsert.run(entry.contentId, entry.size ?? null, entry.sizeExact ? 1 : 0, entry.name ?? null, entry.type ?? null, entry.blocks ?? null, entry.learnedOverLora ? 1 : 0, Math.round(entry.lastSeen));
      }
      const dropHolder = sql.prepare('DELETE FROM catalogue_holders WHERE content_id = ? AND transport = ? AND node_id = ?');
      for (const { contentId, transport, nodeId } of droppedHolders) dropHolder.run(contentId, transport, nodeId);
      const addHolder = sql.prepare(
        'INSERT INTO catalogue_holders (content_id, transport, node_id, last_seen) VALUES (?, ?, ?, ?) ON CONFLICT (content_id, transport, node_id) DO UPDATE SET last_seen = excluded.last_seen',
      );
      for (const { contentId, holder } of holders) addHolder.run(contentId, holder.transport, holder.nodeId, Math.round(holder.lastSeen));
      const addBlock = sql.prepare('INSERT INTO catalogue_blocks (block_id, root_id) VALUES (?, ?) ON CONFLICT (block_id) DO UPDATE SET root_id = excluded.root_id');
      for (const { root, blocks } of files) for (const block of blocks) addBlock.run(block, root);
    });
  }
}

function isContentId(id: unknown): boolean {
  if (typeof id !== 'string') return false;
  try {
    parseContentId(id);
    return true;
  } catch {
    return false;
  }
}

const isCount = (value: unknown) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
const isFlag = (value: unknown) => value === 0 || value === 1;

function entryProblem(row: EntryRow): string | undefined {
  if (!isContentId(row.content_id)) return 'not a content id';
  if (row.size !== null && !isCount(row.size)) return `size ${row.size} is not a byte count`;
  if (row.blocks !== null && !isCount(row.blocks)) return `block count ${row.blocks} is not a count`;
  if (!isFlag(row.size_exact) || !isFlag(row.learned_over_lora)) return 'a yes/no column holds something else';
  if (!isCount(row.last_seen)) return `last seen ${row.last_seen} is not a time`;
  return undefined;
}

function holderProblem(row: HolderRow): string | undefined {
  if (row.transport !== 'lora' && row.transport !== 'ip') return `transport "${row.transport}" is neither LoRa nor IP`;
  if (row.node_id.length === 0) return 'no node id';
  if (!isCount(row.last_seen)) return `last seen ${row.last_seen} is not a time`;
  return undefined;
}
