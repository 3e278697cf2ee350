// How far our index sync travels on the mesh, learned from the mesh itself. Announces (index and
// key) reach one relay when the radio knows nodes beyond its neighbours, so a Pakit node behind a
// stock Meshtastic relay still hears them and syncs; a mesh where everyone hears everyone pays
// nothing extra. Messages to one radio (sync sessions) carry exactly the hops its packets took to
// reach us, so they are relayed as far as needed and no further.
import type { MeshNode } from '../radio/session.ts';

/** Announces go out every few minutes from every node: one relay at most, a flood would fill the channel. */
export const ANNOUNCE_MAX_HOPS = 1;
const MAX_PEERS = 1024;

/** Hop limit for index and key announces: the farthest node the radio knows, up to ANNOUNCE_MAX_HOPS. */
export function announceHopLimit(nodes: readonly Pick<MeshNode, 'hopsAway'>[]): number {
  let farthest = 0;
  for (const node of nodes) farthest = Math.max(farthest, node.hopsAway ?? 0);
  return Math.min(farthest, ANNOUNCE_MAX_HOPS);
}

/**
 * Hop limit for index and key announces: one relay (as far as `announceHopLimit` allows) only
 * while no Pakit node is among our neighbours. Behind a stock relay we must be heard; a node with
 * Pakit neighbours syncs through them, and relayed announces would only start extra sessions, each
 * relayed, on a channel the whole neighbourhood shares.
 */
export function indexAnnounceHopLimit(nodes: readonly Pick<MeshNode, 'hopsAway'>[], pakitRadios: Iterable<number>, hops: PeerHops): number {
  for (const radio of pakitRadios) if (hops.hopLimitTo(radio, Infinity) === 0) return 0;
  return announceHopLimit(nodes);
}

/** A shorter path heard within this long stands: a relayed copy of a neighbour's packet (its direct one lost) must not move it away. */
const SHORTEST_KEPT_MS = 30 * 60_000;

/** Hops each radio's packets took to reach us (the fewest lately), for the hop limit of messages to it. */
export class PeerHops {
  readonly #hops = new Map<number, { hops: number; at: number }>();

  /** `hops` is undefined when the sender's firmware does not say (hop_start 0): nothing is learned. */
  note(nodeNum: number, hops: number | undefined, now: number): void {
    if (hops === undefined) return;
    const known = this.#hops.get(nodeNum);
    this.#hops.delete(nodeNum);
    this.#hops.set(nodeNum, known && known.hops < hops && now - known.at < SHORTEST_KEPT_MS ? known : { hops, at: now });
    if (this.#hops.size > MAX_PEERS) this.#hops.delete(this.#hops.keys().next().value!);
  }

  /** The hops to `nodeNum`, or `fallback` for a radio never heard with a hop count. */
  hopLimitTo(nodeNum: number, fallback: number): number {
    return this.#hops.get(nodeNum)?.hops ?? fallback;
  }
}
