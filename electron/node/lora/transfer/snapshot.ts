// The saved form of an incoming transfer, so it resumes after an app restart. Chunks are saved as
// received, checked or still waiting for the rest of their group; all are checked against the tree
// again when loaded, so a damaged file costs chunks, never a wrong file. Version 2: one leaf hash
// per group of file chunks (a version 1 tree means other hashes, so it is refused).
import { z } from 'zod';

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));

export const IncomingSnapshot = z.object({
  version: z.literal(2),
  id: z.string().regex(/^in-[0-9a-f]{8}$/),
  contentId: z.string().min(1).max(100),
  maxBytes: z.number().int().positive(),
  /** Relays the request may cross; absent in saves made before requests crossed relays. */
  hopLimit: z.number().int().min(0).max(7).optional(),
  /** The file's name and media type from the followed holder's manifest. */
  name: z.string().max(200).optional(),
  mediaType: z.string().max(100).optional(),
  startedAt: z.number(),
  /** Why it failed, for a transfer the operator may resume; null while it is under way. */
  error: z.string().nullable(),
  badPeers: z.array(z.string().max(40)).max(64),
  excluded: z.array(hex(8)).max(64),
  tree: z
    .object({
      size: z.number().int().positive(),
      chunkSize: z.number().int().positive(),
      topHashes: z.array(hex(8)),
      signers: z.array(z.object({ keyId: hex(8), node: z.number().int().nonnegative(), verified: z.boolean() })),
    })
    .nullable(),
  chunks: z.array(z.object({ offset: z.number().int().nonnegative(), data: z.base64() })),
});
export type IncomingSnapshot = z.infer<typeof IncomingSnapshot>;
