// The key reputation is kept under: the libp2p peer id string of the peer's Ed25519 public key
// (`12D3KooW…`). The node identity key is also the libp2p key, so a LoRa report about a public key
// and an IP report about a libp2p peer land on the same score.
import { publicKeyFromRaw } from '@libp2p/crypto/keys';
import { peerIdFromPublicKey, peerIdFromString } from '@libp2p/peer-id';

export function peerKeyOf(ed25519PublicKey: Uint8Array): string {
  return peerIdFromPublicKey(publicKeyFromRaw(ed25519PublicKey)).toString();
}

/** Whether a text is a libp2p peer id (an IP identity), as opposed to a radio id such as `!a1b2c3d4`. */
export function isPeerId(text: string): boolean {
  try {
    peerIdFromString(text);
    return true;
  } catch {
    return false;
  }
}

/** The Ed25519 public key inside a peer id (ours embed it), or undefined for anything else. */
export function publicKeyOfPeerId(text: string): Uint8Array | undefined {
  try {
    const key = peerIdFromString(text).publicKey;
    return key?.type === 'Ed25519' ? key.raw : undefined;
  } catch {
    return undefined;
  }
}
