// Public surface of the IP gossip layer.
export {
  GossipError,
  GossipService,
  type FetchOptions,
  type GossipHealth,
  type GossipServiceOptions,
  type MessageType,
  type PeerSummary,
  type ReceivedAnnouncement,
} from './gossip-service.ts';
export { AnnouncementValidator, type BodyCheck, type Received, type Verdict } from './announcement-validator.ts';
export {
  BlockAnnouncement,
  decodeAnnouncement,
  encodeAnnouncement,
  MAX_BLOCKS_PER_STORAGE_ANNOUNCEMENT,
  signAnnouncement,
  signedBytes,
  StorageAnnouncement,
  verifyAnnouncement,
  type Announcement,
  type UnsignedAnnouncement,
} from './messages.ts';
export { blockProtocol, preSharedKeyFor, topicFor } from './network.ts';
export type { Transport } from './peer-directory.ts';
export { DEFAULT_RATE_LIMIT, type RateLimit } from './rate-limiter.ts';
export { DEFAULT_REPLAY_WINDOW, type ReplayWindow } from './replay-guard.ts';
