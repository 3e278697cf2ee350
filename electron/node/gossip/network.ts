// Everything that keeps one mesh network apart from another on the same wire: the pnet key, topic
// names and protocol ids, all derived from the network id.
import { createHash } from 'node:crypto';

/**
 * The libp2p private-network key for a network id. Nodes with another id fail the pnet handshake,
 * so they cannot even open a connection. The id is not a secret: this isolates networks from
 * each other, it is not access control.
 */
export function preSharedKeyFor(networkId: string): Uint8Array {
  const key = createHash('sha256').update(`pakit-mesh pnet v1\0${networkId}`).digest('hex');
  return new TextEncoder().encode(`/key/swarm/psk/1.0.0/\n/base16/\n${key}`);
}

export function protocolPrefix(networkId: string): string {
  return `/pakit/${networkId}`;
}

/** The gossipsub topic of one message type. */
export function topicFor(networkId: string, kind: string): string {
  return `${protocolPrefix(networkId)}/announce/${kind}/1`;
}

export function blockProtocol(networkId: string): string {
  return `${protocolPrefix(networkId)}/block/1.0.0`;
}

export function dhtProtocol(networkId: string): string {
  return `${protocolPrefix(networkId)}/kad/1.0.0`;
}
