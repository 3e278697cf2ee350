import { z } from 'zod';
import { ContentId, IndexSummary } from './storage.ts';

/**
 * Where index sync with one radio peer stands. idle: heard from, roots not compared yet; in_sync:
 * equal roots at its last announce, and ours unchanged since; changed: equal at its last announce,
 * but ours changed since (its next announce compares again); pending: this node starts a session
 * after a delay, unless the peer starts first; reconciling: a session runs; reconciled: a session
 * finished (the peer's next announce confirms the roots); failed: see the peer's `error`.
 */
/** Ids of a peer's last session the node lists (the count says how many more there were). */
export const LAST_SESSION_IDS_SHOWN = 20;

export const PeerSyncStatus = z.enum(['idle', 'in_sync', 'changed', 'pending', 'reconciling', 'reconciled', 'failed']);
export type PeerSyncStatus = z.infer<typeof PeerSyncStatus>;

/**
 * timeout: the peer went silent mid-session; too_many_differences: more than one session may carry;
 * aborted: the peer stopped the session (busy, limits); protocol: it sent what the session does not allow.
 */
export const SyncFailureReason = z.enum(['timeout', 'too_many_differences', 'aborted', 'protocol']);
export type SyncFailureReason = z.infer<typeof SyncFailureReason>;

/** Index sync with one radio peer, over all its sessions unless said otherwise. */
export const PeerSyncState = z.object({
  /** The peer's radio id (`!xxxxxxxx`). */
  peer: z.string(),
  state: PeerSyncStatus,
  /** This node's mesh index root when the peer was last compared with it, hex. */
  ourRoot: z.string(),
  /** From the peer's last index announce; null while none was heard. */
  theirRoot: z.string().nullable(),
  /** Ids learned from this peer. */
  learned: z.number().int(),
  /** Ids sent to this peer. */
  sent: z.number().int(),
  /** Frame bytes of sync messages both ways (announces not included). */
  bytesOnAir: z.number().int(),
  /** Of the current or last session, counting the announce that started it. */
  roundTrips: z.number().int(),
  /**
   * Ids learned by the latest session or push from this peer that brought any (a range plan, one
   * range after another, counts as one session). One that brings nothing keeps these.
   */
  lastSessionLearned: z.number().int(),
  /** The first ids learned in that session: what the operator can request. */
  lastSessionIds: z.array(ContentId).max(LAST_SESSION_IDS_SHOWN),
  lastActivityAt: z.number(),
  /** Why the last session failed; `detail` is for the log and the curious operator. */
  error: z.object({ reason: SyncFailureReason, detail: z.string() }).optional(),
});
export type PeerSyncState = z.infer<typeof PeerSyncState>;

export const IndexSyncView = z.object({
  /** The mesh index: this node's blocks and the ids learned from radio peers (known, not held here). */
  summary: IndexSummary,
  /** Ids in the mesh index learned from radio peers. */
  learned: z.number().int(),
  peers: z.array(PeerSyncState),
});
export type IndexSyncView = z.infer<typeof IndexSyncView>;
