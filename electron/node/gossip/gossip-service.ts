// The IP side of the mesh: libp2p (TCP, noise, yamux, pnet) with gossipsub for signed announcements,
// a block request protocol, mDNS/bootstrap/kad-dht for finding peers and providers. Reputation is
// shared with the other transports; peers below MESH_BYZANTINE_THRESHOLD are left out of discovery,
// their messages dropped by author, and their connections refused by the gater and hung up.
import { createHash } from 'node:crypto';
import { noise } from '@chainsafe/libp2p-noise';
import { yamux } from '@chainsafe/libp2p-yamux';
import { bootstrap } from '@libp2p/bootstrap';
import { privateKeyFromRaw } from '@libp2p/crypto/keys';
import { gossipsub, TopicValidatorResult, type GossipSub, type Message } from '@libp2p/gossipsub';
import { createTopicScoreParams } from '@libp2p/gossipsub/score';
import { identify } from '@libp2p/identify';
import type { Libp2p, PeerId } from '@libp2p/interface';
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht';
import { mdns } from '@libp2p/mdns';
import { peerIdFromString } from '@libp2p/peer-id';
import { ping } from '@libp2p/ping';
import { preSharedKey } from '@libp2p/pnet';
import { tcp } from '@libp2p/tcp';
import { createLibp2p } from 'libp2p';
import { CID } from 'multiformats/cid';
import { systemClock, type Clock } from '../clock.ts';
import type { MeshSettings } from '../../../shared/contract/index.ts';
import type { NodeIdentity } from '../identity/index.ts';
import { NEUTRAL_SCORE, ReputationBook } from '../reputation/index.ts';
import { DAG_CBOR_CODEC, parseContentId } from '../storage/content-id.ts';
import { decodeFileNode } from '../storage/file-node.ts';
import type { BlockStore, ContentId } from '../storage/index.ts';
import { AnnouncementValidator, type BodyCheck } from './announcement-validator.ts';
import { fetchBlock, serveBlock, type FetchOutcome } from './block-exchange.ts';
import {
  BlockAnnouncement,
  encodeAnnouncement,
  MAX_BLOCKS_PER_STORAGE_ANNOUNCEMENT,
  MAX_ENVELOPE_BYTES,
  signAnnouncement,
  StorageAnnouncement,
  type Announcement,
} from './messages.ts';
import { blockProtocol, dhtProtocol, preSharedKeyFor, protocolPrefix, topicFor } from './network.ts';
import { PeerDirectory, type Transport } from './peer-directory.ts';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimit } from './rate-limiter.ts';
import type { ReplayWindow } from './replay-guard.ts';

/** A custom message type: its body check, and what to do with a verified message. */
export type MessageType = {
  check: BodyCheck;
  onMessage?: (message: ReceivedAnnouncement) => void;
};

export type ReceivedAnnouncement = {
  kind: string;
  /** Author's peer id (also its reputation key). */
  author: string;
  body: unknown;
  announcement: Announcement;
  receivedAt: number;
};

export type GossipServiceOptions = {
  identity: NodeIdentity;
  store: BlockStore;
  settings: MeshSettings;
  /** Shared with the LoRa side so one peer has one score; created here when absent. */
  reputation?: ReputationBook;
  clock?: Clock;
  /** TCP listen address. Default 0.0.0.0:7777; tests use 127.0.0.1 and port 0. */
  listen?: { host: string; port: number };
  /** Multiaddrs (with /p2p/<peer id>) dialled at start and whenever the node is alone. */
  bootstrap?: string[];
  /** mDNS on the local network; query interval in ms when a number. Default off. */
  mdns?: boolean | number;
  /** kad-dht as the fallback for finding block providers. Default on. */
  dht?: boolean;
  /** Extension point: message types beyond `block` and `storage`, by name. */
  messageTypes?: Record<string, MessageType>;
  rateLimit?: RateLimit;
  replayWindow?: ReplayWindow;
  log?: (line: string) => void;
};

