import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExportRequest, ExportResult, IdentityInfo, IndexSummary, LogEntry, MeshSettings, MapTiles, NodeInfo, NodePosition, RadioPortInfo, RadioState } from '../../shared/contract/index.ts';
import { ContractServer } from './api/contract-server.ts';
import { createHandlers, toIndexSyncView } from './api/handlers.ts';
import { MeshRunner } from './api/mesh-runner.ts';
import { loraPeersOf } from './api/mesh-view.ts';
import { DatabaseEmergencyArchive } from './emergencies/index.ts';
import { toMeshNodes, toRadioState } from './api/radio-view.ts';
import { systemClock, type Clock } from './clock.ts';
import { DEFAULT_HISTORY_DAYS, meshNetworkOf } from './config.ts';
import { NodeDatabase, type DamagedDatabase } from './db/index.ts';
import { CatalogueService } from './catalogue/index.ts';
import { EventHub } from './event-hub.ts';
import { exportCsv } from './export/tables.ts';
import { gossipTypeOf, loraTypeOf, type NodeMessageType } from './extensions.ts';
import { BRIDGE_MESSAGE_KIND, bridgeMessageType, LoraIpBridge } from './bridge/index.ts';
import { GossipService } from './gossip/index.ts';
import { HistoryRecorder, HistoryStore } from './history/index.ts';
import type { HostFiles } from './host-files.ts';
import type { NodeIdentity, ProtectionLevel } from './identity/index.ts';
import { NodeLog } from './log.ts';
import { NodeFavorites } from './nodes/favorites.ts';
import { FileNames } from './files/names.ts';
import { LoraService } from './lora/service.ts';
import { LoraSeqStore } from './lora/seq-store.ts';
import { MessageStore, MessagesService } from './messages/index.ts';
import { describePort, RadioLink } from './radio/link.ts';
import { listSerialPorts } from './radio/ports.ts';
import { AutoRadio, type RadioChoice } from './radio/radio-choice.ts';
import { peerKeyOf, ReputationBook } from './reputation/index.ts';
import { StatusSampler, type ProcessProbe } from './status.ts';
import type { BlockStore } from './storage/index.ts';
import { PositionStore } from './positions/index.ts';
import { TileChoice, TileService } from './tiles/index.ts';

const DATABASE_FILE = 'pakit.db';
const DAY_MS = 86_400_000;

