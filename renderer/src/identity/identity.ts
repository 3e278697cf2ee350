// One node, one name: a radio id, a signing key id, a fingerprint and a libp2p peer id are the same
// node when its key announcement tied them (the node merges them into one peer). Pure lookups over
// what the stores already hold.
import type { MeshNode, MeshPeer } from '../../../shared/contract/index.ts';

export type Identity = {
  /** The owner's name from its radio, when known. */
  name: string | undefined;
  radio: string | undefined;
  keyId: string | undefined;
  fingerprint: string | undefined;
  peerId: string | undefined;
};

const RADIO_ID = /^![0-9a-f]{8}$/;
const KEY_ID = /^[0-9a-f]{16}$/;

/** Everything known of the node behind `id` (any of its ids). */
export function identityOf(id: string, peers: readonly MeshPeer[], radios: readonly MeshNode[]): Identity {
  const peer = peers.find((entry) => entry.id === id || entry.peerId === id || entry.radioNodeId === id || entry.keyId === id || entry.fingerprint === id);
  const radioId = peer?.radioNodeId ?? (RADIO_ID.test(id) ? id : undefined);
  const radio = radioId === undefined ? undefined : radios.find((entry) => entry.nodeId === radioId);
  return {
    name: radio?.longName ?? peer?.name ?? radio?.shortName,
    radio: radioId,
    keyId: peer?.keyId ?? (KEY_ID.test(id) ? id : undefined),
    fingerprint: peer?.fingerprint,
    peerId: peer?.peerId,
  };
}

/** What to show when a node has no name yet: its radio id, or the start of its key or peer id. */
export function fallbackLabel(id: string, identity: Identity): string {
  if (identity.radio) return identity.radio;
  if (identity.keyId) return `key ${identity.keyId.slice(0, 8)}`;
  return id.length > 16 ? `${id.slice(0, 12)}…` : id;
}
