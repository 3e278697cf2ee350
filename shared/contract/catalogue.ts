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

/** One content id the node knows of: held here, learned from radio peers, or announced by IP peers. */
export const CatalogueEntry = z.object({
  contentId: ContentId,
  /** Bytes: exact when held here, else what a peer claimed (`sizeClaimed`); absent when nobody said. */
  size: z.number().int().nonnegative().optional(),
  sizeClaimed: z.boolean(),
  /** File name and media type, when known. */
  name: z.string().optional(),
  type: z.string().optional(),
  /** Newest first. */
  holders: z.array(CatalogueHolder),
  heldHere: z.boolean(),
  /** Learned from radio peers by index sync; before a restart, `holders` may not say which radio. */
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
