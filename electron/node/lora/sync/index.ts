// Public surface of index reconciliation over LoRa: the IndexSync session machine, the payload
// codec and the rateless IBLT under it.
export {
  DEFAULT_SYNC_LIMITS,
  IndexSync,
  type IndexSyncOptions,
  type LearnedIds,
  type OutgoingSync,
  type PeerRejection,
  type PeerSyncState,
  type PeerSyncStatus,
  type SyncFailureReason,
  type SyncIndex,
  type SyncLimits,
  type SyncOutput,
} from './index-sync.ts';
export {
  ABORT_REASONS,
  PAYLOAD_KINDS,
  decodeSyncPayload,
  encodeSyncPayload,
  type AbortReason,
  type KeyFormat,
  type PayloadKind,
  type SyncPayload,
  type SyncRejectReason,
  type SyncRejection,
} from './payload.ts';
export { CodedSymbols, PeelingDecoder, type DecodedKey } from './riblt.ts';
export { ShortIdScheme, contentIdOfParts, idPartsOf, type IdParts, type ShortIdParams } from './short-ids.ts';
export { syncFrameBytes } from './frames.ts';
