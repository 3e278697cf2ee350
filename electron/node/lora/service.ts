// The off-grid protocol on a real radio: frames from the scheduler go to the radio link, packets
// from the link go through the receiver. Carries emergencies (emergency-desk.ts), file transfers
// (transfer/), index sync (mesh-sync.ts) and, for the LoRa-IP bridge, signed messages that arrived
// over IP.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../clock.ts';
import { writeFileAtomicSync } from '../fs/durable.ts';
import type { RadioLink } from '../radio/link.ts';
import { isModemPresetName } from '../radio/index.ts';
import type { ReceivedPacket } from '../radio/session.ts';
import { peerKeyOf, type EvidenceKind } from '../reputation/index.ts';
import type { BlockStore } from '../storage/index.ts';
import { EMERGENCY_HOP_LIMIT, EmergencyDesk, type EmergencyArchive } from './emergency-desk.ts';
import { BUILTIN_CODES, type BuiltinMessage, type FileRequestMessage, type LoraMessage } from './messages.ts';
import { MessageRegistry, type CustomMessageType } from './registry.ts';
import { MeshSync, type MeshSyncStep, type MeshSyncView } from './mesh-sync.ts';
import { LoraReceiver, type Delivery } from './receiver.ts';
import { RELAYED_TYPES, VIA_IP, type RelayedMessage } from './relayed.ts';
import { DEFAULT_AIRTIME_SHARE, DEVICE_QUEUE_SLOTS, LoraScheduler, frameAirtimeMs, type TrafficClass } from './scheduler.ts';
import { LoraSender, type SenderOptions } from './sender.ts';
import type { LoraSeqStore } from './seq-store.ts';
import { keyIdOf, type Signer } from './keys.ts';
import { DEFAULT_REQUEST_HOP_LIMIT, fileTransferCost, FileFetcher, type FileCost, type FileDescription, FileServer, nodeIdOf, type FetchEffect, type TransferView } from './transfer/index.ts';
import { MAX_FRAME_BYTES } from './wire.ts';
import { PeerHops, announceHopLimit, indexAnnounceHopLimit } from './reach.ts';

const BROADCAST = 0xffffffff;
/** Meshtastic's MeshPacket priorities (the device queue sends higher first): ALERT above all ours. */
const MESH_PRIORITY: Record<TrafficClass, number> = { emergency: 110, control: 100, index: 64, bulk: 10 };
/** Hop limit of broadcasts that are not announces (registered message types). */
const OTHER_HOP_LIMIT = 3;
/**
 * A backstop only: a neighbour that missed our key asks for it (key-request) when our next signed
 * message arrives, and a new neighbour's announce gets ours in answer.
 */
const KEY_ANNOUNCE_EVERY_MS = 60 * 60_000;
/** Asking a neighbour for the same unknown key: at most this often. */
const KEY_REQUEST_MIN_MS = 60_000;
const MAX_KEY_REQUESTS_REMEMBERED = 256;
/** Answering requests for our key: at most this often, so neighbours asking together cost one announce. */
const KEY_REQUEST_ANSWER_MIN_MS = 15_000;
const SYNC_TICK_MS = 5_000;
const MAX_RADIO_KEYS = 1024;
const CONNECT_KEY_ANNOUNCE_MS = { min: 1_000, spread: 20_000 } as const;
/** Answering a new neighbour's key with ours: at most this often, so a crowd arriving costs one announce. */
const KEY_ANSWER_MIN_MS = 60_000;
const CONNECT_INDEX_ANNOUNCE_MS = { min: 30_000, spread: 60_000 } as const;

export type FileRequestOutcome =
  | { ok: true; transfer: TransferView }
  | { ok: false; reason: 'bad_content_id' | 'bad_max_bytes' | 'bad_hop_limit' | 'too_many' | 'already_stored'; message: string };

type ServiceEvents = {
  transfers: [TransferView[]];
  sync: [MeshSyncView];
  /** Ids radio peers sent by index sync, by peer (`!xxxxxxxx`): the catalogue lists them as holders. */
  learned: [Array<{ peer: string; ids: readonly string[] }>];
  /** A verified file manifest heard on air, whoever asked: its radio serves that file (the catalogue lists it). */
  manifest: [{ radioId: string; contentId: string; size: number; name?: string; mediaType?: string }];
  /** Verified signed messages heard on the radio that the whole mesh must hear (for the LoRa-IP bridge). */
  relayable: [RelayedMessage];
};

export type LoraServiceOptions = {
  networkId: string;
  signer: Signer;
  link: RadioLink;
  clock: Clock;
  log: (level: 'info' | 'warn', message: string) => void;
  /** Files served over LoRa come from here; files received go here. */
  store: Pick<BlockStore, 'has' | 'readFile' | 'store' | 'list'>;
  /** Incoming transfers are saved here, so they resume after an app restart. */
  transferDir: string;
  /** The ids learned from radio peers by index sync are kept in this file. */
  indexFile: string;
  /** Told about peers that served bad file data (`block_corrupt`) or forged signatures (`signature_invalid`). */
  reputation?: { report(peer: string, kind: EvidenceKind): void };
  /** File names: manifests of files served carry them, files received keep their holder's. */
  names?: { get(contentId: string): FileDescription | undefined; set(contentId: string, name: string, mediaType?: string): void };
  /** Where the signed sequence numbers used are kept, so a quick restart never reuses one. */
  seqStore?: Pick<LoraSeqStore, 'last' | 'used'>;
  /** Keeps the emergency history (and what our open roll-calls repeat) across restarts. */
  archive?: EmergencyArchive;
};

