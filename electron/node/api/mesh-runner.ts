// The IP mesh as the node runs it: starts and stops the gossip service, turns a failure to listen
// into an operator error (the node runs on without gossip), samples health every 2 s for the
// charts, and keeps the merged peer list (IP and LoRa, by identity) published.
import { contractError, type ContractError, type ContractErrorCode, type MeshHealth, type MeshPeer, type MeshPhase, type MeshSettings } from '../../../shared/contract/index.ts';
import type { Clock } from '../clock.ts';
import type { EventHub } from '../event-hub.ts';
import { GossipError, type GossipService } from '../gossip/index.ts';
import type { ReputationBook } from '../reputation/index.ts';
import type { ContentId } from '../storage/index.ts';
import { mergePeers, selectPeers, type IpSighting, type LoraPeer } from './mesh-view.ts';

/** The part of GossipService the runner uses (tests pass a stand-in). */
export type GossipPort = Pick<
  GossipService,
  | 'start'
  | 'stop'
  | 'running'
  | 'addresses'
  | 'health'
  | 'connectedPeers'
  | 'discoverPeers'
  | 'discoverStoragePeers'
  | 'findBlockPeers'
  | 'requestBlockFromPeers'
  | 'announceBlock'
  | 'announceStorage'
  | 'onAnnouncement'
>;

export type MeshRunnerOptions = {
  /** Undefined when MESH_ENABLED is off. */
  gossip: GossipPort | undefined;
  settings: MeshSettings;
  /** Where libp2p is told to listen, for the operator's error message. */
  listen: { host: string; port: number };
  ownPeerId: string;
  reputation: Pick<ReputationBook, 'explain' | 'isFiltered' | 'peers' | 'onChange'>;
  /** Radios heard over LoRa, with their identity where it is known. */
  loraPeers: () => LoraPeer[];
  hub: EventHub;
  clock: Clock;
  log: (level: 'debug' | 'info' | 'warn' | 'error', message: string) => void;
  healthIntervalMs?: number;
  historySize?: number;
};

/** A refusal the operator can act on (the contract server passes it through as its typed value). */
export class MeshRefusal extends Error {
  readonly error: ContractError;
  constructor(code: ContractErrorCode, reason: string, message: string, fix: string) {
    super(message);
    this.name = 'MeshRefusal';
    this.error = contractError(code, message, { reason, fix });
  }

  toContractError(): ContractError {
    return this.error;
  }
}

const HEALTH_INTERVAL_MS = 2000;
/** One hour of 2 s samples. */
const HISTORY_SIZE = 1800;
/** Bursts of announcements and reputation reports become one peer-list update. */
const PEER_REFRESH_DELAY_MS = 500;
/** IP peers remembered for the filtered tab after gossip stopped listing them. */
const MAX_SIGHTINGS = 2000;

export class MeshRunner {
  readonly #options: MeshRunnerOptions;
  readonly #gossip: GossipPort | undefined;
  #phase: MeshPhase;
  #error: ContractError | undefined;
  #starting: Promise<MeshHealth> | undefined;
  readonly #history: MeshHealth[] = [];
  readonly #sightings = new Map<string, IpSighting>();
  #lastTotals: { at: number; in: number; out: number } | undefined;
  #peers: MeshPeer[] = [];
  #published = '';
  /** Usable peers at the last discovery round, to log who joined. */
  #discovered = new Set<string>();
  #timers: { health?: unknown; discovery?: unknown; refresh?: unknown } = {};
  #unsubscribe: (() => void)[] = [];
  #open = false;

  constructor(options: MeshRunnerOptions) {
    this.#options = options;
    this.#gossip = options.gossip;
    this.#phase = options.gossip ? 'stopped' : 'disabled';
  }

  get phase(): MeshPhase {
    return this.#phase;
  }