export type PakitNodeOptions = {
  host: NodeInfo['host'];
  version: string;
  mesh: MeshSettings;
  /** Where the node keeps its state (radio outbox, backups); the store and key file live here too. */
  dataDir: string;
  identity: NodeIdentity;
  /** How the identity's key is kept at rest, as the host unlocked it. */
  protection: { level: ProtectionLevel; description: string };
  store: BlockStore;
  /** File dialogs, in the desktop app only. */
  hostFiles?: HostFiles;
  /** Radios the host offers besides serial ports (the demo's simulated devices). */
  extraRadioPorts?: () => RadioPortInfo[];
  /** Reconnect at start to the radio used last time (when `radio` names none). */
  resumeRadio?: boolean;
  /** The radio to connect to at start and keep (`--radio` / MESH_LORA_PORT); `auto`: the first board found on USB. */
  radio?: RadioChoice;
  /** With no radio named and none used before: connect to the first Meshtastic board plugged in (the desktop app). */
  autoDetectRadio?: boolean;
  clock?: Clock;
  probe?: ProcessProbe;
  /** Mirror of the log for the host (stderr for the headless node, a file for the desktop app). */
  logSink?: (entry: LogEntry) => void;
  /** Message types beyond the built-in ones, over IP and (when they say how) over LoRa. */
  messageTypes?: readonly NodeMessageType<unknown>[];
  /** An MBTiles file of raster map tiles to serve to the console's map (`--tiles`). */
  tiles?: string;
  /** Days of node history kept in the database (default 30). */
  historyDays?: number;
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
  readonly radio: RadioLink;
  /** Text messages with stock Meshtastic users: channels and direct messages, kept in `database`. */
  readonly messages: MessagesService;
  readonly lora: LoraService;
  /** One score per peer identity, fed by every transport. */
  readonly reputation: ReputationBook;
  /** The libp2p node; undefined when MESH_ENABLED is off. */
  readonly gossip: GossipService | undefined;
  /** Runs `gossip` for the node: start/stop, health samples, the merged peer list. */
  readonly mesh: MeshRunner;
  /** Relays emergencies and announces between LoRa and IP; present when the IP mesh is enabled. */
  readonly bridge: LoraIpBridge | undefined;
  readonly store: BlockStore;
  /** `pakit.db` in the data folder: messages, node history and other records; each service owns its tables. */
  readonly database: NodeDatabase;
  readonly favorites: NodeFavorites;
  /** The names and media types of stored files (the store keys bytes by content id only). */
  readonly fileNames: FileNames;
  /** The map's tile file, when one was given; a file that cannot be used says why. */
  readonly tiles: TileService;
  /** Where each node has been (the map's trails), in `database`. */
  readonly positions: PositionStore;
  /** Per-node signal, battery and channel-use samples, and this node's own, in `database`. */
  readonly history: HistoryStore;
  /** Ids held here, learned from radio peers or announced by IP peers, with their holders. */
  readonly catalogue: CatalogueService;
  readonly identity: NodeIdentity;
  readonly options: PakitNodeOptions;
  readonly #startedAt: number;
  readonly #clock: Clock;
  /** Set when the database file was unreadable at start: told to the operator once the node starts. */
  readonly #damagedDatabase: DamagedDatabase | undefined;
  #autoRadio: AutoRadio | undefined;
  readonly #tileChoice: TileChoice;
  readonly #historyRecorder: HistoryRecorder;

  constructor(options: PakitNodeOptions) {
    this.options = options;
    this.store = options.store;
    this.identity = options.identity;
    this.#clock = options.clock ?? systemClock;
    this.#startedAt = this.#clock.now();
    this.reputation = new ReputationBook(this.#clock);
    this.log = new NodeLog({ hub: this.hub, clock: this.#clock, ...(options.logSink ? { sink: options.logSink } : {}) });
    const opened = NodeDatabase.open(join(options.dataDir, DATABASE_FILE), () => this.#clock.now());
    this.database = opened.database;
    this.#damagedDatabase = opened.damaged;
    this.favorites = new NodeFavorites(this.database, this.#clock);
    this.fileNames = new FileNames(this.database, () => this.#clock.now());
    this.#tileChoice = new TileChoice(this.database);
    this.tiles = new TileService(options.tiles ?? this.#tileChoice.get());
    this.positions = new PositionStore(this.database);
    this.history = new HistoryStore(this.database);
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
    const radioDir = join(options.dataDir, 'radio');
    mkdirSync(radioDir, { recursive: true });
    this.radio = new RadioLink({ dataDir: radioDir, clock: this.#clock });
    this.messages = new MessagesService({
      link: this.radio,
      store: new MessageStore(this.database),
      clock: this.#clock,
      log: (level, message) => this.log.write(level, 'messages', message),
    });
    this.messages.on('changed', (event) => this.hub.emit('messages', event));
    this.lora = new LoraService({
      networkId: options.mesh.networkId,
      signer: options.identity,
      link: this.radio,
      clock: this.#clock,
      log: (level, message) => this.log.write(level, 'lora', message),
      store: options.store,
      transferDir: join(options.dataDir, 'lora-transfers'),
      indexFile: join(options.dataDir, 'lora-mesh-index.bin'),
      reputation: this.reputation,
      names: this.fileNames,
      seqStore: new LoraSeqStore(this.database),
      archive: new DatabaseEmergencyArchive(this.database, (id, why) => this.log.write('warn', 'lora', `a saved emergency (${id}) could not be read back (${why}); it was left out`)),
    });
    const network = meshNetworkOf(options.mesh);
    this.gossip = options.mesh.enabled
      ? new GossipService({
          identity: options.identity,
          store: options.store,
          settings: options.mesh,
          reputation: this.reputation,
          clock: this.#clock,
          ...network,
          // Emergencies and announces heard on LoRa travel over IP inside this type (see bridge/).
          messageTypes: {
            ...Object.fromEntries((options.messageTypes ?? []).map((type) => [type.name, gossipTypeOf(type)])),
            [BRIDGE_MESSAGE_KIND]: bridgeMessageType(options.mesh.networkId),
          },
          log: (line) => this.log.debug('gossip', line),
        })
      : undefined;
    this.bridge = this.gossip
      ? new LoraIpBridge({
          lora: {
            onRelayable: (listener) => {
              this.lora.on('relayable', listener);
              return () => this.lora.off('relayable', listener);
            },
            acceptRelayed: (message) => this.lora.acceptRelayed(message),
          },
          gossip: this.gossip,
          log: (line) => this.log.warn('bridge', line),
        })
      : undefined;
    this.bridge?.start();
    this.mesh = new MeshRunner({
      gossip: this.gossip,
      settings: options.mesh,
      listen: network.listen,
      ownPeerId: peerKeyOf(options.identity.publicKey),
      reputation: this.reputation,
      loraPeers: () => loraPeersOf(this.radio.nodes(), this.lora.radioKeyIds(), this.lora.emergencies.history(), (keyId) => this.lora.receiver.keys.get(keyId)),
      hub: this.hub,
      clock: this.#clock,
      log: (level, message) => this.log.write(level, 'mesh', message),
    });
    this.#historyRecorder = new HistoryRecorder({
      store: this.history,
      clock: this.#clock,
      retentionMs: (options.historyDays ?? DEFAULT_HISTORY_DAYS) * DAY_MS,
      ownNodeId: () => this.radio.device?.nodeId,
      ownStatus: () => {
        const device = this.radio.device;
        return {
          channelUtilization: device?.channelUtilization,
          airUtilTx: device?.airUtilTx,
          batteryLevel: device?.batteryLevel,
          voltage: device?.voltage,
          radioQueue: this.radio.state.status === 'ready' ? this.radio.outbox().length : undefined,
          ipPeers: this.gossip?.running ? this.mesh.health().peerCount : undefined,
        };
      },
      log: (level, message) => this.log.write(level, 'history', message),
    });
    this.#wireRadio();
    for (const type of options.messageTypes ?? []) if (type.lora) this.lora.registerMessageType(loraTypeOf(type, type.lora));
    this.lora.emergencies.on('alert', (record) => this.hub.emit('emergency.alert', record));
    this.lora.emergencies.on('history', (records) => {
      this.hub.emit('emergency.history', records);
      // A verified emergency can tell which identity a radio is.
      this.mesh.peersChanged();
    });
    const fetched = new Set<string>();
    this.lora.on('transfers', (views) => {
      this.hub.emit('files.transfers', views);
      // A file fetched over LoRa is in the store now: the consoles' block counts follow.
      const done = views.filter((view) => view.direction === 'incoming' && view.state === 'done' && !fetched.has(view.id));
      for (const view of done) fetched.add(view.id);
      if (done.length > 0) this.publishIndex();
    });
    this.lora.on('sync', (view) => this.hub.emit('index.sync', toIndexSyncView(view)));
    this.catalogue = new CatalogueService({
      clock: this.#clock,
      hub: this.hub,
      store: this.store,
      database: this.database,
      log: (level, message) => this.log.write(level, 'catalogue', message),
      ...(this.gossip ? { fetchRoot: (rootId: string, peer: string) => this.gossip!.fetchBlockFrom(rootId, peer) } : {}),
      names: (contentId) => {
        const known = this.fileNames.get(contentId);
        return known && { ...(known.name ? { name: known.name } : {}), ...(known.mediaType ? { type: known.mediaType } : {}) };
      },
    });
    this.catalogue.learnedEarlier(this.lora.learnedIds());
    this.lora.on('learned', (batches) => this.catalogue.learned(batches));
    this.lora.on('manifest', (heard) => this.catalogue.manifestHeard(heard));
    this.gossip?.onAnnouncement((message) => this.catalogue.announced(message));
  }

  info(): NodeInfo {
    return {
      product: 'Pakit Mesh',
      version: this.options.version,
      host: this.options.host,
      startedAt: this.#startedAt,
      platform: `${process.platform}-${process.arch}`,
      runtime: `Node ${process.versions.node}${process.versions.electron ? `, Electron ${process.versions.electron}` : ''}`,
      // Defaults filled in, so Settings shows where the mesh listens and how it finds peers.
      mesh: { ...this.options.mesh, ...meshNetworkOf(this.options.mesh) },
    };
  }

  identityInfo(): IdentityInfo {
    return {
      publicKey: Buffer.from(this.identity.publicKey).toString('hex'),
      fingerprint: this.identity.fingerprint,
      protection: this.options.protection.level,
      protectionDetail: this.options.protection.description,
    };
  }

  indexSummary(): IndexSummary {
    const summary = this.store.index.summary();
    return { version: summary.version, rootHash: summary.root_hash, blockCount: summary.block_count };
  }

  /** Tells consoles the index changed; called by every service that stores or removes blocks. */
  publishIndex(): void {
    this.hub.emit('index.summary', this.indexSummary());
    this.catalogue.storeChanged();
  }

  radioState(): RadioState {
    return toRadioState(this.radio.state, this.radio.device, this.radio.outbox().length);
  }

  now(): number {
    return this.#clock.now();
  }

  /** One table of the node's records as CSV; favourites are the operator's marks where set. */
  exportCsv(request: ExportRequest): Promise<ExportResult> {
    const favorites = new Map(this.favorites.list().map((mark) => [mark.nodeId, mark.favorite]));
    return exportCsv(
      {
        nodes: () => toMeshNodes(this.radio.nodes()).map((node) => ({ ...node, isFavorite: favorites.get(node.nodeId) ?? node.isFavorite })),
        nodeSamplePages: (filter) => this.history.nodeSamplePages(filter),
        messages: () => this.messages.store.allInTimeOrder(),
        emergencies: () => this.lora.emergencies.history(),
        log: () => this.log.recent(Number.MAX_SAFE_INTEGER),
        now: () => this.#clock.now(),
      },
      request,
    );
  }

  async start(): Promise<void> {
    this.status.start();
    this.#historyRecorder.start();
    this.log.info('node', `Pakit Mesh ${this.options.version} started (${this.options.host}); identity ${this.identity.fingerprint}; network "${this.options.mesh.networkId}"`);
    if (this.#damagedDatabase) {
      const { keptAs, reason } = this.#damagedDatabase;
      this.log.error('node', `The database was damaged and could not be read (${reason}). It was kept as ${keptAs} and the node started with a fresh one: history and messages from before are in that copy.`);
    }
    this.#logTiles();
    this.#connectRadio();
    // A mesh that cannot listen is reported in its health and the log; the node runs on without it.
    await this.mesh.open();
  }

  /** A position that cannot be written (disk full) is logged; the radio's events go on. */
  #recordPositions(positions: readonly { nodeId: string; position: NodePosition | undefined }[]): void {
    try {
      this.positions.record(positions, this.#clock.now());
    } catch (error) {
      this.log.warn('map', `could not keep a node position: ${(error as Error).message}`);
    }
  }

  /**
   * Serves another tile file from now on and keeps the choice (undefined: none). A file that cannot
   * be used throws TileFileError and changes nothing.
   */
  useTileFile(path: string | undefined): MapTiles {
    const absolute = path === undefined ? undefined : resolve(path);
    this.tiles.use(absolute);
    this.#tileChoice.set(absolute);
    if (absolute === undefined) this.log.info('map', 'no map tiles any more (chosen in Settings): the map shows a plain grid');
    else this.#logTiles();
    const info = this.tiles.info();
    this.hub.emit('map.tiles', info);
    return info;
  }

  #logTiles(): void {
    const tiles = this.tiles.info();
    if (tiles.available) this.log.info('map', `serving map tiles "${tiles.name}" (${tiles.format}, zoom ${tiles.minZoom}-${tiles.maxZoom}) from ${tiles.file}`);
    else if (tiles.error) this.log.error('map', `${tiles.error.message} ${tiles.error.fix ?? ''} The map shows a plain grid meanwhile.`);
  }

  /** The radio the settings name, else the one used last time, else (when the host asks) the first board found. */
  #connectRadio(): void {
    const { radio: choice, resumeRadio, autoDetectRadio } = this.options;
    const resumes = resumeRadio === true && this.radio.lastDevice() !== undefined;
    if (choice?.kind === 'auto' || (!choice && !resumes && autoDetectRadio)) {
      this.#autoRadio = new AutoRadio({
        clock: this.#clock,
        listPorts: () => listSerialPorts(),
        connect: (port) => void this.radio.keepConnected(port),
        log: (level, message) => this.log.write(level, 'radio', message),
      });
      this.#autoRadio.start();
    } else if (choice) {
      this.log.info('radio', `connecting to the radio named in the settings (${describePort(choice)})`);
      void this.radio.keepConnected(choice);
    } else if (resumes) {
      this.log.info('radio', 'reconnecting to the radio used last time');
      void this.radio.resume();
    }
  }

  /**
   * Sends a message of a type given in `messageTypes` on every transport it has: published on the IP
   * mesh when it runs, broadcast over LoRa when the type has a LoRa code and a radio is ready.
   */
  async sendMessage(name: string, value: unknown): Promise<{ ip: boolean; lora: boolean }> {
    const type = this.options.messageTypes?.find((candidate) => candidate.name === name);
    if (!type) throw new RangeError(`no message type "${name}" was given to this node`);
    const ip = this.gossip?.running ? (await this.gossip.publish(name, value), true) : false;
    const lora = type.lora ? this.lora.sendCustom(name, value) : false;
    return { ip, lora };
  }

  async stop(): Promise<void> {
    this.status.stop();
    this.#historyRecorder.stop();
    this.#autoRadio?.stop();
    this.bridge?.stop();
    await this.mesh.close();
    await this.lora.stop();
    this.messages.stop();
    this.radio.disconnect();
    await this.catalogue.settled();
    this.store.close();
    this.tiles.close();
    this.database.close();
    this.log.info('node', 'stopped');
  }

  #wireRadio(): void {
    const publishState = () => this.hub.emit('radio.state', this.radioState());
    this.radio.on('state', (state) => {
      publishState();
      if (state.status === 'ready') this.log.info('radio', `connected to ${this.radio.device?.longName ?? 'the radio'} (${this.radio.device?.nodeId ?? '?'})`);
      if (state.status === 'failed' || state.status === 'reconnecting') this.log.warn('radio', state.error.message);
    });
    this.radio.on('device', (device) => {
      publishState();
      this.#recordPositions([{ nodeId: device.nodeId, position: device.position }]);
    });
    this.radio.on('outbox', publishState);
    this.radio.on('nodes', (nodes) => {
      this.#historyRecorder.recordNodes(nodes);
      this.#recordPositions(nodes);
      this.hub.emit('radio.nodes', toMeshNodes(nodes));
      this.mesh.peersChanged();
    });
    this.radio.on('log', (line) => this.log.write(line.level, line.source, line.message));
  }
}
