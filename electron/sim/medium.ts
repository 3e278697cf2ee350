// The shared LoRa channel between simulated devices: who hears whom, how long a frame is on air,
// half duplex, collisions at each receiver, random loss. Pure and deterministic: time comes from
// the injected Scheduler (radio time), randomness from the injected Random. Routing and flooding
// are the devices' business, never the medium's.
import { MESH_HEADER_BYTES, timeOnAirMs, type ModemPreset } from '../node/radio/index.ts';
import type { Scheduler } from './clock.ts';
import type { Random } from './random.ts';

/** What the medium needs to know of a frame: its size after the 16-byte mesh header. */
export type AirFrame = { readonly payloadBytes: number };

export type LinkQuality = { readonly snrDb: number; readonly rssiDbm: number };

export type Reception<F extends AirFrame> = {
  readonly frame: F;
  readonly from: number;
  readonly snrDb: number;
  readonly rssiDbm: number;
  /** Radio time at which the last symbol arrived. */
  readonly atMs: number;
};

export type Transmission = { readonly startMs: number; readonly endMs: number; readonly airtimeMs: number };

export type MediumStats = {
  transmissions: number;
  delivered: number;
  /** Receptions destroyed by another transmission audible at the same receiver. */
  collisions: number;
  /** Receptions lost because the receiver was transmitting itself (half duplex). */
  deafened: number;
  /** Receptions dropped by the configured random loss. */
  randomLoss: number;
};

export type MediumOptions = {
  scheduler: Scheduler;
  random: Random;
  modem: ModemPreset;
  /** Chance in [0, 1] that an otherwise clean reception is lost. */
  lossRate?: number;
  /** Half-width of the uniform noise added to a link's SNR and RSSI on each reception. */
  jitterDb?: number;
};

type ActiveTx<F extends AirFrame> = { from: number; frame: F; startMs: number; endMs: number };
type ActiveRx<F extends AirFrame> = { tx: ActiveTx<F>; quality: LinkQuality; corrupted: 'no' | 'collision' | 'deaf' };
type Listener<F extends AirFrame> = { onReceive: (reception: Reception<F>) => void; onLost: ((frame: F, atMs: number) => void) | undefined };

export const DEFAULT_LINK: LinkQuality = { snrDb: 6, rssiDbm: -95 };

export class RadioMedium<F extends AirFrame> {
  readonly modem: ModemPreset;
  readonly stats: MediumStats = { transmissions: 0, delivered: 0, collisions: 0, deafened: 0, randomLoss: 0 };
  private readonly scheduler: Scheduler;
  private readonly random: Random;
  private lossRate: number;
  private readonly jitterDb: number;
  private readonly receivers = new Map<number, Listener<F>>();
  private readonly links = new Map<number, Map<number, LinkQuality>>();
  private readonly transmitting = new Map<number, ActiveTx<F>>();
  private readonly receiving = new Map<number, ActiveRx<F>[]>();
  private readonly airtimeByNode = new Map<number, number>();
  /** Node -> partition group; nodes in different groups cannot hear each other. */
  private partitionOf: Map<number, number> | undefined;

  constructor(options: MediumOptions) {
    this.scheduler = options.scheduler;
    this.random = options.random;
    this.modem = options.modem;
    this.lossRate = checkLossRate(options.lossRate ?? 0);
    this.jitterDb = options.jitterDb ?? 0;
  }

  /**
   * Puts a node on the air; `onReceive` is called for every frame it decodes, `onLost` for every
   * frame it was receiving that ended undecodable (collision or noise): its radio still spent that
   * airtime listening and raised its receive-done interrupt. A node deaf from transmitting hears nothing.
   */
  join(node: number, onReceive: (reception: Reception<F>) => void, onLost?: (frame: F, atMs: number) => void): void {
    this.receivers.set(node, { onReceive, onLost });
    this.receiving.set(node, []);
  }

  /** Takes a node off the air (killed or powered off): its transmission and receptions stop. */
  leave(node: number): void {
    this.receivers.delete(node);
    this.receiving.delete(node);
    this.transmitting.delete(node);
  }

  isOnAir(node: number): boolean {
    return this.receivers.has(node);
  }

  /** Links are symmetric. */
  link(a: number, b: number, quality: LinkQuality = DEFAULT_LINK): void {
    this.neighbours(a).set(b, quality);
    this.neighbours(b).set(a, quality);
  }

  unlink(a: number, b: number): void {
    this.links.get(a)?.delete(b);
    this.links.get(b)?.delete(a);
  }

  linkBetween(a: number, b: number): LinkQuality | undefined {
    return this.links.get(a)?.get(b);
  }

  setLossRate(lossRate: number): void {
    this.lossRate = checkLossRate(lossRate);
  }

  /** Splits the air: only nodes of the same group hear each other; unlisted nodes hear nobody. */
  partition(groups: readonly (readonly number[])[]): void {
    this.partitionOf = new Map(groups.flatMap((group, index) => group.map((node) => [node, index] as const)));
  }

  heal(): void {
    this.partitionOf = undefined;
  }

  airtimeMs(frame: AirFrame): number {
    return timeOnAirMs(this.modem, MESH_HEADER_BYTES + frame.payloadBytes);
  }