export type PeerSummary = {
  peerId: string;
  reputation: number;
  transports: Transport[];
  addresses: string[];
  storageCapacity: number | undefined;
  lastSeen: number;
  connected: boolean;
};

export type GossipHealth = {
  running: boolean;
  connected: boolean;
  peerCount: number;
  /** When the last verified announcement arrived (ms), or null. */
  lastGossipAt: number | null;
  messagesIn: number;
  messagesOut: number;
  messagesRejected: number;
  messagesIgnored: number;
};

export type FetchOptions = { maxPeers?: number; timeoutMs?: number };

export class GossipError extends Error {
  readonly code: 'not_running' | 'not_found' | 'file_mismatch' | 'unknown_type';
  constructor(code: GossipError['code'], message: string) {
    super(message);
    this.name = 'GossipError';
    this.code = code;
  }
}

const BUILT_IN_TYPES: Record<string, MessageType> = {
  block: { check: parseOrUndefined(BlockAnnouncement) },
  storage: { check: parseOrUndefined(StorageAnnouncement) },
};
const DEFAULT_LISTEN = { host: '0.0.0.0', port: 7777 };
const DEFAULT_FETCH_TIMEOUT_MS = 10_000;
const DHT_LOOKUP_TIMEOUT_MS = 3_000;
const MAX_PENDING_PROVIDES = 1_000;
/** A "not held" answer within this time of announcing the block is a false claim. */
const RECENT_CLAIM_MS = 2 * 60_000;
const PROVIDES_PER_ROUND = 4;
/**
 * Claims of an author that has not yet served us are spot-checked as they arrive, so a false "I have
 * this block" shows within a second on every node that hears it, not whenever someone happens to
 * fetch. After PROBE_UNTIL_SERVED good answers, one claim in PROBE_EVERY_NTH keeps it honest.
 */
const PROBE_UNTIL_SERVED = 2;
const PROBE_EVERY_NTH = 32;
const PROBE_MAX_BYTES = 64 * 1024;
const PROBE_TIMEOUT_MS = 5_000;
const MAX_CONCURRENT_PROBES = 4;
const MAX_PROBED_AUTHORS = 1_024;
/** Gossipsub app score of a filtered peer: far below the graylist threshold (-80). */
const FILTERED_APP_SCORE = -1000;

type Services = { pubsub: GossipSub; identify: unknown; ping: unknown; dht?: ReturnType<ReturnType<typeof kadDHT>> };

export class GossipService {
  readonly reputation: ReputationBook;
  readonly #options: GossipServiceOptions;
  readonly #clock: Clock;
  readonly #networkId: string;
  readonly #types: Map<string, MessageType>;
  readonly #directory = new PeerDirectory();
  readonly #validator: AnnouncementValidator;
  /** We never publish as fast as peers accept from one author, so our own bursts are not penalised. */
  readonly #outgoing: RateLimiter;
  readonly #listeners = new Set<(message: ReceivedAnnouncement) => void>();
  /** Validated messages waiting for gossipsub's `message` event (same object), so nothing is decoded twice. */
  readonly #accepted = new WeakMap<Message, { kind: string; body: unknown; announcement: Announcement }>();
  #node: Libp2p<Services> | undefined;
  #discoveryTimer: unknown;
  #stopReputationWatch: (() => void) | undefined;
  #lastSeq = 0;
  /** Per author: claims heard and claims it proved by serving the block. Oldest author evicted first. */
  readonly #claimChecks = new Map<string, { heard: number; served: number }>();
  readonly #probing = new Set<string>();
  /** Content ids announced since the last discovery round, to be provided on the DHT (newest last). */
  readonly #pendingProvides = new Set<string>();
  #stats = { lastGossipAt: null as number | null, messagesIn: 0, messagesOut: 0, messagesRejected: 0, messagesIgnored: 0 };

