import { z } from 'zod';
import { ContentId } from './storage.ts';

/** Ids the catalogue keeps: the newest news first; older ones drop out beyond this. */
export const CATALOGUE_MAX_ENTRIES = 5000;

/** Who holds an id: a radio (`!xxxxxxxx`, learned over LoRa by index sync) or an IP peer (libp2p peer id, announced). */
export const CatalogueHolder = z.object({
  transport: z.enum(['lora', 'ip']),
  nodeId: z.string(),
  /** When this holder last told us (ms). */
  lastSeen: z.number(),
});
export type CatalogueHolder = z.infer<typeof CatalogueHolder>;

/** One file the node knows of (by its content id): held here, learned from radio peers, or announced by IP peers. */
export const CatalogueEntry = z.object({
  contentId: ContentId,
  /**
   * The file's bytes: exact when its bytes (or, for a large file, its root) were here, else what a
   * peer claimed (`sizeClaimed`: an IP announcement, or a LoRa manifest heard on air); absent when
   * nobody said (index sync carries ids only).
   */
  size: z.number().int().nonnegative().optional(),
  sizeClaimed: z.boolean(),
  /** A file over 1 MiB: its id is a root listing 1 MiB blocks, which are not listed apart once the root was read here. */
  largeFile: z.boolean(),
  /** How many 1 MiB blocks a large file has, once its root was read here. */
  blocks: z.number().int().positive().optional(),
  /** File name and media type, when known. */
  name: z.string().optional(),
  type: z.string().optional(),
  /** Newest first. */
  holders: z.array(CatalogueHolder),
  heldHere: z.boolean(),
  /** Learned from radio peers (index sync, or a manifest heard); ids from before the catalogue was saved may have no holder. */
  learnedOverLora: z.boolean(),
  lastSeen: z.number(),
});
export type CatalogueEntry = z.infer<typeof CatalogueEntry>;

export const CatalogueListRequest = z
  .object({
    /** A part of the content id or of the file name, any case; empty lists everything. */
    query: z.string().trim().max(200).default(''),
    offset: z.number().int().min(0).default(0),
    limit: z.number().int().min(1).max(500).default(100),
  })
  .strict();
export type CatalogueListRequest = z.infer<typeof CatalogueListRequest>;

export const CataloguePage = z.object({
  /** Entries matching the query (before offset/limit). */
  total: z.number().int(),
  /** All entries kept, query or not. */
  known: z.number().int(),
  entries: z.array(CatalogueEntry),
});
export type CataloguePage = z.infer<typeof CataloguePage>;

/** The catalogue changed (an id learned, announced, stored or removed): consoles list again. */
export const CatalogueChanged = z.object({ known: z.number().int(), at: z.number() });
export type CatalogueChanged = z.infer<typeof CatalogueChanged>;
