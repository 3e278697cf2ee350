import { z } from 'zod';

/** A content id (CIDv1, base32): what a block or a file is called everywhere in the mesh. */
export const ContentId = z.string().regex(/^b[a-z2-7]{20,120}$/, 'a content id (CIDv1, base32, starting with "b")');

export const IdentityInfo = z.object({
  /** Ed25519 public key, hex. The private key never leaves the node. */
  publicKey: z.string().regex(/^[0-9a-f]{64}$/),
  /** Short form for people, e.g. K7QF-3MZP-2XDA-LW5R. */
  fingerprint: z.string(),
  protection: z.enum(['strong', 'weak', 'passphrase']),
  /** How the key is kept, e.g. "passphrase" or "OS secret storage (gnome_libsecret)". */
  protectionDetail: z.string(),
});
export type IdentityInfo = z.infer<typeof IdentityInfo>;

export const StorageStats = z.object({
  blockCount: z.number().int(),
  usedBytes: z.number(),
  quotaBytes: z.number().nullable(),
  availableBytes: z.number(),
  diskFreeBytes: z.number(),
});
export type StorageStats = z.infer<typeof StorageStats>;

export const IndexSummary = z.object({
  version: z.number().int(),
  /** Merkle root over the sorted ids, hex: equal sets have equal roots. */
  rootHash: z.string(),
  blockCount: z.number().int(),
});
export type IndexSummary = z.infer<typeof IndexSummary>;

export const StoredBlock = z.object({ id: ContentId, size: z.number().int() });
export type StoredBlock = z.infer<typeof StoredBlock>;

/** Files moved through the contract as base64 are capped; larger ones go through the desktop app's dialogs. */
export const MAX_TRANSFER_BYTES = 8 * 1024 * 1024;
