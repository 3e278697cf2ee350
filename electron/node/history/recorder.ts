// Turns what the radio reports into history rows: a node's figures each time it is heard (at most one
// row a minute, see HistoryStore), this node's own status once a minute, and old rows pruned hourly.
import type { LogLevel } from '../../../shared/contract/index.ts';
import type { Clock } from '../clock.ts';
import type { MeshNode } from '../radio/session.ts';
import type { HistoryStore, NodeSampleRow, OwnSample } from './store.ts';

const OWN_SAMPLE_INTERVAL_MS = 60_000;
const PRUNE_EVERY_SAMPLES = 60;

/** Samples for the nodes heard since the last sample written for them; updates `lastWritten`. */
export function newSamples(nodes: readonly MeshNode[], lastWritten: Map<string, number>): NodeSampleRow[] {
  const samples: NodeSampleRow[] = [];
  for (const node of nodes) {
    if (node.lastHeard === undefined || node.lastHeard <= (lastWritten.get(node.nodeId) ?? -Infinity)) continue;
    lastWritten.set(node.nodeId, node.lastHeard);
    samples.push({
      nodeId: node.nodeId,
      at: node.lastHeard,
      snr: node.snr,
      rssi: node.rssi,
      batteryLevel: node.batteryLevel,
      voltage: node.voltage,
      channelUtilization: node.channelUtilization,
      airUtilTx: node.airUtilTx,
      hopsAway: node.hopsAway,
    });
  }
  return samples;
}

export type HistoryRecorderOptions = {
  store: HistoryStore;
  clock: Clock;
  /** Rows older than this go (ms). */
  retentionMs: number;
  /** This node's radio and process, as they are now. */
  ownStatus: () => Omit<OwnSample, 'at'>;
  /** The radio's own node id: its figures are the own samples, not a node's. */
  ownNodeId: () => string | undefined;
  log: (level: LogLevel, message: string) => void;
};

export class HistoryRecorder {
  readonly #options: HistoryRecorderOptions;
  readonly #lastWritten: Map<string, number>;
  #timer: unknown;
  #samplesSincePrune = 0;

  constructor(options: HistoryRecorderOptions) {
    this.#options = options;
    this.#lastWritten = options.store.lastSampleTimes();
  }

  /** Called with the radio's node list whenever it changes. */
  recordNodes(nodes: readonly MeshNode[]): void {
    const own = this.#options.ownNodeId();
    this.#write(() => this.#options.store.writeNodeSamples(newSamples(own ? nodes.filter((node) => node.nodeId !== own) : nodes, this.#lastWritten)));
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#prune();
    const tick = () => {
      this.#write(() => this.#options.store.writeOwnSample({ at: this.#options.clock.now(), ...this.#options.ownStatus() }));
      this.#samplesSincePrune += 1;
      if (this.#samplesSincePrune >= PRUNE_EVERY_SAMPLES) this.#prune();
      this.#timer = this.#options.clock.setTimeout(tick, OWN_SAMPLE_INTERVAL_MS);
    };
    tick();
  }

  stop(): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #prune(): void {
    this.#samplesSincePrune = 0;
    this.#write(() => {
      const removed = this.#options.store.prune(this.#options.clock.now() - this.#options.retentionMs);
      if (removed > 0) this.#options.log('info', `removed ${removed} samples older than the retention limit`);
    });
  }

  // A full disk or a locked file loses a sample, not the node: say so and go on.
  #write(work: () => void): void {
    try {
      work();
    } catch (error) {
      this.#options.log('warn', `a history sample could not be saved (${(error as Error).message})`);
    }
  }
}