  /** Total radio time this node has spent transmitting. */
  airtimeUsedMs(node: number): number {
    return this.airtimeByNode.get(node) ?? 0;
  }

  isTransmitting(node: number): boolean {
    return this.transmitting.has(node);
  }

  /**
   * Channel activity as the node's radio sees it: its own transmission or one it can hear. A
   * frame on air for less than `noticeAfterMs` goes unnoticed (a radio needs a few of its symbols).
   */
  isChannelBusy(node: number, noticeAfterMs = 0): boolean {
    const now = this.scheduler.now();
    return this.transmitting.has(node) || (this.receiving.get(node) ?? []).some((rx) => now - rx.tx.startMs >= noticeAfterMs);
  }

  /**
   * Starts sending a frame. The caller must not transmit again before `endMs`; starting a
   * transmission deafens the node to frames it was receiving (half duplex).
   */
  transmit(from: number, frame: F): Transmission {
    if (!this.receivers.has(from)) throw new Error(`node ${from} is not on the air`);
    if (this.transmitting.has(from)) throw new Error(`node ${from} is already transmitting`);
    const airtimeMs = this.airtimeMs(frame);
    const startMs = this.scheduler.now();
    const tx: ActiveTx<F> = { from, frame, startMs, endMs: startMs + airtimeMs };
    this.transmitting.set(from, tx);
    this.stats.transmissions += 1;
    this.airtimeByNode.set(from, this.airtimeUsedMs(from) + airtimeMs);
    for (const rx of this.receiving.get(from) ?? []) if (rx.corrupted === 'no') rx.corrupted = 'deaf';

    const receptions: [number, ActiveRx<F>][] = [];
    for (const [node, quality] of this.audibleNeighbours(from)) {
      const active = this.receiving.get(node)!;
      const rx: ActiveRx<F> = { tx, quality, corrupted: this.transmitting.has(node) ? 'deaf' : 'no' };
      if (active.length > 0) {
        // Two frames overlapping at one receiver: neither survives (no capture effect modelled).
        rx.corrupted = rx.corrupted === 'no' ? 'collision' : rx.corrupted;
        for (const other of active) if (other.corrupted === 'no') other.corrupted = 'collision';
      }
      active.push(rx);
      receptions.push([node, rx]);
    }
    this.scheduler.setTimer(airtimeMs, () => this.finish(tx, receptions));
    return { startMs, endMs: tx.endMs, airtimeMs };
  }

  private finish(tx: ActiveTx<F>, receptions: [number, ActiveRx<F>][]): void {
    if (this.transmitting.get(tx.from) === tx) this.transmitting.delete(tx.from);
    for (const [node, rx] of receptions) {
      const active = this.receiving.get(node);
      if (!active) continue; // the receiver left the air meanwhile
      active.splice(active.indexOf(rx), 1);
      const listener = this.receivers.get(node)!;
      if (rx.corrupted === 'collision') {
        this.stats.collisions += 1;
        listener.onLost?.(tx.frame, tx.endMs);
        continue;
      }
      if (rx.corrupted === 'deaf') {
        this.stats.deafened += 1;
        continue;
      }
      // A transmitter that left the air mid-frame never finished it.
      if (!this.receivers.has(tx.from)) continue;
      if (this.lossRate > 0 && this.random() < this.lossRate) {
        this.stats.randomLoss += 1;
        listener.onLost?.(tx.frame, tx.endMs);
        continue;
      }
      this.stats.delivered += 1;
      listener.onReceive({
        frame: tx.frame,
        from: tx.from,
        snrDb: rx.quality.snrDb + this.jitter(),
        rssiDbm: Math.round(rx.quality.rssiDbm + this.jitter()),
        atMs: tx.endMs,
      });
    }
  }

  private audibleNeighbours(from: number): [number, LinkQuality][] {
    const group = this.partitionOf?.get(from);
    return [...(this.links.get(from) ?? [])].filter(
      ([node]) => this.receivers.has(node) && (this.partitionOf === undefined || (group !== undefined && this.partitionOf.get(node) === group)),
    );
  }

  private neighbours(node: number): Map<number, LinkQuality> {
    let map = this.links.get(node);
    if (!map) {
      map = new Map();
      this.links.set(node, map);
    }
    return map;
  }

  private jitter(): number {
    return this.jitterDb === 0 ? 0 : (this.random() * 2 - 1) * this.jitterDb;
  }
}

function checkLossRate(lossRate: number): number {
  if (!(lossRate >= 0 && lossRate <= 1)) throw new RangeError(`loss rate must be within [0, 1], got ${lossRate}`);
  return lossRate;
}

export type Topology = 'line' | 'full' | 'star';

/** Links nodes as a chain, everyone with everyone, or all around the first node. */
export function applyTopology<F extends AirFrame>(medium: RadioMedium<F>, nodes: readonly number[], topology: Topology, quality: LinkQuality = DEFAULT_LINK): void {
  nodes.forEach((a, i) => {
    nodes.forEach((b, j) => {
      if (j <= i) return;
      const linked = topology === 'full' || (topology === 'line' && j === i + 1) || (topology === 'star' && i === 0);
      if (linked) medium.link(a, b, quality);
    });
  });
}