  /**
   * Node start: the gossip service and its health samples (when enabled), and the peer list with its
   * discovery loop (always: LoRa radios are peers too).
   */
  async open(): Promise<void> {
    if (this.#open) return;
    this.#open = true;
    const { reputation, clock, settings } = this.#options;
    this.#unsubscribe.push(
      reputation.onChange((peer, score) => {
        if (score < settings.byzantineThreshold) this.#noteFiltered(peer);
        this.peersChanged();
      }),
    );
    const discover = () => {
      this.#discover();
      this.#timers.discovery = clock.setTimeout(discover, settings.discoveryIntervalS * 1000);
    };
    if (this.#gossip) {
      this.#unsubscribe.push(this.#gossip.onAnnouncement(() => this.peersChanged()));
      await this.start();
      const sample = () => {
        this.#sample();
        this.#timers.health = clock.setTimeout(sample, this.#options.healthIntervalMs ?? HEALTH_INTERVAL_MS);
      };
      sample();
    }
    discover();
  }

  /** Node stop: everything `open` started. */
  async close(): Promise<void> {
    this.#open = false;
    for (const timer of Object.values(this.#timers)) this.#options.clock.clearTimeout(timer);
    this.#timers = {};
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    if (this.#gossip) await this.stop();
  }

  /** Starts gossip. A failure to start is recorded in the health (`failed` + `error`), not thrown; a disabled mesh is refused. */
  async start(): Promise<MeshHealth> {
    const gossip = this.#requireEnabled();
    if (this.#starting) return this.#starting;
    if (gossip.running) return this.health();
    this.#starting = (async () => {
      this.#setPhase('starting');
      try {
        await gossip.start();
        this.#error = undefined;
        this.#setPhase('running');
        this.#options.log('info', `IP mesh running as ${this.#options.ownPeerId} on ${gossip.addresses().join(', ')}`);
      } catch (cause) {
        this.#error = startProblem(cause, this.#options.listen);
        this.#setPhase('failed');
        this.#options.log('error', `${this.#error.message} ${this.#error.fix ?? ''}`.trim());
        this.#options.log('debug', `IP mesh start failed: ${cause instanceof Error ? cause.message : String(cause)}`);
      } finally {
        this.#starting = undefined;
      }
      this.peersChanged();
      return this.health();
    })();
    return this.#starting;
  }

  async stop(): Promise<MeshHealth> {
    const gossip = this.#requireEnabled();
    await this.#starting;
    const wasRunning = gossip.running;
    await gossip.stop();
    this.#error = undefined;
    this.#setPhase('stopped');
    if (wasRunning) this.#options.log('info', 'IP mesh stopped');
    this.peersChanged();
    return this.health();
  }

  /** The mesh now; rates are those of the last sample. */
  health(): MeshHealth {
    const gossip = this.#gossip;
    const stats = gossip?.health();
    const last = this.#history.at(-1);
    return {
      sampledAt: this.#options.clock.now(),
      phase: this.#phase,
      ...(this.#error ? { error: this.#error } : {}),
      peerId: this.#options.ownPeerId,
      addresses: gossip?.running ? gossip.addresses() : [],
      running: stats?.running ?? false,
      connected: stats?.connected ?? false,
      peerCount: stats?.peerCount ?? 0,
      filteredCount: this.#filteredCount(),
      lastGossipAt: stats?.lastGossipAt ?? null,
      messagesIn: stats?.messagesIn ?? 0,
      messagesOut: stats?.messagesOut ?? 0,
      messagesRejected: stats?.messagesRejected ?? 0,
      messagesInPerSecond: last?.messagesInPerSecond ?? 0,
      messagesOutPerSecond: last?.messagesOutPerSecond ?? 0,
    };
  }

  history(limit: number): MeshHealth[] {
    return this.#history.slice(-limit);
  }

  /** discover_peers: best first, without filtered peers unless asked. */
  peers(maxPeers = this.#options.settings.maxPeers, includeFiltered = false): MeshPeer[] {
    return selectPeers(this.#merged(), maxPeers, includeFiltered);
  }

  storagePeers(maxPeers = this.#options.settings.maxPeers): MeshPeer[] {
    return this.#inOrder(this.#gossip?.running ? this.#gossip.discoverStoragePeers(maxPeers).map((peer) => peer.peerId) : []);
  }

  async findBlockPeers(cid: ContentId, maxPeers: number): Promise<MeshPeer[]> {
    return this.#inOrder(await this.#requireRunning().findBlockPeers(cid, maxPeers));
  }

  /** Fetches, verifies and stores a block or file; answers its size. */
  async requestBlock(cid: ContentId): Promise<number> {
    const gossip = this.#requireRunning();
    try {
      const bytes = await gossip.requestBlockFromPeers(cid);
      this.peersChanged();
      return bytes.length;
    } catch (cause) {
      if (!(cause instanceof GossipError)) throw cause;
      this.peersChanged();
      if (cause.code === 'file_mismatch') throw new MeshRefusal('data_corrupt', 'file_mismatch', `The file fetched for ${cid} did not match its content id: ${cause.message}.`, 'Nothing was stored. Ask again; the peers involved lost reputation.');
      throw new MeshRefusal('not_found', 'no_holder', `No peer served ${cid}: ${cause.message}.`, 'Ask again when a peer that holds it is connected (find its holders first).');
    }
  }

  async announceBlock(cid: ContentId, size: number): Promise<void> {
    await this.#requireRunning().announceBlock(cid, size);
  }

  async announceStorage(capacity: number, blocks: ContentId[]): Promise<void> {
    await this.#requireRunning().announceStorage(capacity, blocks);
  }

  /** Something a peer view is made of changed (radios, LoRa identities, gossip): publish soon. */
  peersChanged(): void {
    if (!this.#open || this.#timers.refresh !== undefined) return;
    this.#timers.refresh = this.#options.clock.setTimeout(() => {
      this.#timers.refresh = undefined;
      this.#publishPeers();
    }, PEER_REFRESH_DELAY_MS);
  }

  #sample(): void {
    const now = this.#options.clock.now();
    const stats = this.#gossip?.health();
    const totals = { at: now, in: stats?.messagesIn ?? 0, out: stats?.messagesOut ?? 0 };
    const previous = this.#lastTotals;
    this.#lastTotals = totals;
    const elapsedS = previous ? (now - previous.at) / 1000 : 0;
    const rate = (current: number, before: number | undefined) => (elapsedS > 0 && before !== undefined ? Math.max(0, current - before) / elapsedS : 0);
    const peerCountBefore = this.#history.at(-1)?.peerCount;
    const sample: MeshHealth = {
      ...this.health(),
      messagesInPerSecond: rate(totals.in, previous?.in),
      messagesOutPerSecond: rate(totals.out, previous?.out),
    };
    this.#history.push(sample);
    if (this.#history.length > (this.#options.historySize ?? HISTORY_SIZE)) this.#history.shift();
    this.#options.hub.emit('mesh.health', sample);
    // New connections announce nothing by themselves: the count is how the list learns of them.
    if (sample.peerCount !== peerCountBefore) this.peersChanged();
  }

  /** One round of the discovery loop: the peer list at MESH_MAX_PEERS, logged when it changed, and published. */
  #discover(): void {
    const peers = this.#publishPeers();
    const usable = peers.filter((peer) => !peer.filtered);
    const joined = usable.filter((peer) => !this.#discovered.has(peer.id));
    this.#discovered = new Set(usable.map((peer) => peer.id));
    if (joined.length > 0) {
      const filtered = peers.length - usable.length;
      this.#options.log('info', `discovery: ${usable.length} peer${usable.length === 1 ? '' : 's'} (${joined.length} new)${filtered ? `, ${filtered} filtered` : ''}`);
    }
  }

  #publishPeers(): MeshPeer[] {
    const peers = this.peers(this.#options.settings.maxPeers, true);
    const filteredBefore = new Set(this.#peers.filter((peer) => peer.filtered).map((peer) => peer.id));
    const threshold = this.#options.settings.byzantineThreshold.toFixed(2);
    for (const peer of peers) {
      const name = peer.name ?? peer.id;
      const score = peer.reputation.score.toFixed(2);
      if (peer.filtered && !filteredBefore.has(peer.id)) {
        this.#options.log('warn', `peer ${name} filtered (reputation ${score}, below ${threshold}): ${peer.reputation.reasons[0]?.label ?? 'no evidence'}`);
      } else if (!peer.filtered && filteredBefore.has(peer.id)) {
        // Evidence fades (half-life 30 min): a peer leaves the filter when what counted against it has faded, or good evidence outweighs it.
        const against = peer.reputation.reasons.find((reason) => reason.effect === 'bad');
        const why = against ? `the ${against.label} against it now weigh ${against.weight.toFixed(2)} as they fade with time` : 'nothing counts against it any more';
        this.#options.log('info', `peer ${name} no longer filtered (reputation ${score}, threshold ${threshold}): ${why}`);
      }
    }
    this.#peers = peers;
    const text = JSON.stringify(peers);
    if (text !== this.#published) {
      this.#published = text;
      this.#options.hub.emit('mesh.peers', peers);
    }
    return peers;
  }

  #merged(): MeshPeer[] {
    const gossip = this.#gossip;
    const connected = new Set(gossip?.running ? gossip.connectedPeers() : []);
    if (gossip?.running) {
      for (const peer of gossip.discoverPeers(Number.POSITIVE_INFINITY)) this.#remember(peer);
    }
    const { reputation, ownPeerId, settings } = this.#options;
    return mergePeers({
      ip: this.#sightings.values(),
      lora: this.#options.loraPeers(),
      known: reputation.peers(),
      connected,
      ownPeerId,
      reputation,
      threshold: settings.byzantineThreshold,
    });
  }

  #filteredCount(): number {
    const { reputation, ownPeerId, settings } = this.#options;
    return reputation.peers().filter((peer) => peer !== ownPeerId && reputation.isFiltered(peer, settings.byzantineThreshold)).length;
  }

  /** Merged peers for the given ids, in that order. */
  #inOrder(ids: readonly string[]): MeshPeer[] {
    const merged = new Map(this.#merged().map((peer) => [peer.id, peer]));
    return ids.flatMap((id) => merged.get(id) ?? []);
  }

  #remember(sighting: IpSighting): void {
    this.#sightings.delete(sighting.peerId);
    this.#sightings.set(sighting.peerId, { ...sighting, transports: [...sighting.transports], addresses: [...sighting.addresses] });
    if (this.#sightings.size > MAX_SIGHTINGS) this.#sightings.delete(this.#sightings.keys().next().value!);
  }

  /** A peer that turns filtered while connected was seen just now, even if gossip never listed it. */
  #noteFiltered(peer: string): void {
    const gossip = this.#gossip;
    if (!gossip?.running || this.#sightings.has(peer) || !gossip.connectedPeers().includes(peer)) return;
    this.#remember({ peerId: peer, transports: ['ip'], addresses: [], storageCapacity: undefined, lastSeen: this.#options.clock.now() });
  }

  #setPhase(phase: MeshPhase): void {
    this.#phase = phase;
    this.#options.hub.emit('mesh.health', this.health());
  }

  #requireEnabled(): GossipPort {
    if (!this.#gossip) throw new MeshRefusal('unavailable', 'mesh_disabled', 'The IP mesh is disabled on this node.', 'Set MESH_ENABLED=true and restart the node.');
    return this.#gossip;
  }

  #requireRunning(): GossipPort {
    const gossip = this.#requireEnabled();
    if (gossip.running) return gossip;
    const why = this.#phase === 'failed' && this.#error ? ` ${this.#error.message}` : '';
    throw new MeshRefusal('unavailable', 'mesh_not_running', `The IP mesh is not running.${why}`, this.#error?.fix ?? 'Start it (Peers view, or mesh.start) and try again.');
  }
}

/** Why gossip did not start, in words an operator can act on. */
export function startProblem(cause: unknown, listen: { host: string; port: number }): ContractError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  const where = `${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}`;
  const problem = (reason: string, message: string, fix: string) => contractError('unavailable', message, { reason, fix });
  if (detail.includes('EADDRINUSE')) {
    return problem('listen_in_use', `Cannot listen for mesh peers on ${where}: the port is in use by another program (or another Pakit node).`, 'Choose another port with MESH_LISTEN=HOST:PORT (or --mesh-listen), or stop the other program, then start the mesh again.');
  }
  if (detail.includes('EACCES')) {
    return problem('listen_denied', `Not allowed to listen for mesh peers on ${where}: ports below 1024 need privileges.`, 'Choose a port above 1024 with MESH_LISTEN=HOST:PORT (or --mesh-listen).');
  }
  if (detail.includes('EADDRNOTAVAIL')) {
    return problem('listen_address', `Cannot listen for mesh peers on ${where}: ${listen.host} is not an address of this machine.`, 'Use 0.0.0.0, 127.0.0.1 or one of its own addresses in MESH_LISTEN (or --mesh-listen).');
  }
  return problem('start_failed', `The IP mesh could not start: ${detail.split('\n')[0]}`, 'See the node log for details; LoRa and the rest of the node keep running.');
}
