// The key reputation is kept under: the libp2p peer id string of the peer's Ed25519 public key
// (`12D3KooW…`). The node identity key is also the libp2p key, so a LoRa report about a public key
// and an IP report about a libp2p peer land on the same score.
import { publicKeyFromRaw } from '@libp2p/crypto/keys';
import { peerIdFromPublicKey } from '@libp2p/peer-id';

export function peerKeyOf(ed25519PublicKey: Uint8Array): string {
  return peerIdFromPublicKey(publicKeyFromRaw(ed25519PublicKey)).toString();
}
