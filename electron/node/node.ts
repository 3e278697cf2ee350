import type { LogEntry, MeshSettings, NodeInfo } from '../../shared/contract/index.ts';
import { ContractServer } from './api/contract-server.ts';
import { createHandlers } from './api/handlers.ts';
import { systemClock, type Clock } from './clock.ts';
import { EventHub } from './event-hub.ts';
import { NodeLog } from './log.ts';
import { StatusSampler, type ProcessProbe } from './status.ts';

export type PakitNodeOptions = {
  host: NodeInfo['host'];
  version: string;
  mesh: MeshSettings;
  clock?: Clock;
  probe?: ProcessProbe;
  /** Mirror of the log for the host (stderr for the headless node, a file for the desktop app). */
  logSink?: (entry: LogEntry) => void;
};

/**
 * Everything a Pakit node does, composed from small services. The desktop app and the headless
 * node build one and bind `api` to their transport; nothing here knows about Electron.
 */
export class PakitNode {
  readonly hub = new EventHub();
  readonly log: NodeLog;
  readonly status: StatusSampler;
  readonly api: ContractServer;
  readonly #options: PakitNodeOptions;
  readonly #startedAt: number;
  readonly #clock: Clock;

  constructor(options: PakitNodeOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#startedAt = this.#clock.now();
    this.log = new NodeLog({ hub: this.hub, clock: this.#clock, ...(options.logSink ? { sink: options.logSink } : {}) });
    this.api = new ContractServer({
      handlers: createHandlers(this),
      hub: this.hub,
      timers: this.#clock,
      reportInternalError: (method, error) =>
        this.log.error('api', `${method} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
    });
    this.status = new StatusSampler({
      hub: this.hub,
      clock: this.#clock,
      consoleConnections: () => this.api.connectionCount,
      ...(options.probe ? { probe: options.probe } : {}),
    });
  }

  info(): NodeInfo {
    return {
      product: 'Pakit Mesh',
      version: this.#options.version,
      host: this.#options.host,
      startedAt: this.#startedAt,
      platform: `${process.platform}-${process.arch}`,
      runtime: `Node ${process.versions.node}${process.versions.electron ? `, Electron ${process.versions.electron}` : ''}`,
      mesh: this.#options.mesh,
    };
  }

  async start(): Promise<void> {
    this.status.start();
    this.log.info('node', `Pakit Mesh ${this.#options.version} started (${this.#options.host}); network "${this.#options.mesh.networkId}"`);
  }

  async stop(): Promise<void> {
    this.status.stop();
    this.log.info('node', 'stopped');
  }
}