  constructor(options: GossipServiceOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#networkId = options.settings.networkId;
    this.reputation = options.reputation ?? new ReputationBook(this.#clock);
    for (const kind of Object.keys(options.messageTypes ?? {})) {
      if (kind in BUILT_IN_TYPES || !/^[a-z][a-z0-9-]{0,31}$/.test(kind)) throw new RangeError(`message type "${kind}" is reserved or not a valid name`);
    }
    this.#types = new Map(Object.entries({ ...options.messageTypes, ...BUILT_IN_TYPES }));
    this.#validator = new AnnouncementValidator({
      networkId: this.#networkId,
      reputation: this.reputation,
      threshold: () => this.#options.settings.byzantineThreshold,
      now: () => this.#clock.now(),
      bodyChecks: new Map([...this.#types].map(([kind, type]) => [kind, type.check])),
      rateLimit: options.rateLimit,
      replayWindow: options.replayWindow,
    });
    // Below the receivers' limit with room to spare: network jitter can bunch paced messages up.
    const limit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
    this.#outgoing = new RateLimiter({ perSecond: limit.perSecond * 0.8, burst: Math.max(1, Math.floor(limit.burst / 2)) });
  }

  get running(): boolean {
    return this.#node?.status === 'started';
  }

  get peerId(): string {
    return this.#requireNode().peerId.toString();
  }

  /** Listening addresses with /p2p/<peer id>, for other nodes' bootstrap lists. */
  addresses(): string[] {
    return this.#requireNode()
      .getMultiaddrs()
      .map((address) => address.toString());
  }

  async start(): Promise<void> {
    if (this.#node) return;
    const { identity, settings } = this.#options;
    const listen = this.#options.listen ?? DEFAULT_LISTEN;
    const prefix = protocolPrefix(this.#networkId);
    const topics = [...this.#types.keys()].map((kind) => topicFor(this.#networkId, kind));
    const threshold = () => this.#options.settings.byzantineThreshold;
    const filtered = (peer: PeerId) => this.reputation.isFiltered(peer.toString(), threshold());
    const peerDiscovery = [];
    if (this.#options.bootstrap?.length) peerDiscovery.push(bootstrap({ list: this.#options.bootstrap }));
    if (this.#options.mdns) {
      peerDiscovery.push(
        mdns({
          serviceTag: `_pakit-${createHash('sha256').update(this.#networkId).digest('hex').slice(0, 16)}._udp.local`,
          interval: typeof this.#options.mdns === 'number' ? this.#options.mdns : 10_000,
        }),
      );
    }
    const services = {
      identify: identify({ protocolPrefix: prefix.slice(1) }),
      ping: ping({ protocolPrefix: prefix.slice(1) }),
      pubsub: gossipsub({
        allowedTopics: topics,
        fallbackToFloodsub: false,
        emitSelf: false,
        // A lone node may still announce; peers that join later learn from the next announcement.
        allowPublishToZeroTopicPeers: true,
        maxInboundDataLength: MAX_ENVELOPE_BYTES,
        scoreParams: {
          appSpecificScore: (peer: string) => this.#appScore(peer),
          appSpecificWeight: 1,
          // Nodes of one site often share an address (NAT, one host in tests): no colocation penalty.
          IPColocationFactorWeight: 0,
          topics: Object.fromEntries(topics.map((topic) => [topic, QUIET_TOPIC_SCORE])),
        },
      }),
      ...(this.#options.dht === false
        ? {}
        : { dht: kadDHT({ clientMode: false, protocol: dhtProtocol(this.#networkId), peerInfoMapper: passthroughMapper }) }),
    };
    const node = (await createLibp2p({
      privateKey: privateKeyFromRaw(identity.libp2pPrivateKey()),
      addresses: { listen: [`/ip4/${listen.host}/tcp/${listen.port}`] },
      transports: [tcp()],
      connectionProtector: preSharedKey({ psk: preSharedKeyFor(this.#networkId) }),
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
      peerDiscovery,
      connectionManager: {
        maxConnections: Math.max(16, settings.maxPeers * 2),
        // The default (5/s per IP) silently refuses a LAN burst or nodes sharing one address.
        inboundConnectionThreshold: 100,
      },
      connectionGater: {
        denyDialPeer: filtered,
        denyInboundEncryptedConnection: filtered,
        denyOutboundEncryptedConnection: filtered,
      },
      services,
    })) as unknown as Libp2p<Services>;
    this.#node = node;

    const pubsub = node.services.pubsub;
    for (const kind of this.#types.keys()) {
      const topic = topicFor(this.#networkId, kind);
      pubsub.topicValidators.set(topic, (hop, message) => this.#validate(kind, hop, message));
      pubsub.subscribe(topic);
    }
    pubsub.addEventListener('message', (event) => this.#deliver(event.detail));
    await node.handle(blockProtocol(this.#networkId), async (stream) => {
      await serveBlock(stream, this.#options.store).catch((cause: Error) => {
        this.#log(`block request failed: ${cause.message}`);
        stream.abort(cause);
      });
    });
    node.addEventListener('peer:discovery', (event) => void this.#maybeDial(event.detail.id, event.detail.multiaddrs.map(String)));
    node.addEventListener('peer:identify', (event) => {
      const { peerId, listenAddrs } = event.detail;
      this.reputation.observe(peerId.toString());
      this.#directory.seen(peerId.toString(), this.#clock.now(), { transport: 'ip', addresses: listenAddrs.map(String) });
    });
    this.#stopReputationWatch = this.reputation.onChange((peer, score) => {
      if (score < threshold()) void this.#hangUp(peer);
    });
    this.#scheduleDiscovery();
    this.#log(`gossip started as ${node.peerId} on ${this.addresses().join(', ')}`);
  }

  async stop(): Promise<void> {
    const node = this.#node;
    if (!node) return;
    this.#node = undefined;
    this.#clock.clearTimeout(this.#discoveryTimer);
    this.#stopReputationWatch?.();
    await node.stop();
  }

  /** Known peers, best reputation first (then most recently seen), without filtered ones. */
  discoverPeers(maxPeers = this.#options.settings.maxPeers): PeerSummary[] {
    const connected = new Set(this.#node?.getPeers().map(String) ?? []);
    const own = this.#node?.peerId.toString();
    const threshold = this.#options.settings.byzantineThreshold;
    return this.#directory
      .list()
      .filter((entry) => entry.peerId !== own && !this.reputation.isFiltered(entry.peerId, threshold))
      .map((entry) => ({ ...entry, transports: [...entry.transports], addresses: [...entry.addresses], reputation: this.reputation.score(entry.peerId), connected: connected.has(entry.peerId) }))
      .sort((a, b) => b.reputation - a.reputation || b.lastSeen - a.lastSeen)
      .slice(0, maxPeers);
  }

  /** A peer heard on another transport (LoRa), so discovery lists every way to reach it. */
  notePeer(peerId: string, transport: Transport, addresses: string[] = []): void {
    this.reputation.observe(peerId);
    this.#directory.seen(peerId, this.#clock.now(), { transport, addresses });
  }

  /** Peers that announced storage, largest capacity first among equally reputable ones. */
  discoverStoragePeers(maxPeers = this.#options.settings.maxPeers): PeerSummary[] {
    return this.discoverPeers(Number.POSITIVE_INFINITY)
      .filter((peer) => peer.storageCapacity !== undefined)
      .sort((a, b) => b.reputation - a.reputation || b.storageCapacity! - a.storageCapacity!)
      .slice(0, maxPeers);
  }

  async announceBlock(cid: ContentId, size: number): Promise<Announcement> {
    const canonical = parseContentId(cid);
    const announcement = await this.publish('block', { cid: canonical.toString(), size });
    // The DHT is only the fallback for peers that missed the gossip. A provide is a walk over the
    // network (one per announcement raised the 20-node benchmark's p95 from ~0.5 s to ~1.8 s), so
    // provides are batched into the discovery rounds.
    if (this.#options.dht !== false) {
      this.#pendingProvides.delete(canonical.toString());
      this.#pendingProvides.add(canonical.toString());
      if (this.#pendingProvides.size > MAX_PENDING_PROVIDES) this.#pendingProvides.delete(this.#pendingProvides.values().next().value!);
    }
    return announcement;
  }

  /** Capacity in bytes, and blocks held (sent in announcements of at most 256 ids each). */
  async announceStorage(capacity: number, availableBlocks: readonly ContentId[] = []): Promise<void> {
    const blocks = availableBlocks.map((id) => parseContentId(id).toString());
    let offset = 0;
    do {
      await this.publish('storage', { capacity, blocks: blocks.slice(offset, offset + MAX_BLOCKS_PER_STORAGE_ANNOUNCEMENT) });
      offset += MAX_BLOCKS_PER_STORAGE_ANNOUNCEMENT;
    } while (offset < blocks.length);
  }

  /** Signs and publishes a message of any registered type; returns what was sent. */
  async publish(kind: string, body: unknown): Promise<Announcement> {
    const node = this.#requireNode();
    const type = this.#types.get(kind);
    if (!type) throw new GossipError('unknown_type', `no message type "${kind}" is registered`);
    if (type.check(body) === undefined) throw new RangeError(`not a valid "${kind}" body`);
    while (!this.#outgoing.take('self', this.#clock.now())) await new Promise<void>((resolve) => this.#clock.setTimeout(resolve, 50));
    const { identity } = this.#options;
    // Whole milliseconds: the envelope's ts and seq are integers (a scaled test clock is not).
    const now = Math.floor(this.#clock.now());
    // Microsecond-scaled, so sequence numbers keep increasing across restarts.
    this.#lastSeq = Math.max(this.#lastSeq + 1, now * 1000);
    const announcement = signAnnouncement(
      { net: this.#networkId, kind, author: identity.publicKey, seq: this.#lastSeq, ts: now, body },
      (bytes) => identity.sign(bytes),
    );
    await node.services.pubsub.publish(topicFor(this.#networkId, kind), encodeAnnouncement(announcement));
    this.#stats.messagesOut++;
    return announcement;
  }

  /** Every verified announcement (all types), after the service has recorded it. */
  onAnnouncement(listener: (message: ReceivedAnnouncement) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Peers believed to hold `cid`, best first: those that announced it over gossip or, when gossip
   * knows none, kad-dht providers. Filtered peers are left out.
   */
  async findBlockPeers(cid: ContentId, maxPeers = 5): Promise<string[]> {
    const canonical = parseContentId(cid);
    const threshold = this.#options.settings.byzantineThreshold;
    const own = this.#node?.peerId.toString();
    const found = new Set(this.#directory.holdersOf(canonical.toString(), this.#clock.now()));
    const node = this.#node;
    // The DHT walk costs seconds and many streams: only when gossip knows no holder at all.
    if (found.size === 0 && node?.services.dht) {
      try {
        for await (const provider of node.contentRouting.findProviders(canonical, { signal: AbortSignal.timeout(DHT_LOOKUP_TIMEOUT_MS) })) {
          const peer = provider.id.toString();
          this.#directory.seen(peer, this.#clock.now(), { transport: 'ip', addresses: provider.multiaddrs.map(String) });
          found.add(peer);
          if (found.size >= maxPeers) break;
        }
      } catch (cause) {
        this.#log(`dht lookup for ${canonical} ended: ${(cause as Error).message}`);
      }
    }
    return [...found]
      .filter((peer) => peer !== own && !this.reputation.isFiltered(peer, threshold))
      .sort((a, b) => this.reputation.score(b) - this.reputation.score(a))
      .slice(0, maxPeers);
  }

  /**
   * Fetches a block (or a whole file, for a file root) from peers that hold it, checks every block
   * against its content id, stores it, and returns its bytes. Each peer's answer goes into its
   * reputation: served, corrupt, claimed-but-missing, or unanswered.
   */
  async requestBlockFromPeers(cid: ContentId, options: FetchOptions = {}): Promise<Uint8Array> {
    const canonical = parseContentId(cid).toString();
    const { store } = this.#options;
    if (store.has(canonical)) return store.readFile(canonical);
    const peers = await this.findBlockPeers(canonical, options.maxPeers ?? 5);
    const root = await this.#fetchFromAny(canonical, peers, options);
    let file = root;
    if (CID.parse(canonical).code === DAG_CBOR_CODEC) {
      const node = decodeFileNode(root);
      if (!node) throw new GossipError('not_found', `${canonical} is a dag-cbor block but not a file root`);
      const parts: Uint8Array[] = [];
      for (const child of node.blocks) parts.push(await this.#fetchFromAny(child.toString(), peers, options));
      file = Buffer.concat(parts);
    }
    // The store has no "put this block" call: storing the file (a single raw block, or the leaves
    // with the same chunking) must reproduce the id we asked for.
    const stored = await store.store(file);
    if (stored !== canonical) throw new GossipError('file_mismatch', `stored as ${stored}, expected ${canonical}`);
    return file;
  }

  /**
   * One block from one peer, checked against its id, not stored (the catalogue reads an announced
   * file root to list the file as one row with its size). The answer goes into the peer's reputation.
   */
  async fetchBlockFrom(cid: ContentId, peer: string, options: Pick<FetchOptions, 'timeoutMs'> = {}): Promise<Uint8Array> {
    return this.#fetchFromAny(parseContentId(cid).toString(), [peer], options);
  }

  /** Peer ids with an open connection right now (filtered ones included until they are hung up). */
  connectedPeers(): string[] {
    return this.#node?.getPeers().map(String) ?? [];
  }

  health(): GossipHealth {
    const peerCount = this.#node?.getPeers().length ?? 0;
    return { running: this.running, connected: peerCount > 0, peerCount, ...this.#stats };
  }

  async #fetchFromAny(cid: string, peers: string[], options: FetchOptions): Promise<Uint8Array> {
    const node = this.#requireNode();
    for (const peer of peers) {
      if (this.reputation.isFiltered(peer, this.#options.settings.byzantineThreshold)) continue;
      let outcome: FetchOutcome;
      try {
        const signal = AbortSignal.timeout(options.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS);
        const stream = await node.dialProtocol(peerIdFromString(peer), blockProtocol(this.#networkId), { signal });
        const onTimeout = () => stream.abort(new Error('block request timed out'));
        signal.addEventListener('abort', onTimeout, { once: true });
        try {
          outcome = await fetchBlock(stream, cid);
        } finally {
          signal.removeEventListener('abort', onTimeout);
        }
      } catch (cause) {
        this.reputation.report(peer, 'request_unanswered');
        this.#log(`block ${cid} from ${peer}: ${(cause as Error).message}`);
        continue;
      }
      if (outcome.kind === 'block') {
        this.reputation.report(peer, 'block_served');
        return outcome.bytes;
      }
      const claimAge = this.#directory.claimAge(peer, cid, this.#clock.now());
      if (outcome.kind === 'corrupt') this.reputation.report(peer, 'block_corrupt');
      // Honest nodes store before they announce; an older claim may have been deleted since, in good faith.
      else if (claimAge !== undefined && claimAge <= RECENT_CLAIM_MS) this.reputation.report(peer, 'block_claim_false');
      else this.reputation.report(peer, 'request_answered');
      this.#directory.dropClaim(peer, cid);
    }
    throw new GossipError('not_found', `no peer served ${cid} (asked ${peers.length})`);
  }

  #validate(kind: string, hop: PeerId, message: Message): TopicValidatorResult {
    this.#stats.messagesIn++;
    if (message.type !== 'signed') {
      this.reputation.report(hop.toString(), 'message_invalid');
      this.#stats.messagesRejected++;
      return TopicValidatorResult.Reject;
    }
    const verdict = this.#validator.check({
      author: message.from.toString(),
      authorKey: message.key.raw,
      hop: hop.toString(),
      kind,
      data: message.data,
    });
    if (verdict.result === 'accept') {
      this.#accepted.set(message, { kind, body: verdict.body, announcement: verdict.announcement });
      return TopicValidatorResult.Accept;
    }
    if (verdict.result === 'reject') {
      this.#stats.messagesRejected++;
      this.#log(`refused a "${kind}" message by ${message.from.toString()} (via ${hop.toString()}): ${verdict.reason}`);
    } else this.#stats.messagesIgnored++;
    return verdict.result === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore;
  }

  #deliver(message: Message): void {
    const accepted = this.#accepted.get(message);
    if (!accepted || message.type !== 'signed') return;
    const author = message.from.toString();
    const now = this.#clock.now();
    this.#stats.lastGossipAt = now;
    this.#directory.seen(author, now, { transport: 'ip' });
    if (accepted.kind === 'block') {
      const body = accepted.body as BlockAnnouncement;
      this.#directory.recordClaim(author, body.cid, body.size, now);
      this.#maybeProbeClaim(author, body);
    } else if (accepted.kind === 'storage') {
      const body = accepted.body as StorageAnnouncement;
      this.#directory.recordStorage(author, body.capacity, now);
      for (const cid of body.blocks) this.#directory.recordClaim(author, cid, undefined, now);
    }
    const received: ReceivedAnnouncement = { ...accepted, author, receivedAt: now };
    this.#types.get(accepted.kind)?.onMessage?.(received);
    for (const listener of this.#listeners) listener(received);
  }

  /** Fetches a claimed block from its author (without storing it); the outcome feeds its reputation. */
  #maybeProbeClaim(author: string, claim: BlockAnnouncement): void {
    if (claim.size > PROBE_MAX_BYTES || this.#options.store.has(claim.cid)) return;
    let check = this.#claimChecks.get(author);
    if (!check) {
      check = { heard: 0, served: 0 };
      this.#claimChecks.set(author, check);
      if (this.#claimChecks.size > MAX_PROBED_AUTHORS) this.#claimChecks.delete(this.#claimChecks.keys().next().value!);
    }
    check.heard++;
    const due = check.served < PROBE_UNTIL_SERVED || check.heard % PROBE_EVERY_NTH === 0;
    if (!due || this.#probing.has(author) || this.#probing.size >= MAX_CONCURRENT_PROBES) return;
    this.#probing.add(author);
    void this.#fetchFromAny(claim.cid, [author], { timeoutMs: PROBE_TIMEOUT_MS })
      .then(() => check.served++)
      .catch(() => undefined)
      .finally(() => this.#probing.delete(author));
  }

  #appScore(peer: string): number {
    const score = this.reputation.score(peer);
    if (score < this.#options.settings.byzantineThreshold) return FILTERED_APP_SCORE;
    // Neutral is 0; the range (-4..+10 at the default threshold) stays above gossipsub's gossip threshold (-10).
    return (score - NEUTRAL_SCORE) * 20;
  }

  async #hangUp(peer: string): Promise<void> {
    const node = this.#node;
    if (!node) return;
    try {
      await node.hangUp(peerIdFromString(peer));
      this.#log(`hung up on ${peer}: reputation below threshold`);
    } catch (cause) {
      this.#log(`hang up on ${peer} failed: ${(cause as Error).message}`);
    }
  }

  /** Discovery never dials by itself (only bootstrap does): dial what it finds while below maxPeers. */
  async #maybeDial(peerId: PeerId, addresses: string[]): Promise<void> {
    const node = this.#node;
    if (!node) return;
    const peer = peerId.toString();
    this.#directory.seen(peer, this.#clock.now(), { transport: 'ip', addresses });
    if (peer === node.peerId.toString() || node.getConnections(peerId).length > 0) return;
    if (this.reputation.isFiltered(peer, this.#options.settings.byzantineThreshold)) return;
    if (node.getPeers().length >= this.#options.settings.maxPeers) return;
    // mDNS makes both sides discover each other at once: only the smaller id dials (the discovery
    // round dials anything still unconnected later, whichever side found it).
    if (node.peerId.toString() > peer) return;
    try {
      await node.dial(peerId, { signal: AbortSignal.timeout(5_000) });
    } catch (cause) {
      this.#log(`dial ${peer} failed: ${(cause as Error).message}`);
    }
  }

  #scheduleDiscovery(): void {
    this.#discoveryTimer = this.#clock.setTimeout(() => {
      void this.#discoveryRound().finally(() => {
        if (this.#node) this.#scheduleDiscovery();
      });
    }, this.#options.settings.discoveryIntervalS * 1000);
  }

  /** The newest pending provides, a bounded number per round. */
  async #provideSome(node: Libp2p<Services>): Promise<void> {
    const batch = [...this.#pendingProvides].slice(-PROVIDES_PER_ROUND);
    for (const cid of batch) this.#pendingProvides.delete(cid);
    const signal = AbortSignal.timeout(this.#options.settings.discoveryIntervalS * 1000);
    await Promise.all(
      batch.map((cid) => node.contentRouting.provide(CID.parse(cid), { signal }).catch((cause: Error) => this.#log(`dht provide ${cid} failed: ${cause.message}`))),
    );
  }

  /** One round: hang up filtered peers, provide recent blocks on the DHT, top up connections from known peers, best first. */
  async #discoveryRound(): Promise<void> {
    const node = this.#node;
    if (!node) return;
    const threshold = this.#options.settings.byzantineThreshold;
    for (const peer of node.getPeers()) {
      if (this.reputation.isFiltered(peer.toString(), threshold)) await this.#hangUp(peer.toString());
    }
    await this.#provideSome(node);
    const missing = this.#options.settings.maxPeers - node.getPeers().length;
    if (missing <= 0) return;
    const known = await node.peerStore.all();
    const candidates = known
      .map((peer) => peer.id)
      .filter((id) => !id.equals(node.peerId) && node.getConnections(id).length === 0 && !this.reputation.isFiltered(id.toString(), threshold))
      .sort((a, b) => this.reputation.score(b.toString()) - this.reputation.score(a.toString()))
      .slice(0, missing);
    await Promise.all(candidates.map((id) => node.dial(id, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined)));
  }

  #requireNode(): Libp2p<Services> {
    if (!this.#node) throw new GossipError('not_running', 'the gossip service is not started');
    return this.#node;
  }

  #log(line: string): void {
    this.#options.log?.(line);
  }
}

/**
 * Topic scoring for announcement topics, which are quiet (a few messages a minute): the delivery
 * penalties P3/P3b are off because a quiet topic drives honest peers negative and collapses the
 * mesh (FIELD-NOTES §5); invalid messages (P4) stay heavily penalised.
 */
const QUIET_TOPIC_SCORE = createTopicScoreParams({
  topicWeight: 1,
  timeInMeshWeight: 0.01,
  timeInMeshQuantum: 1000,
  timeInMeshCap: 300,
  firstMessageDeliveriesWeight: 0.5,
  firstMessageDeliveriesDecay: 0.9,
  firstMessageDeliveriesCap: 20,
  meshMessageDeliveriesWeight: 0,
  meshFailurePenaltyWeight: 0,
  invalidMessageDeliveriesWeight: -20,
  invalidMessageDeliveriesDecay: 0.9,
});

function parseOrUndefined(schema: { safeParse(value: unknown): { success: boolean; data?: unknown } }): BodyCheck {
  return (body) => {
    const parsed = schema.safeParse(body);
    return parsed.success ? parsed.data : undefined;
  };
}
