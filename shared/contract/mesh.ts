import { z } from 'zod';
import { ContractError } from './errors.ts';

/** Ways to reach a peer: libp2p over IP, or the LoRa radio. */
export const PeerTransport = z.enum(['ip', 'lora']);
export type PeerTransport = z.infer<typeof PeerTransport>;

/** One line of a reputation's explanation: a kind of evidence and what it does to the score now. */
export const ReputationReason = z.object({
  /** Evidence kind (`signature_invalid`, `block_served`, ...) or `time_known`. */
  kind: z.string(),
  label: z.string(),
  effect: z.enum(['good', 'bad']),
  /** Reports received (not decayed). */
  count: z.number().int(),
  /** Current weight after decay and cap, in units of the neutral prior. */
  weight: z.number(),
});
export type ReputationReason = z.infer<typeof ReputationReason>;

export const PeerReputation = z.object({
  /** 0..1; 0.5 for a peer with no evidence. */
  score: z.number(),
  /** Strongest first: the first line says why a peer is low (or high). Empty without evidence. */
  reasons: z.array(ReputationReason),
});
export type PeerReputation = z.infer<typeof PeerReputation>;

/** One peer, whichever transports reach it: IP and LoRa sightings of one identity are one entry. */
export const MeshPeer = z.object({
  /** Identity: the libp2p peer id of its Ed25519 key (`12D3KooW…`), or the radio id (`!xxxxxxxx`) while its key is unknown. */
  id: z.string(),
  /** The libp2p peer id, when the peer's identity key is known. */
  peerId: z.string().optional(),
  /** The radio's node id, when the peer is heard over LoRa. */
  radioNodeId: z.string().optional(),
  /** The radio's long name (IP peers have none). */
  name: z.string().optional(),
  /** Its LoRa signing key id (16 hex digits) and human fingerprint: the same key as its peer id. */
  keyId: z.string().optional(),
  fingerprint: z.string().optional(),
  transports: z.array(PeerTransport),
  /** libp2p multiaddrs it listens on. */
  addresses: z.array(z.string()),
  reputation: PeerReputation,
  /** When it was last heard on any transport (ms), or null. */
  lastSeen: z.number().nullable(),
  /** Bytes offered, from its last storage announcement; null if it never announced. */
  storageCapacity: z.number().nullable(),
  /** An open libp2p connection right now. */
  connected: z.boolean(),
  /** Scored below MESH_BYZANTINE_THRESHOLD: its messages are dropped and its connections refused. */
  filtered: z.boolean(),
});
export type MeshPeer = z.infer<typeof MeshPeer>;

/**
 * The IP mesh's state. `disabled`: MESH_ENABLED is off; `failed`: the last start did not succeed
 * (see `error`), the node runs on without gossip.
 */
export const MeshPhase = z.enum(['disabled', 'stopped', 'starting', 'running', 'failed']);
export type MeshPhase = z.infer<typeof MeshPhase>;

/** A health sample of the IP mesh, taken every 2 s while the mesh is enabled. */
export const MeshHealth = z.object({
  sampledAt: z.number(),
  phase: MeshPhase,
  error: ContractError.optional(),
  /** This node's libp2p peer id (from its identity key). */
  peerId: z.string(),
  /** Where it listens, with /p2p/<peer id>: what other nodes put in MESH_BOOTSTRAP. */
  addresses: z.array(z.string()),
  running: z.boolean(),
  /** At least one peer connected. */
  connected: z.boolean(),
  peerCount: z.number().int(),
  /** Known peers below the Byzantine threshold. */
  filteredCount: z.number().int(),
  /** When the last verified announcement arrived (ms), or null. */
  lastGossipAt: z.number().nullable(),
  /** Totals since the node started. */
  messagesIn: z.number().int(),
  messagesOut: z.number().int(),
  messagesRejected: z.number().int(),
  /** Over the last sampling interval. */
  messagesInPerSecond: z.number(),
  messagesOutPerSecond: z.number(),
});
export type MeshHealth = z.infer<typeof MeshHealth>;
