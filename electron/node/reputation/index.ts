// Public surface of peer reputation.
export {
  EVIDENCE,
  NEUTRAL_SCORE,
  ReputationBook,
  type EvidenceKind,
  type ReputationExplanation,
  type ReputationOptions,
  type ReputationReason,
} from './reputation-book.ts';
export { isPeerId, peerKeyOf, publicKeyOfPeerId } from './peer-key.ts';
