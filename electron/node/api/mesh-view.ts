// How the peers of both transports look through the contract: one entry per identity, so a node
// heard over LoRa and connected over IP is one peer with one reputation. Pure.
import type { MeshPeer } from '../../../shared/contract/index.ts';
import type { PeerSummary } from '../gossip/index.ts';
import type { EmergencyRecord } from '../lora/emergency-desk.ts';
import type { MeshNode as RadioNode } from '../radio/session.ts';
import { fingerprintOf } from '../identity/index.ts';
import { keyIdOf } from '../lora/keys.ts';
import { isPeerId, peerKeyOf, publicKeyOfPeerId, type ReputationBook } from '../reputation/index.ts';

/** A radio heard over LoRa, with the libp2p peer id of its signing key when that key is known. */
export type LoraPeer = { radio: RadioNode; peerKey: string | undefined };

/** An IP peer as gossip last listed it; kept after it is filtered, since gossip then leaves it out. */
export type IpSighting = Pick<PeerSummary, 'peerId' | 'transports' | 'addresses' | 'storageCapacity' | 'lastSeen'>;

export type PeerSources = {
  ip: Iterable<IpSighting>;
  lora: Iterable<LoraPeer>;
  /** Other identities to list (those the reputation book rates, block holders): ids only. */
  known: Iterable<string>;
  connected: ReadonlySet<string>;
  ownPeerId: string;
  reputation: Pick<ReputationBook, 'explain'>;
  /** MESH_BYZANTINE_THRESHOLD. */
  threshold: number;
};

/** Every peer once, unfiltered ones first; within each group best reputation, then most recently seen. */
export function mergePeers(sources: PeerSources): MeshPeer[] {
  const peers = new Map<string, MeshPeer>();
  const entry = (id: string, peerId: string | undefined): MeshPeer => {
    let peer = peers.get(id);
    if (!peer) {
      peer = {
        id,
        ...(peerId ? { peerId } : {}),
        transports: [],
        addresses: [],
        reputation: { score: 0, reasons: [] },
        lastSeen: null,
        storageCapacity: null,
        connected: false,
        filtered: false,
      };
      peers.set(id, peer);
    }
    return peer;
  };
  const seen = (peer: MeshPeer, at: number | undefined) => {
    if (at !== undefined) peer.lastSeen = Math.max(peer.lastSeen ?? at, at);
  };

  for (const sighting of sources.ip) {
    const peer = entry(sighting.peerId, sighting.peerId);
    for (const transport of sighting.transports) if (!peer.transports.includes(transport)) peer.transports.push(transport);
    peer.addresses = [...sighting.addresses];
    peer.storageCapacity = sighting.storageCapacity ?? null;
    seen(peer, sighting.lastSeen);
  }
  for (const { radio, peerKey } of sources.lora) {
    const peer = entry(peerKey ?? radio.nodeId, peerKey);
    peer.radioNodeId = radio.nodeId;
    const name = radio.longName ?? radio.shortName;
    if (name) peer.name = name;
    if (!peer.transports.includes('lora')) peer.transports.push('lora');
    seen(peer, radio.lastHeard);
  }
  for (const id of sources.known) if (!peers.has(id)) entry(id, isPeerId(id) ? id : undefined);

  peers.delete(sources.ownPeerId);
  for (const peer of peers.values()) {
    // One identity, every name it goes by: its peer id embeds the key the others derive from.
    const publicKey = peer.peerId ? publicKeyOfPeerId(peer.peerId) : undefined;
    if (publicKey) Object.assign(peer, { keyId: keyIdOf(publicKey), fingerprint: fingerprintOf(publicKey) });
    const { score, reasons } = sources.reputation.explain(peer.id);
    peer.reputation = { score, reasons: reasons.map((reason) => ({ ...reason })) };
    peer.filtered = score < sources.threshold;
    peer.connected = sources.connected.has(peer.id);
    peer.transports.sort();
  }
  return [...peers.values()].sort(
    (a, b) =>
      Number(a.filtered) - Number(b.filtered) ||
      b.reputation.score - a.reputation.score ||
      (b.lastSeen ?? -Infinity) - (a.lastSeen ?? -Infinity) ||
      a.id.localeCompare(b.id),
  );
}

/** At most `maxPeers` unfiltered peers (MESH_MAX_PEERS) and, when asked, at most as many filtered ones after them. */
export function selectPeers(merged: readonly MeshPeer[], maxPeers: number, includeFiltered: boolean): MeshPeer[] {
  const usable = merged.filter((peer) => !peer.filtered).slice(0, maxPeers);
  return includeFiltered ? [...usable, ...merged.filter((peer) => peer.filtered).slice(0, maxPeers)] : usable;
}

/**
 * Radios with their identity where we can tell it: a radio's key-announce or its own signed messages
 * (`radioKeyIds`), else a verified emergency naming the radio that put it on air; the key ring gives
 * that key's bytes.
 */
export function loraPeersOf(
  radios: readonly RadioNode[],
  radioKeyIds: ReadonlyMap<number, string>,
  emergencies: readonly EmergencyRecord[],
  publicKeyOf: (keyId: string) => Uint8Array | undefined,
): LoraPeer[] {
  const keyIdOfRadio = new Map<string, string>();
  // Oldest first, so the newest verified signer of a radio wins.
  for (const record of emergencies.toReversed()) {
    if (record.direction === 'received' && record.verified && record.fromNode) keyIdOfRadio.set(record.fromNode, record.signer);
  }
  return radios.map((radio) => {
    const keyId = radioKeyIds.get(radio.nodeNum) ?? keyIdOfRadio.get(radio.nodeId);
    const publicKey = keyId === undefined ? undefined : publicKeyOf(keyId);
    return { radio, peerKey: publicKey ? peerKeyOf(publicKey) : undefined };
  });
}