/**
 * File traffic crosses only the relays between asker and holder (each relay doubles its airtime):
 * requests go as far as the device's hop limit, answers and chunks as far as the asker is.
 */
const FILE_FLOW = 'file:';
const FILE_CONTROL_FLOW = `${FILE_FLOW}control`;
/**
 * Key and index announces reach neighbours, and one relay further while no Pakit node is among
 * them and the radio knows nodes beyond (reach.ts): a flood per announce per node would fill the
 * channel (each costs one transmission per relay). Emergencies, which must verify far away, carry
 * their author's key.
 */
const NEIGHBOURS_FLOW = 'neighbours';
/** Emergency answers and repeats to one radio: as far as emergencies go. */
const FAR_FLOW = 'far';
/**
 * Sync frames to one radio across relays: one flow per radio, one frame at a time. The next waits
 * until the device reports the frame relayed, delivered or failed; otherwise our frames and the
 * firmware's retries fill the relay's channel and it cannot pass them on (a hidden-terminal line).
 */
const ACROSS_RELAY_FLOW = 'across-relay:';
/** Releases a held flow if the device never reports (a link lost mid-send); firmware retries end sooner. */
const ACROSS_RELAY_WAIT_MS = 90_000;
/** Chunks waiting in the scheduler per transfer: pulled late, so they reflect the latest nacks. */
const CHUNKS_AHEAD = 1;
/** Consoles get the transfer list at most this often. */
const TRANSFERS_EVENT_MS = 250;

export class LoraService extends EventEmitter<ServiceEvents> {
  readonly sender: LoraSender;
  readonly receiver: LoraReceiver;
  readonly #options: LoraServiceOptions;
  readonly #scheduler = new LoraScheduler();
  /** Emergencies: ours with their roll-calls, those heard, and the history. */
  readonly emergencies: EmergencyDesk;
  /** Frames sent otherwise than their class says: answers go only as far as the emergency came, some without want_ack. */
  readonly #sendOptions = new WeakMap<Uint8Array, { hopLimit: number; wantAck: boolean }>();
  /** Frames whose fate on air is followed (messageId prefix): our emergencies and our repeats. */
  readonly #frameTags = new WeakMap<Uint8Array, string>();
  #pumpTimer: unknown;
  #pumping = false;
  #stopped = false;
  #lastKeyAnnounce = -Infinity;
  /** Unknown key id -> when we last asked our neighbours for it. */
  readonly #keyRequests = new Map<string, number>();
  #frameCounter = 0;
  readonly #fetcher: FileFetcher;
  readonly #server: FileServer;
  /** Chunk flows with frames in the scheduler, and how many. */
  readonly #chunkFlows = new Map<string, number>();
  readonly #storing = new Set<Promise<void>>();
  #transferTimer: { handle: unknown; at: number } | undefined;
  #transfersEventTimer: unknown;
  #lastTransfersEvent = -Infinity;
  readonly #meshSync: MeshSync;
  #syncTimer: unknown;
  #lastIndexAnnounce = -Infinity;
  /** Frames addressed to one radio (sync sessions); everything else is broadcast. */
  readonly #destinations = new WeakMap<Uint8Array, number>();
  /** Frames of sync messages: index sync times its resends from when the last one goes to the radio. */
  readonly #syncFrames = new WeakMap<Uint8Array, { peer: string; session: number; last: boolean }>();
  readonly #delayed = new Set<unknown>();
  /** Frames on air across a relay (link message id) -> their held flow and its release timer. */
  readonly #acrossRelay = new Map<string, { flow: string; timer: unknown }>();
  /** Radio node number -> the key id it announced as its own. */
  readonly #radioKeys = new Map<number, string>();
  /** Hops each radio's packets took: sync messages to it carry that hop limit. */
  readonly #peerHops = new PeerHops();
  readonly #random = () => randomBytes(4).readUInt32BE() / 2 ** 32;

