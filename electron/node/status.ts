import type { NodeStatus } from '../../shared/contract/index.ts';
import type { Clock } from './clock.ts';
import type { EventHub } from './event-hub.ts';

export type ProcessProbe = {
  uptimeS(): number;
  memory(): { rss: number; heapUsed: number; heapTotal: number };
};

export const processProbe: ProcessProbe = {
  uptimeS: () => process.uptime(),
  memory: () => process.memoryUsage(),
};

/** Samples node health once per interval, keeps an hour of history, and publishes each sample. */
export class StatusSampler {
  #history: NodeStatus[] = [];
  #timer: unknown;
  #lastAt: number;
  #lastCount: number;
  #options: { hub: EventHub; clock: Clock; probe: ProcessProbe; consoleConnections: () => number; intervalMs: number; historySize: number };

  constructor(options: { hub: EventHub; clock: Clock; probe?: ProcessProbe; consoleConnections: () => number; intervalMs?: number; historySize?: number }) {
    this.#options = { probe: processProbe, intervalMs: 1000, historySize: 3600, ...options };
    this.#lastAt = options.clock.now();
    this.#lastCount = this.#eventCount();
  }

  start(): void {
    if (this.#timer !== undefined) return;
    const tick = () => {
      this.sample();
      this.#timer = this.#options.clock.setTimeout(tick, this.#options.intervalMs);
    };
    tick();
  }

  stop(): void {
    if (this.#timer !== undefined) this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  sample(): NodeStatus {
    const { clock, probe, hub } = this.#options;
    const now = clock.now();
    const count = this.#eventCount();
    const elapsedS = (now - this.#lastAt) / 1000;
    const memory = probe.memory();
    const status: NodeStatus = {
      sampledAt: now,
      uptimeS: probe.uptimeS(),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      eventsPerSecond: elapsedS > 0 ? (count - this.#lastCount) / elapsedS : 0,
      eventsTotal: count,
      consoleConnections: this.#options.consoleConnections(),
    };
    this.#lastAt = now;
    this.#lastCount = count;
    this.#history.push(status);
    if (this.#history.length > this.#options.historySize) this.#history.shift();
    hub.emit('node.status', status);
    return status;
  }

  latest(): NodeStatus {
    return this.#history.at(-1) ?? this.sample();
  }

  history(limit: number): NodeStatus[] {
    return this.#history.slice(-limit);
  }

  // The node's own pulses (status, mesh health samples) are not counted: the rate shows what the node is doing.
  #eventCount(): number {
    return this.#options.hub.countSince(['node.status', 'mesh.health']);
  }
}