  constructor(options: LoraServiceOptions) {
    super();
    this.#options = options;
    const random = this.#random;
    // One registry for both directions: a registered type is sent and understood alike.
    const registry = new MessageRegistry();
    this.sender = new LoraSender({ networkId: options.networkId, signer: options.signer, random, registry, ...this.#persistedSeq(options) });
    this.receiver = new LoraReceiver({ networkId: options.networkId, registry });
    const frameIntervalMs = () => this.#frameIntervalMs();
    this.#fetcher = new FileFetcher({ random, frameIntervalMs });
    this.#server = new FileServer({ random, frameIntervalMs, keyId: this.sender.keyId });
    this.#loadSavedTransfers();
    this.#meshSync = new MeshSync({
      indexFile: options.indexFile,
      ownIds: () => options.store.list(),
      random,
      onProblem: (problem) =>
        options.log('warn', problem.kind === 'corrupt'
          ? `the saved mesh index was damaged; it was moved to ${problem.movedTo} and ids are learned again from peers`
          : `the saved mesh index could not be read (${problem.message}); ids are learned again from peers`),
    });
    this.#scheduleSyncTick();
    this.emergencies = new EmergencyDesk({
      sender: this.sender,
      link: options.link,
      clock: options.clock,
      log: options.log,
      archive: options.archive,
      radioKeys: this.#radioKeys,
      reportRadio: (nodeNum, kind) => this.#reportRadio(nodeNum, kind),
      air: {
        enqueue: (frame, trafficClass, frameOptions) => this.#enqueueFrame(frame, trafficClass, frameOptions),
        later: (delay, task) => this.#later(delay, task),
        pump: () => this.#pump(),
      },
    });
    options.link.on('packet', (packet) => this.#onPacket(packet));
    options.link.on('device', (device) => {
      // Airtime budgets follow the device's real preset and region, also when they change later
      // (a region set on a radio that had none): frames queued meanwhile go out then.
      if (device.preset === this.#scheduler.modem.name && device.region === this.#scheduler.region) return;
      if (!isModemPresetName(device.preset)) return;
      this.#scheduler.retune({ preset: device.preset, region: device.region });
      this.#pump();
    });
    options.link.on('state', (state) => {
      // Radios often come up together (a site powering on): spread the announces so they do not collide.
      if (state.status === 'ready') {
        // Counted as sent now, so the periodic check waits for these rather than racing them.
        this.#lastKeyAnnounce = this.#lastIndexAnnounce = this.#options.clock.now();
        this.#later(CONNECT_KEY_ANNOUNCE_MS, () => this.#announceKey(true));
        this.#later(CONNECT_INDEX_ANNOUNCE_MS, () => this.#announceIndex(true));
      }
      this.#linkChanged(state.status === 'ready');
    });
    options.link.on('delivery', ({ messageId }) => this.#releaseAcrossRelay(messageId));
    options.link.on('outbox', ({ queued }) => {
      // The link holds what the device has not taken yet; the scheduler waits while that is a full device queue.
      this.#scheduler.reportDeviceQueue(DEVICE_QUEUE_SLOTS - queued);
      this.#pump();
    });
  }

  /** Radio time one full frame takes at our share of the channel, at the radio's preset. */
  #frameIntervalMs(): number {
    return Math.ceil(frameAirtimeMs(this.#scheduler.modem, MAX_FRAME_BYTES)) / DEFAULT_AIRTIME_SHARE;
  }

  /** The sender goes on above the last sequence number recorded; a failed write is logged, the message still goes. */
  #persistedSeq({ seqStore, signer, log }: LoraServiceOptions): Pick<SenderOptions, 'lastSeq' | 'onSeq'> {
    if (!seqStore) return {};
    const keyId = keyIdOf(signer.publicKey);
    const lastSeq = seqStore.last(keyId);
    const onSeq = (seq: number) => {
      try {
        seqStore.used(keyId, seq);
      } catch (error) {
        log('warn', `the LoRa sequence number could not be saved (${error instanceof Error ? error.message : String(error)}); a restart within the next seconds may reuse it`);
      }
    };
    return lastSeq === undefined ? { onSeq } : { lastSeq, onSeq };
  }

  queueDepth(): Record<TrafficClass, number> {
    return this.#scheduler.depth();
  }

  // ---- file transfer ----

  /**
   * Asks the mesh for a file by content id, within `hopLimit` relays (default: the device's own hop
   * limit); it lands in the block store. Asking again for one unanswered asks at once (or further).
   */
  requestFile(request: { contentId: string; maxBytes?: number; hopLimit?: number }): FileRequestOutcome {
    if (this.#options.store.has(request.contentId)) return { ok: false, reason: 'already_stored', message: 'This node already holds that file.' };
    const hopLimit = request.hopLimit ?? this.#options.link.device?.hopLimit ?? DEFAULT_REQUEST_HOP_LIMIT;
    const outcome = this.#fetcher.request({ ...request, hopLimit }, this.#options.clock.now());
    if (!outcome.ok) return outcome;
    this.#transfersMoved();
    return { ok: true, transfer: this.transfers().find((view) => view.id === outcome.id)! };
  }

  cancelTransfer(id: string): boolean {
    const now = this.#options.clock.now();
    const cancelled = this.#fetcher.cancel(id, now) || this.#server.cancel(id, now);
    if (cancelled) this.#transfersMoved();
    return cancelled;
  }

  /** Starts a failed incoming transfer again, keeping the chunks it has. */
  resumeTransfer(id: string): boolean {
    const resumed = this.#fetcher.retry(id, this.#options.clock.now());
    if (resumed) this.#transfersMoved();
    return resumed;
  }

  /** Incoming and outgoing transfers, newest first. */
  transfers(): TransferView[] {
    return [...this.#fetcher.views(), ...this.#server.views()]
      .map((view) => ({ ...view, airtimeMs: view.size !== null && view.hops !== null ? this.#costOf(view.size, view.name).airtimeMsPerHop * view.hops : null }))
      .sort((a, b) => b.startedAt - a.startedAt);
  }

  /** What a file of up to `maxBytes` costs over LoRa at the radio's preset, before asking for it. */
  estimateFile(maxBytes: number): FileCost & { preset: string; hopLimit: number } {
    return { ...this.#costOf(maxBytes, null), preset: this.#scheduler.modem.name, hopLimit: this.#options.link.device?.hopLimit ?? DEFAULT_REQUEST_HOP_LIMIT };
  }

  #costOf(size: number, name: string | null): FileCost {
    const nameBytes = name === null ? 0 : Buffer.byteLength(name);
    return fileTransferCost(size, this.#scheduler.modem, this.#frameIntervalMs(), nameBytes) ?? { frames: 0, airtimeMsPerHop: 0, etaMs: 0 };
  }

  /** Stops timers; incoming transfers are saved to resume at the next start. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.emergencies.stop();
    for (const timer of [this.#pumpTimer, this.#transferTimer?.handle, this.#transfersEventTimer, this.#syncTimer]) {
      if (timer !== undefined) this.#options.clock.clearTimeout(timer);
    }
    this.#pumpTimer = undefined;
    this.#transferTimer = undefined;
    this.#transfersEventTimer = undefined;
    this.#syncTimer = undefined;
    for (const handle of this.#delayed) this.#options.clock.clearTimeout(handle);
    this.#delayed.clear();
    for (const { timer } of this.#acrossRelay.values()) this.#options.clock.clearTimeout(timer);
    this.#acrossRelay.clear();
    for (const view of this.#fetcher.views()) this.#saveTransfer(view.id);
    await Promise.allSettled([...this.#storing]);
  }

  /** Runs `enqueue` after a random delay in [min, min + spread), then sends; dropped at stop(). */
  #later(delay: { min: number; spread: number }, enqueue: () => void): void {
    const handle = this.#options.clock.setTimeout(() => {
      this.#delayed.delete(handle);
      enqueue();
      this.#pump();
    }, delay.min + Math.floor(this.#random() * delay.spread));
    this.#delayed.add(handle);
  }

  /** One frame into the scheduler, with where and how it goes (see EmergencyAir.enqueue). */
  #enqueueFrame(frame: Uint8Array, trafficClass: TrafficClass, options: { far?: boolean; to?: number | undefined; hopLimit?: number; wantAck?: boolean; tag?: string } = {}): void {
    if (options.to !== undefined) this.#destinations.set(frame, options.to);
    if (options.hopLimit !== undefined && options.wantAck !== undefined) this.#sendOptions.set(frame, { hopLimit: options.hopLimit, wantAck: options.wantAck });
    if (options.tag !== undefined) this.#frameTags.set(frame, options.tag);
    this.#scheduler.enqueue(frame, trafficClass, options.far ? FAR_FLOW : undefined);
  }

  #announceKey(force: boolean): void {
    const now = this.#options.clock.now();
    if (!force && now - this.#lastKeyAnnounce < KEY_ANNOUNCE_EVERY_MS) return;
    this.#lastKeyAnnounce = now;
    for (const frame of this.sender.encode({ type: 'key-announce', publicKey: this.#options.signer.publicKey }, now).frames) {
      this.#scheduler.enqueue(frame, 'index', NEIGHBOURS_FLOW);
    }
    this.#pump();
  }

  /** A neighbour signed with a key we have not got (its announce was lost): ask it, not the next hourly announce. */
  #requestKey(keyId: string, now: number): void {
    if (now - (this.#keyRequests.get(keyId) ?? -Infinity) < KEY_REQUEST_MIN_MS) return;
    this.#keyRequests.delete(keyId);
    this.#keyRequests.set(keyId, now);
    if (this.#keyRequests.size > MAX_KEY_REQUESTS_REMEMBERED) this.#keyRequests.delete(this.#keyRequests.keys().next().value!);
    for (const frame of this.sender.encode({ type: 'key-request', keyId }, now).frames) this.#scheduler.enqueue(frame, 'index', NEIGHBOURS_FLOW);
    this.#pump();
  }

  /** Hands frames to the radio as fast as the airtime budget allows. */
  #pump(): void {
    if (this.#pumping || this.#stopped) return; // #pumping: the link reported back from inside the loop below
    if (this.#pumpTimer !== undefined) {
      this.#options.clock.clearTimeout(this.#pumpTimer);
      this.#pumpTimer = undefined;
    }
    this.#pumping = true;
    try {
      const now = this.#options.clock.now();
      this.#pullChunks(now);
      for (;;) {
        const decision = this.#scheduler.next(now);
        if (decision.kind === 'send') {
          this.#toRadio(decision.frame.payload, decision.frame.trafficClass, decision.frame.flow, now);
          continue;
        }
        if (decision.kind === 'wait') this.#pumpTimer = this.#options.clock.setTimeout(() => this.#pump(), Math.max(1, decision.until - now));
        else if (decision.kind === 'blocked') this.#options.log('warn', 'the radio has no region set, so nothing can be sent over LoRa');
        return;
      }
    } finally {
      this.#pumping = false;
    }
  }

  #toRadio(payload: Uint8Array, trafficClass: TrafficClass, flow: string, now: number): void {
    const isEmergency = trafficClass === 'emergency';
    const isFile = flow.startsWith(FILE_FLOW);
    if (this.#chunkFlows.has(flow)) {
      this.#chunkFlows.set(flow, this.#chunkFlows.get(flow)! - 1);
      this.#pullChunks(now);
    }
    const to = this.#destinations.get(payload) ?? BROADCAST;
    const syncFrame = this.#syncFrames.get(payload);
    if (syncFrame) this.#meshSync.onAir(syncFrame.peer, syncFrame.session, now, syncFrame.last);
    const override = this.#sendOptions.get(payload);
    const hopLimit = override?.hopLimit ?? (isFile ? 0 : isEmergency || flow === FAR_FLOW ? EMERGENCY_HOP_LIMIT : to !== BROADCAST ? this.#peerHops.hopLimitTo(to, this.#announceHops()) : flow === NEIGHBOURS_FLOW ? indexAnnounceHopLimit(this.#options.link.nodes(), this.#radioKeys.keys(), this.#peerHops) : OTHER_HOP_LIMIT);
    const messageId = `${this.#frameTags.get(payload) ?? 'lora'}#${now}-${this.#frameCounter++}`;
    if (flow.startsWith(ACROSS_RELAY_FLOW)) this.#holdAcrossRelay(flow, messageId);
    const queued = this.#options.link.enqueue({
      messageId,
      to,
      payload,
      // On a broadcast, want_ack makes the device listen for a neighbour's relay and transmit
      // again (up to 3 times) when it hears none: the firmware's answer to hidden-terminal collisions.
      // To one radio, it is the firmware's acknowledged delivery with retries; but the firmware
      // turns want_ack with hop limit 0 into hop limit 3 (FIELD-NOTES §2), which would flood a
      // neighbour's sync frames three hops: to a neighbour they go without (sessions repair losses).
      wantAck: override?.wantAck ?? (to !== BROADCAST ? hopLimit > 0 : !isFile && (isEmergency || trafficClass === 'control')),
      hopLimit,
      priority: MESH_PRIORITY[trafficClass],
    });
    if (!queued.ok) {
      this.#options.log('warn', `a LoRa frame was refused by the radio link: ${queued.error.message}`);
      this.#releaseAcrossRelay(messageId);
    }
  }

  #holdAcrossRelay(flow: string, messageId: string): void {
    this.#scheduler.hold(flow);
    const timer = this.#options.clock.setTimeout(() => this.#releaseAcrossRelay(messageId), ACROSS_RELAY_WAIT_MS);
    this.#acrossRelay.set(messageId, { flow, timer });
  }

  #releaseAcrossRelay(messageId: string): void {
    const held = this.#acrossRelay.get(messageId);
    if (!held) return;
    this.#acrossRelay.delete(messageId);
    this.#options.clock.clearTimeout(held.timer);
    this.#scheduler.release(held.flow);
    this.#pump();
  }

  #announceHops(): number {
    return announceHopLimit(this.#options.link.nodes());
  }

  #onPacket(packet: ReceivedPacket): void {
    const now = this.#options.clock.now();
    // A packet sent zero-hop (hop_start and hop_limit both 0) came straight from its radio.
    this.#peerHops.note(packet.from, packet.hops ?? (packet.hopLimit === 0 ? 0 : undefined), now);
    const result = this.receiver.receive(packet.payload, packet.from, now);
    if (!result.ok) {
      // Repeats are normal (emergencies go out twice, relays echo): counted, not worth a warning.
      const repeat = result.reason === 'replay' || result.reason === 'duplicate';
      if (result.repeats?.code === BUILTIN_CODES.emergency && result.keyId && packet.to === this.#options.link.device?.nodeNum) {
        this.emergencies.answerAgain(result.keyId, result.repeats.seq, packet.from, now);
      }
      if (result.reason === 'bad_signature') this.#reportRadio(packet.from, 'signature_invalid');
      this.#options.log(repeat ? 'info' : 'warn', `refused a LoRa frame from ${nodeIdOf(packet.from)}: ${result.reason}${result.detail ? ` (${result.detail})` : ''}`);
      return;
    }
    if (result.status !== 'delivered') {
      if (packet.to === this.#options.link.device?.nodeNum) this.#meshSync.peerTalking(nodeIdOf(packet.from), now);
      return;
    }
    const hops = packet.hops ?? 0;
    for (const delivery of [result.delivery, ...result.settled]) {
      if (!('message' in delivery)) {
        this.#options.log('warn', `an earlier LoRa message from ${nodeIdOf(delivery.from)} failed verification: ${delivery.reason}`);
        continue;
      }
      this.#noteRadioKey(delivery);
      // Signed and verified: weak credit (capped: valid messages cost nothing to make).
      if (delivery.auth === 'verified' && delivery.signer) this.#creditKey(delivery.signer.keyId, 'message_valid');
      // Announces reach one relay: so does the question for the key behind one.
      if (delivery.auth === 'unverified' && hops <= this.#announceHops() && delivery.signer?.hops === 0) this.#requestKey(delivery.signer.keyId, now);
      this.#deliver(delivery, hops);
      this.#offerToBridge(delivery);
    }
  }

  /** Credit to a signer whose key we hold: the identity behind it did something that checked out. */
  #creditKey(keyId: string, kind: EvidenceKind): void {
    const publicKey = this.receiver.keys.get(keyId);
    if (publicKey) this.#options.reputation?.report(peerKeyOf(publicKey), kind);
  }

  /**
   * Evidence about the radio that put a frame on air. A forged message names someone else's key, so
   * the blame goes to the radio's own identity (learned from its key-announce), or to the radio id.
   */
  #reportRadio(nodeNum: number, kind: EvidenceKind): void {
    const keyId = this.#radioKeys.get(nodeNum);
    const publicKey = keyId === undefined ? undefined : this.receiver.keys.get(keyId);
    this.#options.reputation?.report(publicKey ? peerKeyOf(publicKey) : nodeIdOf(nodeNum), kind);
  }

  /**
   * A radio announcing its own key (neighbours only, so the frame's sender is its owner) tells whose
   * radio it is; so does any verified signed message no Pakit node relayed (the mesh keeps its sender).
   */
  #noteRadioKey(delivery: Delivery): void {
    if (delivery.auth !== 'verified' || !delivery.signer || delivery.from === VIA_IP) return;
    if (delivery.message.type !== 'key-announce') {
      if (delivery.signer.hops === 0 && !this.#radioKeys.has(delivery.from)) this.#rememberRadioKey(delivery.from, delivery.signer.keyId);
      return;
    }
    // A radio we had not heard yet has not heard our key either (it came up after our last announce).
    const now = this.#options.clock.now();
    if (!this.#radioKeys.has(delivery.from) && now - this.#lastKeyAnnounce >= KEY_ANSWER_MIN_MS) {
      this.#lastKeyAnnounce = now;
      this.#later(CONNECT_KEY_ANNOUNCE_MS, () => this.#announceKey(true));
    }
    this.#rememberRadioKey(delivery.from, delivery.signer.keyId);
  }

  #rememberRadioKey(node: number, keyId: string): void {
    this.#radioKeys.delete(node);
    this.#radioKeys.set(node, keyId);
    if (this.#radioKeys.size > MAX_RADIO_KEYS) this.#radioKeys.delete(this.#radioKeys.keys().next().value!);
  }

  /** Radio node number -> the signing key it showed itself under (its key-announce, or its own signed messages). */
  radioKeyIds(): ReadonlyMap<number, string> {
    return this.#radioKeys;
  }

  // ---- registered message types ----

  /** Adds a message type (the extension point); its handler runs for every delivery of it. */
  registerMessageType<T>(type: CustomMessageType<T>): void {
    this.receiver.registry.register(type);
  }

  /** Broadcasts a message of a registered type at index priority; false when no radio is ready. */
  sendCustom(name: string, value: unknown): boolean {
    if (this.#options.link.state.status !== 'ready') return false;
    for (const frame of this.sender.encode({ type: 'custom', name, value }, this.#options.clock.now()).frames) this.#scheduler.enqueue(frame, 'index');
    this.#pump();
    return true;
  }

  // ---- LoRa-IP bridge ----

  #offerToBridge(delivery: Delivery): void {
    const { signer, message } = delivery;
    if (delivery.auth !== 'verified' || !signer || message.type === 'custom' || !RELAYED_TYPES.includes(message.type)) return;
    const publicKey = this.receiver.keys.get(signer.keyId);
    if (!publicKey) return;
    this.emit('relayable', { ok: true, type: message.type, keyId: signer.keyId, seq: signer.seq, bytes: delivery.bytes, publicKey });
  }

  /**
   * A message a bridge brought in over IP, already checked against its author's signature: it is
   * taken as if heard on the radio (an emergency raises its alert) and, with a radio ready, put on
   * air once. One this node has already heard is left alone, which is what stops loops.
   */
  acceptRelayed(message: RelayedMessage): 'delivered' | 'already_heard' | 'refused' {
    const now = this.#options.clock.now();
    this.receiver.keys.add(message.publicKey);
    const frames = this.sender.relay(message.bytes);
    let delivered: Delivery | undefined;
    for (const frame of frames) {
      const result = this.receiver.receive(frame, VIA_IP, now);
      if (!result.ok) {
        if (result.reason === 'replay' || result.reason === 'duplicate') return 'already_heard';
        this.#options.log('warn', `refused a ${message.type} from ${message.keyId} that came over IP: ${result.reason} (${result.detail})`);
        return 'refused';
      }
      if (result.status === 'delivered') delivered = result.delivery;
    }
    if (!delivered) return 'refused';
    this.#deliver(delivered, 0);
    if (this.#options.link.state.status === 'ready') {
      const urgent = message.type === 'emergency' || message.type === 'emergency-clear';
      for (const frame of frames) this.#scheduler.enqueue(frame, urgent ? 'emergency' : message.type === 'emergency-seen' ? 'control' : 'index');
      this.#pump();
    }
    return 'delivered';
  }

  // ---- index sync ----

  /** The mesh index and the sync state with each radio peer. */
  syncView(): MeshSyncView {
    return this.#meshSync.view();
  }

  /** Ids learned from radio peers by index sync, this run or before. */
  learnedIds(): string[] {
    return this.#meshSync.learnedIds();
  }

  #announceIndex(force: boolean): void {
    const now = this.#options.clock.now();
    if (this.#options.link.state.status !== 'ready' || (!force && !this.#meshSync.announceDue(now, this.#lastIndexAnnounce))) return;
    this.#lastIndexAnnounce = now;
    for (const frame of this.sender.encode(this.#meshSync.announcement(now), now).frames) this.#scheduler.enqueue(frame, 'index', NEIGHBOURS_FLOW);
    this.#pump();
  }

  /** Ids new to us go to all neighbours at once, as far as our index announces go. */
  #pushIndex(now: number): void {
    if (this.#options.link.state.status !== 'ready') return;
    for (const message of this.#meshSync.pushDue(now)) {
      for (const frame of this.sender.encode(message, now).frames) this.#scheduler.enqueue(frame, 'index', NEIGHBOURS_FLOW);
    }
  }

  #scheduleSyncTick(): void {
    this.#syncTimer = this.#options.clock.setTimeout(() => {
      if (this.#stopped) return;
      const now = this.#options.clock.now();
      this.receiver.expire(now);
      this.#applySync(this.#meshSync.tick(now), now);
      if (this.#options.link.state.status === 'ready') this.#announceKey(false);
      this.#pushIndex(now);
      this.#announceIndex(false);
      this.#scheduleSyncTick();
    }, SYNC_TICK_MS);
  }

  /** True when the message belonged to index sync. */
  #deliverSyncMessage(delivery: Delivery, now: number): boolean {
    const { message } = delivery;
    if (message.type === 'index-announce') {
      // An announce from a key not yet known comes back verified once the key is heard.
      if (delivery.auth === 'verified' && delivery.from !== VIA_IP) this.#applySync(this.#meshSync.onAnnounce(nodeIdOf(delivery.from), message, now), now);
      return true;
    }
    if (message.type !== 'sync') return false;
    this.#applySync(this.#meshSync.onSync(nodeIdOf(delivery.from), message, now), now);
    return true;
  }

  #applySync(step: MeshSyncStep, now: number): void {
    for (const { to, message } of step.send) this.#sendTo(to, message, now);
    for (const rejection of step.rejected) this.#options.log('warn', `index sync refused a message from ${rejection}`);
    if (step.learnedIds > 0) this.#options.log('info', `index sync: learned ${step.learnedIds} block ids from radio peers`);
    if (step.learnedFrom.length > 0) this.emit('learned', step.learnedFrom);
    if (step.send.length > 0 || step.learnedIds > 0 || step.rejected.length > 0) this.emit('sync', this.syncView());
    this.#pump();
  }

  #sendTo(nodeId: string, message: LoraMessage, now: number): void {
    const to = Number.parseInt(nodeId.slice(1), 16);
    const { frames } = this.sender.encode(message, now);
    if (message.type === 'sync') frames.forEach((frame, index) => this.#syncFrames.set(frame, { peer: nodeId, session: message.session, last: index === frames.length - 1 }));
    // Our share pays for each relay's copy too, so the relay has the gap to pass a frame on.
    const hops = this.#peerHops.hopLimitTo(to, this.#announceHops());
    const flow = hops > 0 ? `${ACROSS_RELAY_FLOW}${to}` : undefined;
    for (const frame of frames) {
      this.#destinations.set(frame, to);
      this.#scheduler.enqueue(frame, 'index', flow, hops + 1);
    }
  }

  #deliver(delivery: Delivery, hops: number): void {
    const now = this.#options.clock.now();
    if (this.#deliverFileMessage(delivery, now, hops) || this.#deliverSyncMessage(delivery, now)) return;
    if (delivery.message.type === 'custom') {
      this.receiver.registry.dispatch(delivery);
      return;
    }
    if (this.emergencies.deliver(delivery, hops, now)) return;
    if (delivery.message.type === 'key-request') {
      if (delivery.message.keyId === this.sender.keyId && now - this.#lastKeyAnnounce >= KEY_REQUEST_ANSWER_MIN_MS) this.#announceKey(true);
    }
  }

  // ---- file transfer: glue between the radio, the store and the cores in transfer/ ----

  /** True when the message belonged to a file transfer. `hops`: relays it crossed. */
  #deliverFileMessage(delivery: Delivery, now: number, hops: number): boolean {
    const { message, from } = delivery;
    switch (message.type) {
      case 'file-request':
        this.#answerRequest(message, from, now, hops);
        break;
      case 'file-manifest': {
        const keyId = delivery.signer!.keyId;
        this.#server.onManifestHeard(message, keyId);
        this.#fetcher.onManifest(message, from, { keyId, verified: delivery.auth === 'verified' }, now, hops);
        const { contentId, size, name, mediaType } = message;
        if (delivery.auth === 'verified') this.emit('manifest', { radioId: nodeIdOf(from), contentId, size, ...(name ? { name } : {}), ...(mediaType ? { mediaType } : {}) });
        break;
      }
      case 'file-chunk':
        this.#fetcher.onChunk(message, from, now);
        break;
      case 'ack':
      case 'nack':
        this.#server.onBitmap(message, from, now, hops);
        break;
      default:
        return false;
    }
    this.#transfersMoved();
    return true;
  }

  #answerRequest(request: FileRequestMessage, from: number, now: number, hops: number): void {
    const { store } = this.#options;
    if (!store.has(request.contentId) || this.#server.onRequest(request, from, now, hops) !== 'load') return;
    store.readFile(request.contentId).then(
      (bytes) => this.#server.offer(request.contentId, bytes, this.#options.clock.now(), this.#options.names?.get(request.contentId)),
      (error: unknown) => {
        this.#server.unavailable(request.contentId);
        this.#options.log('warn', `could not read ${request.contentId} to serve it over LoRa: ${error instanceof Error ? error.message : String(error)}`);
      },
    ).finally(() => this.#transfersMoved());
  }

  /** After anything the transfer cores heard or decided: act on their effects, then send. */
  #transfersMoved(): void {
    if (this.#stopped) return; // a file read or store that finished after stop()
    const now = this.#options.clock.now();
    for (const effect of this.#fetcher.takeEffects()) this.#apply(effect, now);
    for (const { manifest, hopLimit } of this.#server.takeManifests(now)) {
      this.#announceKey(false); // so receivers can check the signature
      this.#sendFileMessage(manifest, now, hopLimit);
    }
    const sending = new Set(this.#server.sendingIds().map((id) => FILE_FLOW + id));
    for (const flow of this.#chunkFlows.keys()) {
      if (sending.has(flow)) continue;
      this.#scheduler.cancelFlow(flow, 'bulk');
      this.#chunkFlows.delete(flow);
    }
    this.#armTransferTimer();
    this.#emitTransfersSoon();
    this.#pump();
  }

  #apply(effect: FetchEffect, now: number): void {
    switch (effect.kind) {
      case 'send':
        this.#sendFileMessage(effect.message, now, effect.hopLimit);
        return;
      case 'complete': {
        for (const holder of effect.vouchedBy) if (holder.verified) this.#creditKey(holder.keyId, 'block_served');
        const storing = this.#options.store
          .store(effect.bytes)
          .then(
            () => {
              if (effect.name) this.#options.names?.set(effect.contentId, effect.name, effect.mediaType);
              this.#fetcher.stored(effect.id, this.#options.clock.now());
            },
            (error: unknown) => this.#fetcher.storeFailed(effect.id, error instanceof Error ? error.message : String(error), this.#options.clock.now()),
          )
          .finally(() => {
            this.#storing.delete(storing);
            this.#transfersMoved();
          });
        this.#storing.add(storing);
        return;
      }
      case 'blame': {
        const publicKey = effect.verified ? this.receiver.keys.get(effect.keyId) : undefined;
        this.#options.log('warn', `a LoRa peer (${nodeIdOf(effect.node)}, key ${effect.keyId}) served file data that fails its hash; asking other holders`);
        if (publicKey) this.#options.reputation?.report(peerKeyOf(publicKey), 'block_corrupt');
        return;
      }
      case 'save':
        this.#saveTransfer(effect.id);
        return;
      case 'forget':
        rmSync(this.#transferPath(effect.id), { force: true });
        return;
    }
  }

  #sendFileMessage(message: BuiltinMessage, now: number, hopLimit: number): void {
    for (const frame of this.sender.encode(message, now).frames) {
      // A request, manifest, ack or nack crossing a relay goes with want_ack: the radio sends it
      // again when it hears no relay's copy (one lost there costs a round trip). Never with hop
      // limit 0: want_ack would make the firmware fill in its default hop limit.
      this.#sendOptions.set(frame, { hopLimit, wantAck: hopLimit > 0 });
      this.#scheduler.enqueue(frame, 'control', FILE_CONTROL_FLOW, hopLimit + 1);
    }
  }

  /** Keeps each sending transfer's next chunk waiting in the scheduler. */
  #pullChunks(now: number): void {
    let pulled = false;
    for (const id of this.#server.sendingIds()) {
      const flow = FILE_FLOW + id;
      while ((this.#chunkFlows.get(flow) ?? 0) < CHUNKS_AHEAD) {
        const chunk = this.#server.nextChunk(id, now);
        if (!chunk) break;
        const hopLimit = this.#server.hopLimitOf(id);
        for (const frame of this.sender.encode(chunk, now).frames) {
          // Chunks never want an ack: nacks repair them.
          this.#sendOptions.set(frame, { hopLimit, wantAck: false });
          this.#scheduler.enqueue(frame, 'bulk', flow, hopLimit + 1);
        }
        this.#chunkFlows.set(flow, (this.#chunkFlows.get(flow) ?? 0) + 1);
        pulled = true;
      }
    }
    // The last chunk of a round starts the server's wait for its receivers: its timer moves.
    if (pulled) this.#armTransferTimer();
  }

  #linkChanged(ready: boolean): void {
    const now = this.#options.clock.now();
    if (ready) {
      this.#fetcher.resume(now);
      this.#server.resume(now);
    } else {
      this.#fetcher.pause(now);
      this.#server.pause(now);
    }
    this.#transfersMoved();
  }

  #armTransferTimer(): void {
    const at = Math.min(this.#fetcher.wakeAt() ?? Infinity, this.#server.wakeAt() ?? Infinity);
    if (this.#transferTimer?.at === at) return;
    if (this.#transferTimer) this.#options.clock.clearTimeout(this.#transferTimer.handle);
    this.#transferTimer = undefined;
    if (at === Infinity) return;
    const handle = this.#options.clock.setTimeout(() => {
      this.#transferTimer = undefined;
      const now = this.#options.clock.now();
      this.#fetcher.tick(now);
      this.#server.tick(now);
      this.#transfersMoved();
    }, Math.max(1, at - this.#options.clock.now()));
    this.#transferTimer = { handle, at };
  }

  #emitTransfersSoon(): void {
    if (this.#transfersEventTimer !== undefined) return;
    const delay = Math.max(0, this.#lastTransfersEvent + TRANSFERS_EVENT_MS - this.#options.clock.now());
    this.#transfersEventTimer = this.#options.clock.setTimeout(() => {
      this.#transfersEventTimer = undefined;
      this.#lastTransfersEvent = this.#options.clock.now();
      this.emit('transfers', this.transfers());
    }, delay);
  }

  #transferPath(id: string): string {
    return join(this.#options.transferDir, `${id}.json`);
  }

  #saveTransfer(id: string): void {
    const snapshot = this.#fetcher.snapshot(id);
    if (snapshot) writeFileAtomicSync(this.#transferPath(id), JSON.stringify(snapshot));
  }

  /** Transfers saved by the last run go on where they were; an unreadable save is reported and dropped. */
  #loadSavedTransfers(): void {
    const dir = this.#options.transferDir;
    mkdirSync(dir, { recursive: true });
    for (const file of readdirSync(dir)) {
      const path = join(dir, file);
      if (!file.endsWith('.json')) {
        rmSync(path, { force: true }); // a save cut short by a crash
        continue;
      }
      let saved: unknown;
      try {
        saved = JSON.parse(readFileSync(path, 'utf8'));
      } catch {
        saved = undefined;
      }
      const restored = this.#fetcher.restore(saved, this.#options.clock.now());
      if (restored.ok) continue;
      this.#options.log('warn', `the saved LoRa file transfer ${file} could not be read (${restored.problem}); it was discarded`);
      rmSync(path, { force: true });
    }
  }


}
