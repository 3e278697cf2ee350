// A simulated Meshtastic device: the stream API a client sees over serial or TCP 4403
// (FromRadio/ToRadio protobufs in 0x94 0xC3 frames) and the firmware's routing behaviour on a
// simulated LoRa medium. Behaviour follows FIELD-NOTES §2; firmware names are kept in comments
// where they explain a choice. Pure apart from the injected scheduler, randomness and sink.
import { Admin, Channel, Config, Mesh, ModuleConfig, Portnums, Telemetry } from '@meshtastic/protobufs';
import {
  FrameDecoder,
  MODEM_PRESETS,
  airtimeBudgetPerHourMs,
  DUTY_CYCLE_WINDOW_MS,
  encodeFrame,
  regionRules,
  MESH_HEADER_BYTES,
  type ModemPresetName,
  type RegionName,
} from '../node/radio/index.ts';
import { DEFAULT_REBOOT_SECONDS, readAdmin } from './admin.ts';
import type { Scheduler, TimerId } from './clock.ts';
import {
  decodeMessage,
  encodeMessage,
  makeMessage,
  type DataMessage,
  type FromRadioMessage,
  type MeshPacketMessage,
  type OneOf,
  type OpaqueMessage,
  type ToRadioMessage,
} from './messages.ts';
import { activityDetectionMs, rebroadcastDelayMs, retransmissionTimeoutMs, txDelayMs } from './contention.ts';
import type { AirFrame, RadioMedium, Reception } from './medium.ts';
import {
  POLITE_CHANNEL_UTILIZATION_PERCENT,
  DEFAULT_POSITION_PRECISION_BITS,
  POSITION_BROADCAST_INTERVAL_MS,
  POSITION_FIRST_BROADCAST_MS,
  TELEMETRY_BROADCAST_INTERVAL_MS,
  TELEMETRY_FIRST_RUN_MS,
  TELEMETRY_RUN_INTERVAL_MS,
  batteryReading,
  exactPosition,
  sharedPosition,
  type SimBattery,
  type SimPosition,
  type SimRole,
} from './node-data.ts';
import { randomUint32, type Random } from './random.ts';

export const BROADCAST_NUM = 0xffffffff;
/** `Data.payload` is `max_size:233` in the firmware's nanopb options: longer fails to decode. */
export const MAX_DATA_PAYLOAD_BYTES = 233;
/** 255-byte LoRa frame minus the 16-byte mesh header: the encoded Data must fit in this. */
export const MAX_ENCODED_DATA_BYTES = 255 - MESH_HEADER_BYTES;
export const TX_QUEUE_SLOTS = 16;
export const DEFAULT_HOP_LIMIT = 3;
export const MAX_HOP_LIMIT = 7;
/** The device ignores a client packet whose id is one of the last 20 it accepted. */
export const RECENT_CLIENT_IDS = 20;
export const DEDUPE_WINDOW_MS = 10 * 60 * 1000;
/** One first transmission and two retries, then MAX_RETRANSMIT. */
export const MAX_TRANSMISSIONS = 3;
/** Packets kept for a client that is not connected (firmware MAX_RX_TOPHONE). */
export const TO_CLIENT_QUEUE_LIMIT = 32;
/** Special want_config_id nonces of firmware 2.7: config without the node list, nodes only. */
export const NONCE_ONLY_CONFIG = 69420;
export const NONCE_ONLY_NODES = 69421;

// `QueueStatus.res` error codes (firmware ErrorCode.h).
const ERRNO_OK = 0;
const ERRNO_UNKNOWN = 32; // the TX queue refused the packet: full
const ERRNO_DISABLED = 34; // region UNSET or TX disabled

const CHANNEL_UTILIZATION_WINDOW_MS = 60_000;

const RoutingError = Mesh.Routing_Error;
const PortNum = Portnums.PortNum;

/** A frame on the simulated air: the mesh header fields plus the encoded Data (not encrypted). */
export type MeshAirFrame = AirFrame & {
  readonly from: number;
  readonly to: number;
  readonly id: number;
  readonly hopLimit: number;
  readonly hopStart: number;
  readonly wantAck: boolean;
  readonly channel: number;
  readonly relayNode: number;
  readonly data: Uint8Array;
};

export type SimDeviceOptions = {
  nodeNum: number;
  medium: RadioMedium<MeshAirFrame>;
  scheduler: Scheduler;
  random: Random;
  region?: RegionName;
  longName?: string;
  shortName?: string;
  firmwareVersion?: string;
  /** Wall-clock epoch of radio time 0, for `rx_time` and `last_heard` (seconds on the wire). */
  epochMs?: number;
  /** Broadcast own NodeInfo within this much radio time after start; set false to stay quiet. */
  announceWithinMs?: number | false;
  /** Radio time before that window opens: when the device was switched on. */
  announceAfterMs?: number;
  /** Its fixed position; a device without one sends no Position. */
  position?: SimPosition;
  /** Bits of latitude/longitude it shares on the primary channel: firmware default 13 (about 3 km), 32 exact. */
  positionPrecisionBits?: number;
  /**
   * `position.broadcast_secs` and `telemetry.device_update_interval`, as an operator may set them on a
   * private channel (the firmware holds public-channel nodes to its defaults): 15 min and 1 h by default.
   */
  positionIntervalMs?: number;
  telemetryIntervalMs?: number;
  role?: SimRole;
  /** On a draining battery; without one, external power (battery level 101). */
  battery?: SimBattery;
  /**
   * Secondary channels at index 1, 2, ... (private: a key of their own). The simulated mesh treats a
   * channel index as the same channel on every device, as if all were set up from one channel URL.
   */
  secondaryChannels?: readonly { name: string; encryption?: 'default' | 'private' }[];
};

/** The byte pipe of one connected client (a TCP socket or serial port). */
export type ClientSink = {
  write(bytes: Uint8Array): void;
  /** The device dropped the client (replaced by another, unplugged, or killed). */
  close(): void;
};

export type ClientSession = {
  /** Bytes from the client: ToRadio frames (and wake-up bytes, which are ignored). */
  receive(bytes: Uint8Array): void;
  /** The client went away. */
  close(): void;
};

type TxKind = 'client' | 'relay' | 'ack' | 'own';
/** `rxSnrDb` is set on rebroadcasts only: the firmware tells them from own packets by it. */
type TxItem = { frame: MeshAirFrame; kind: TxKind; priority: number; attempts: number; rxSnrDb?: number };
type PendingAck = { item: TxItem; timer: TimerId | undefined };
/** What the device keeps of a node (firmware NodeInfoLite): a position without its precision. */
type KnownNode = { num: number; user?: OpaqueMessage; snr: number; lastHeardMs: number; hopsAway: number; position?: OpaqueMessage; deviceMetrics?: OpaqueMessage };
type PositionMessage = { latitudeI?: number; longitudeI?: number; altitude?: number; time: number };
type TelemetryMessage = { variant: OneOf<string> };

export const nodeIdOf = (nodeNum: number): string => `!${(nodeNum >>> 0).toString(16).padStart(8, '0')}`;

export class SimDevice {
  readonly nodeNum: number;
  readonly modemPreset: ModemPresetName;
  readonly firmwareVersion: string;
  /** Set from the start, then by an admin set_config. */
  private currentRegion: RegionName;
  /** The owner (User): set_owner changes its names. */
  private currentUser: OpaqueMessage & { longName: string; shortName: string };
  readonly role: SimRole;
  readonly position: SimPosition | undefined;
  private readonly positionPrecisionBits: number;
  private readonly positionIntervalMs: number;
  private readonly telemetryIntervalMs: number;
  private readonly battery: SimBattery | undefined;
  private readonly secondaryChannels: readonly { name: string; encryption?: 'default' | 'private' }[];
  /** Radio time the device was switched on: uptime and battery drain count from it. */
  private readonly switchedOnAtMs: number;
  private lastTelemetryToMeshMs: number | undefined;
  private lastPositionId: number | undefined;
  private readonly medium: RadioMedium<MeshAirFrame>;
  private readonly scheduler: Scheduler;
  private readonly random: Random;
  private readonly epochMs: number;
  private alive = true;

  private session: ActiveSession | undefined;
  private readonly toClientQueue: FromRadioMessage[] = [];
  private fromRadioId = 0;

  private readonly txQueue: TxItem[] = [];
  private txBusy = false;
  /** The firmware's one pending TRANSMIT_DELAY_COMPLETED notification. */
  private txDelayTimer: TimerId | undefined;
  private readonly pendingAcks = new Map<number, PendingAck>();
  private readonly seen = new Map<string, number>();
  private readonly recentClientIds: number[] = [];
  private readonly txLog: { atMs: number; airtimeMs: number }[] = [];
  /** Airtime heard on the channel, for channel utilisation (the firmware averages the last minute). */
  private readonly rxLog: { atMs: number; airtimeMs: number }[] = [];
  private readonly nodeDb = new Map<number, KnownNode>();

  constructor(options: SimDeviceOptions) {
    this.nodeNum = options.nodeNum >>> 0;
    this.medium = options.medium;
    this.scheduler = options.scheduler;
    this.random = options.random;
    this.currentRegion = options.region ?? 'EU_868';
    this.modemPreset = options.medium.modem.name;
    this.firmwareVersion = options.firmwareVersion ?? '2.6.11.60ec05e';
    this.epochMs = options.epochMs ?? Date.UTC(2025, 0, 1);
    this.role = options.role ?? 'CLIENT';
    this.position = options.position;
    this.positionPrecisionBits = options.positionPrecisionBits ?? DEFAULT_POSITION_PRECISION_BITS;
    this.positionIntervalMs = options.positionIntervalMs ?? POSITION_BROADCAST_INTERVAL_MS;
    this.telemetryIntervalMs = options.telemetryIntervalMs ?? TELEMETRY_BROADCAST_INTERVAL_MS;
    this.battery = options.battery;
    this.secondaryChannels = options.secondaryChannels ?? [];
    this.switchedOnAtMs = options.announceAfterMs ?? 0;
    const id = nodeIdOf(this.nodeNum);
    this.currentUser = makeMessage(Mesh.UserSchema, {
      id,
      longName: options.longName ?? `Sim ${id.slice(-4)}`,
      shortName: options.shortName ?? id.slice(-4),
      hwModel: Mesh.HardwareModel.PORTDUINO,
      macaddr: Uint8Array.of(0x02, 0x00, ...[24, 16, 8, 0].map((shift) => (this.nodeNum >>> shift) & 0xff)),
      role: this.roleValue(),
    });
    this.medium.join(
      this.nodeNum,
      (reception) => this.onAir(reception),
      (frame, atMs) => this.onAirLost(frame, atMs),
    );
    // A quiet device (announceWithinMs false) sends nothing of its own accord: no NodeInfo,
    // Position or telemetry on air; its client still gets its metrics every minute.
    const announceWithinMs = options.announceWithinMs ?? 5_000;
    const broadcasts = announceWithinMs !== false;
    if (broadcasts) {
      this.scheduler.setTimer(this.switchedOnAtMs + this.random() * announceWithinMs, () => this.announce());
      if (this.position) this.scheduler.setTimer(this.switchedOnAtMs + POSITION_FIRST_BROADCAST_MS, () => this.broadcastPosition());
    }
    this.scheduler.setTimer(this.switchedOnAtMs + TELEMETRY_FIRST_RUN_MS, () => this.runDeviceTelemetry(broadcasts));
  }

  get region(): RegionName {
    return this.currentRegion;
  }

  get user(): OpaqueMessage & { longName: string; shortName: string } {
    return this.currentUser;
  }

  get isAlive(): boolean {
    return this.alive;
  }

  get hasClient(): boolean {
    return this.session !== undefined;
  }

  /** Radio time this device transmitted within the last hour (what the duty cycle limits). */
  airtimeLastHourMs(): number {
    const since = this.scheduler.now() - DUTY_CYCLE_WINDOW_MS;
    return this.txLog.filter((entry) => entry.atMs > since).reduce((sum, entry) => sum + entry.airtimeMs, 0);
  }

  get txQueueLength(): number {
    return this.txQueue.length;
  }

  knownNodes(): number[] {
    return [...this.nodeDb.keys()];
  }

  /**
   * A client plugs in. The firmware serves one client at a time, so a new one replaces the old.
   * Until the client's first frame the device prints its log as plain text, as on serial.
   */
  connect(sink: ClientSink): ClientSession {
    if (!this.alive) throw new Error(`device ${nodeIdOf(this.nodeNum)} is off`);
    this.session?.sink.close();
    const session: ActiveSession = { sink, decoder: new FrameDecoder(), apiMode: false, configured: false };
    this.session = session;
    this.bootLog().forEach((line) => this.logText(line));
    return {
      receive: (bytes) => {
        if (this.session !== session || !this.alive) return;
        for (const item of session.decoder.push(bytes)) {
          if (item.type === 'frame') this.onClientFrame(session, item.payload);
        }
      },
      close: () => {
        if (this.session === session) this.session = undefined;
      },
    };
  }

  /** Unplugs the current client, like pulling the USB cable or resetting the TCP connection. */
  dropClient(): void {
    const session = this.session;
    this.session = undefined;
    session?.sink.close();
  }

  /** Powers the device off for good: off the air, client dropped, timers ignored. */
  kill(): void {
    if (!this.alive) return;
    this.alive = false;
    this.dropClient();
    this.medium.leave(this.nodeNum);
    if (this.txDelayTimer !== undefined) this.scheduler.clearTimer(this.txDelayTimer);
    for (const pending of this.pendingAcks.values()) if (pending.timer !== undefined) this.scheduler.clearTimer(pending.timer);
    this.pendingAcks.clear();
    this.txQueue.length = 0;
  }

  // ---- client side (PhoneAPI) ----

  private onClientFrame(session: ActiveSession, payload: Uint8Array): void {
    session.apiMode = true;
    let message: ToRadioMessage;
    try {
      message = decodeMessage(Mesh.ToRadioSchema, payload);
    } catch {
      return; // nanopb decode failure: the firmware drops the frame without a word
    }
    const variant = message.payloadVariant;
    switch (variant.case) {
      case 'wantConfigId':
        this.sendConfig(session, variant.value);
        return;
      case 'heartbeat':
        this.toClient(this.queueStatus(ERRNO_OK, 0));
        return;
      case 'packet':
        this.fromClient(variant.value);
        return;
      case 'disconnect':
        this.dropClient();
        return;
      default:
        return;
    }
  }

  private sendConfig(session: ActiveSession, nonce: number): void {
    const send = (payloadVariant: FromRadioMessage['payloadVariant']): void =>
      this.writeFromRadio(session, makeMessage(Mesh.FromRadioSchema, { payloadVariant }));
    const onlyNodes = nonce === NONCE_ONLY_NODES;
    const withNodes = nonce !== NONCE_ONLY_CONFIG;
    send({ case: 'myInfo', value: this.myInfo() });
    send({ case: 'nodeInfo', value: this.ownNodeInfo() });
    if (!onlyNodes) {
      send({ case: 'metadata', value: this.metadata() });
      for (const channel of this.channels()) send({ case: 'channel', value: channel });
      for (const config of this.configs()) send({ case: 'config', value: config });
      for (const moduleConfig of this.moduleConfigs()) send({ case: 'moduleConfig', value: moduleConfig });
    }
    if (withNodes) for (const node of this.nodeDb.values()) send({ case: 'nodeInfo', value: this.nodeInfoOf(node) });
    send({ case: 'configCompleteId', value: nonce });
    session.configured = true;
    // Packets that arrived while no client was configured go out now (firmware STATE_SEND_PACKETS).
    for (const queued of this.toClientQueue.splice(0)) this.writeFromRadio(session, queued);
  }

  private fromClient(packet: MeshPacketMessage): void {
    if (packet.payloadVariant.case !== 'decoded') return; // clients send decoded packets only
    const data = packet.payloadVariant.value;
    if (data.payload.length > MAX_DATA_PAYLOAD_BYTES) return; // fails nanopb decoding: no reply
    const id = packet.id === 0 ? randomUint32(this.random) : packet.id >>> 0;
    if (this.recentClientIds.includes(id)) return; // the firmware's silent duplicate drop
    this.recentClientIds.push(id);
    if (this.recentClientIds.length > RECENT_CLIENT_IDS) this.recentClientIds.shift();

    // Router::sendLocal: a packet to the device itself never goes on air, so a device with no
    // region still takes it (that is how a client sets the region). The queue status comes first.
    if ((packet.to >>> 0) === this.nodeNum) {
      this.toClient(this.queueStatus(ERRNO_OK, id));
      if (data.portnum === PortNum.ADMIN_APP) this.onAdmin(id, data);
      return;
    }
    if (!regionRules(this.region).mayTransmit) {
      this.toClient(this.queueStatus(ERRNO_DISABLED, id));
      return;
    }
    // hop_limit is the client's: the default is filled in only for want_ack (FIELD-NOTES §2).
    const hopLimit = Math.min(packet.wantAck && packet.hopLimit === 0 ? DEFAULT_HOP_LIMIT : packet.hopLimit, MAX_HOP_LIMIT);
    // The firmware sets the bitfield (ok_to_mqtt) before encoding, which costs 2 bytes.
    const encoded = encodeMessage(Mesh.DataSchema, makeMessage(Mesh.DataSchema, { ...data, bitfield: data.bitfield ?? 0 }));
    if (encoded.length > MAX_ENCODED_DATA_BYTES) {
      this.nakToClient(id, RoutingError.TOO_LARGE);
      return;
    }
    const frame = this.frame({ to: packet.to >>> 0, id, hopLimit, wantAck: packet.wantAck, channel: packet.channel, data: encoded });
    if (!this.dutyCycleAllows(this.medium.airtimeMs(frame))) {
      this.nakToClient(id, RoutingError.DUTY_CYCLE_LIMIT);
      return;
    }
    const item: TxItem = { frame, kind: 'client', priority: packet.priority || defaultPriority(packet.wantAck, data), attempts: 0 };
    if (!this.enqueue(item)) {
      this.toClient(this.queueStatus(ERRNO_UNKNOWN, id));
      return;
    }
    this.markSeen(this.nodeNum, id);
    this.toClient(this.queueStatus(ERRNO_OK, id));
  }

  /** AdminModule for the local client (from = 0: always authorised). */
  private onAdmin(requestId: number, data: DataMessage): void {
    const lora = this.loraConfig();
    const outcome = readAdmin(data.payload, { region: this.region, lora });
    let answered = false;
    switch (outcome.kind) {
      case 'set_owner': {
        const longName = outcome.longName ?? this.currentUser.longName;
        const shortName = outcome.shortName ?? this.currentUser.shortName;
        if (longName !== this.currentUser.longName || shortName !== this.currentUser.shortName) {
          this.currentUser = makeMessage(Mesh.UserSchema, { ...this.currentUser, longName, shortName });
          this.announce(); // MeshService::reloadOwner → sendOurNodeInfo
        }
        break;
      }
      case 'set_region':
        // The config takes the region at once (sends are allowed from now); the radio restarts later.
        this.currentRegion = outcome.region;
        if (outcome.reboot) this.scheduler.setTimer(DEFAULT_REBOOT_SECONDS * 1000, () => this.reboot());
        break;
      case 'get_channel': {
        const channel = this.channels()[outcome.index]!;
        const response = makeMessage(Admin.AdminMessageSchema, { payloadVariant: { case: 'getChannelResponse', value: channel } });
        const packet = this.localPacket(PortNum.ADMIN_APP, encodeMessage(Admin.AdminMessageSchema, response));
        packet.to = this.nodeNum;
        decodedOf(packet).requestId = requestId;
        this.toClient(this.packetFromRadio(packet));
        answered = true;
        break;
      }
      case 'bad_request':
        this.ackToClient(this.nodeNum, requestId, RoutingError.BAD_REQUEST);
        return;
      case 'accepted':
        break;
    }
    // "If asked for a response and it is not yet set, generate an 'ACK' response."
    if (data.wantResponse && !answered) this.ackToClient(this.nodeNum, requestId, RoutingError.NONE);
  }

  /**
   * The firmware restarts: the serial console says `rebooted`, the client loses its session (a
   * TCP client its connection) and must ask for the config again.
   */
  private reboot(): void {
    if (!this.alive) return;
    const session = this.session;
    if (session) this.writeFromRadio(session, makeMessage(Mesh.FromRadioSchema, { payloadVariant: { case: 'rebooted', value: true } }));
    this.dropClient();
    if (regionRules(this.region).mayTransmit) this.scheduler.setTimer(this.random() * 5_000, () => this.announce());
  }

  private loraConfig(): { region: number; modemPreset: number; usePreset: boolean; bandwidth: number; spreadFactor: number; codingRate: number; hopLimit: number } {
    return {
      hopLimit: DEFAULT_HOP_LIMIT, // the firmware's default config (HOP_RELIABLE)
      region: Config.Config_LoRaConfig_RegionCode[this.region as keyof typeof Config.Config_LoRaConfig_RegionCode],
      modemPreset: MODEM_PRESETS[this.modemPreset].wireValue,
      usePreset: true,
      bandwidth: 0,
      spreadFactor: 0,
      codingRate: 0,
    };
  }

  private queueStatus(res: number, meshPacketId: number): FromRadioMessage {
    return makeMessage(Mesh.FromRadioSchema, {
      payloadVariant: {
        case: 'queueStatus',
        value: makeMessage(Mesh.QueueStatusSchema, { res, free: TX_QUEUE_SLOTS - this.txQueue.length, maxlen: TX_QUEUE_SLOTS, meshPacketId }),
      },
    });
  }

  /** A routing reply made by this device for its client: `from == own node` marks it local. */
  private nakToClient(requestId: number, error: number): void {
    this.toClient(this.packetFromRadio(this.routingPacket(this.nodeNum, this.nodeNum, requestId, error)));
  }

  private toClient(message: FromRadioMessage): void {
    const session = this.session;
    if (session?.configured) {
      this.writeFromRadio(session, message);
      return;
    }
    // Only mesh packets wait for a client; status replies make sense only to the one who asked.
    if (message.payloadVariant.case !== 'packet') {
      if (session) this.writeFromRadio(session, message);
      return;
    }
    this.toClientQueue.push(message);
    if (this.toClientQueue.length > TO_CLIENT_QUEUE_LIMIT) this.toClientQueue.shift();
  }

  private writeFromRadio(session: ActiveSession, message: FromRadioMessage): void {
    message.id = ++this.fromRadioId;
    session.sink.write(encodeFrame(encodeMessage(Mesh.FromRadioSchema, message)));
  }

  private logText(line: string): void {
    const session = this.session;
    // Once the client speaks the API, the firmware stops printing plain text on the stream.
    if (!session || session.apiMode) return;
    session.sink.write(new TextEncoder().encode(`${line}\r\n`));
  }

  private bootLog(): string[] {
    const stamp = (seconds: number): string => `00:00:${String(seconds).padStart(2, '0')}`;
    return [
      `\u001b[32mINFO \u001b[0m | ${stamp(1)} 1 \u001b[34m[Main]\u001b[0m S:B:37,${this.firmwareVersion.split('.').slice(0, 3).join('.')},sim`,
      `\u001b[32mINFO \u001b[0m | ${stamp(1)} 1 \u001b[34m[Main]\u001b[0m Meshtastic firmware ${this.firmwareVersion} (simulated)`,
      `\u001b[32mINFO \u001b[0m | ${stamp(2)} 2 \u001b[34m[Main]\u001b[0m Node ${nodeIdOf(this.nodeNum)} region ${this.region} preset ${this.modemPreset}`,
      `\u001b[34mDEBUG\u001b[0m | ${stamp(2)} 2 \u001b[34m[RadioIf]\u001b[0m Start receive`,
    ];
  }

  // ---- handshake content ----

  private myInfo(): OpaqueMessage {
    return makeMessage(Mesh.MyNodeInfoSchema, {
      myNodeNum: this.nodeNum,
      minAppVersion: 30200,
      deviceId: Uint8Array.from({ length: 16 }, (_, i) => (this.nodeNum >>> ((i % 4) * 8)) & 0xff),
      pioEnv: 'native-sim',
      nodedbCount: this.nodeDb.size + 1,
    });
  }

  private ownNodeInfo(): OpaqueMessage {
    return makeMessage(Mesh.NodeInfoSchema, {
      num: this.nodeNum,
      user: this.user,
      lastHeard: this.epochSeconds(),
      isFavorite: false,
      deviceMetrics: this.deviceMetrics(),
      ...(this.position ? { position: makeMessage(Mesh.PositionSchema, { ...exactPosition(this.position), time: this.epochSeconds() }) } : {}),
    });
  }

  /** Channel utilisation over the last minute (heard and sent) and own airtime over the last hour, in percent. */
  private deviceMetrics(): OpaqueMessage {
    const uptimeMs = Math.max(0, this.scheduler.now() - this.switchedOnAtMs);
    return makeMessage(Telemetry.DeviceMetricsSchema, {
      ...batteryReading(this.battery, uptimeMs),
      channelUtilization: this.channelUtilizationPercent(),
      airUtilTx: this.airUtilTxPercent(),
      uptimeSeconds: Math.floor(uptimeMs / 1000),
    });
  }

  private airUtilTxPercent(): number {
    return (100 * this.airtimeLastHourMs()) / DUTY_CYCLE_WINDOW_MS;
  }

  /** Percent of the last minute this radio heard frames (decodable or not) or sent them. */
  private channelUtilizationPercent(): number {
    const since = this.scheduler.now() - CHANNEL_UTILIZATION_WINDOW_MS;
    while (this.rxLog.length > 0 && this.rxLog[0]!.atMs <= since) this.rxLog.shift();
    const busyMs = [...this.rxLog, ...this.txLog.filter((entry) => entry.atMs > since)].reduce((sum, entry) => sum + entry.airtimeMs, 0);
    return (100 * busyMs) / CHANNEL_UTILIZATION_WINDOW_MS;
  }

  /**
   * Firmware DeviceTelemetryModule: every minute, its metrics go on air once the hour since the
   * last broadcast is up (and the channel and duty cycle allow it), otherwise to the client only.
   */
  private runDeviceTelemetry(broadcasts: boolean): void {
    this.scheduler.setTimer(TELEMETRY_RUN_INTERVAL_MS, () => this.runDeviceTelemetry(broadcasts));
    if (!this.alive) return;
    const now = this.scheduler.now();
    const due = this.lastTelemetryToMeshMs === undefined || now - this.lastTelemetryToMeshMs >= this.telemetryIntervalMs;
    const dutyCycle = regionRules(this.region).dutyCycle;
    const airAllows = dutyCycle >= 1 || this.airUtilTxPercent() < (100 * dutyCycle) / 2; // isTxAllowedAirUtil: half the allowance
    const telemetry = encodeMessage(
      Telemetry.TelemetrySchema,
      makeMessage(Telemetry.TelemetrySchema, { time: this.epochSeconds(), variant: { case: 'deviceMetrics', value: this.deviceMetrics() } }),
    );
    if (broadcasts && due && airAllows && this.politeChannel()) {
      this.lastTelemetryToMeshMs = now;
      this.broadcastOwn(PortNum.TELEMETRY_APP, telemetry);
    } else if (this.session?.configured) {
      this.toClient(this.packetFromRadio(this.localPacket(PortNum.TELEMETRY_APP, telemetry)));
    }
  }

  /** Firmware PositionModule: the fixed position every 15 minutes, the stale unsent one cancelled. */
  private broadcastPosition(): void {
    this.scheduler.setTimer(this.positionIntervalMs, () => this.broadcastPosition());
    if (!this.alive || !this.position || !this.politeChannel()) return;
    const stale = this.txQueue.findIndex((item) => item.frame.from === this.nodeNum && item.frame.id === this.lastPositionId);
    if (stale !== -1) this.txQueue.splice(stale, 1);
    const position = makeMessage(Mesh.PositionSchema, {
      ...sharedPosition(this.position, this.positionPrecisionBits),
      time: this.epochSeconds(),
      locationSource: Mesh.Position_LocSource.LOC_MANUAL, // fixed_position
    });
    this.lastPositionId = this.broadcastOwn(PortNum.POSITION_APP, encodeMessage(Mesh.PositionSchema, position));
  }

  private politeChannel(): boolean {
    return this.channelUtilizationPercent() < POLITE_CHANNEL_UTILIZATION_PERCENT;
  }

  /** A BACKGROUND broadcast of our own on the primary channel, with a copy for the client (ccToPhone). Returns its id. */
  private broadcastOwn(portnum: number, payload: Uint8Array): number | undefined {
    if (!regionRules(this.region).mayTransmit) return undefined;
    const packet = this.localPacket(portnum, payload);
    const frame = this.frame({ to: BROADCAST_NUM, id: packet.id, hopLimit: DEFAULT_HOP_LIMIT, wantAck: false, channel: 0, data: encodeMessage(Mesh.DataSchema, decodedOf(packet)) });
    if (!this.dutyCycleAllows(this.medium.airtimeMs(frame))) return undefined;
    this.markSeen(this.nodeNum, packet.id);
    this.enqueue({ frame, kind: 'own', priority: Mesh.MeshPacket_Priority.BACKGROUND, attempts: 0 });
    if (this.session?.configured) this.toClient(this.packetFromRadio(packet));
    return packet.id;
  }

  /** A packet this device makes itself for its client (from = own node, heard by nobody). */
  private localPacket(portnum: number, payload: Uint8Array): MeshPacketMessage {
    return makeMessage<MeshPacketMessage>(Mesh.MeshPacketSchema, {
      from: this.nodeNum,
      to: BROADCAST_NUM,
      id: randomUint32(this.random),
      hopLimit: DEFAULT_HOP_LIMIT,
      hopStart: DEFAULT_HOP_LIMIT,
      rxTime: this.epochSeconds(),
      priority: Mesh.MeshPacket_Priority.BACKGROUND,
      payloadVariant: { case: 'decoded', value: makeMessage(Mesh.DataSchema, { portnum, payload, bitfield: 0 }) },
    });
  }

  private nodeInfoOf(node: KnownNode): OpaqueMessage {
    return makeMessage(Mesh.NodeInfoSchema, {
      num: node.num,
      ...(node.user ? { user: node.user } : {}),
      snr: node.snr,
      lastHeard: Math.floor((this.epochMs + node.lastHeardMs) / 1000),
      hopsAway: node.hopsAway,
      ...(node.position ? { position: node.position } : {}),
      ...(node.deviceMetrics ? { deviceMetrics: node.deviceMetrics } : {}),
    });
  }

  private metadata(): OpaqueMessage {
    return makeMessage(Mesh.DeviceMetadataSchema, {
      firmwareVersion: this.firmwareVersion,
      deviceStateVersion: 24,
      canShutdown: true,
      hasWifi: true,
      role: this.roleValue(),
      hwModel: Mesh.HardwareModel.PORTDUINO,
    });
  }

  private roleValue(): number {
    return Config.Config_DeviceConfig_Role[this.role];
  }

  private channels(): OpaqueMessage[] {
    return Array.from({ length: 8 }, (_, index) =>
      index === 0
        ? makeMessage(Channel.ChannelSchema, {
            index,
            role: Channel.Channel_Role.PRIMARY,
            // psk [1] is the well-known default key; an empty name means the preset's name.
            settings: makeMessage(Channel.ChannelSettingsSchema, {
              psk: Uint8Array.of(1),
              name: '',
              moduleSettings: makeMessage(Channel.ModuleSettingsSchema, { positionPrecision: this.positionPrecisionBits }),
            }),
          })
        : this.secondaryChannels[index - 1]
          ? makeMessage(Channel.ChannelSchema, {
              index,
              role: Channel.Channel_Role.SECONDARY,
              settings: makeMessage(Channel.ChannelSettingsSchema, {
                name: this.secondaryChannels[index - 1]!.name,
                psk: this.secondaryChannels[index - 1]!.encryption === 'default' ? Uint8Array.of(1) : new Uint8Array(16).fill(index),
              }),
            })
          : makeMessage(Channel.ChannelSchema, { index, role: Channel.Channel_Role.DISABLED }),
    );
  }

  private configs(): OpaqueMessage[] {
    const wrap = (payloadVariant: OneOf<string>): OpaqueMessage => makeMessage(Config.ConfigSchema, { payloadVariant });
    const region = Config.Config_LoRaConfig_RegionCode[this.region as keyof typeof Config.Config_LoRaConfig_RegionCode];
    return [
      wrap({ case: 'device', value: makeMessage(Config.Config_DeviceConfigSchema, { role: this.roleValue(), nodeInfoBroadcastSecs: 10_800 }) }),
      wrap({ case: 'position', value: makeMessage(Config.Config_PositionConfigSchema, { fixedPosition: this.position !== undefined }) }),
      wrap({ case: 'power', value: makeMessage(Config.Config_PowerConfigSchema, {}) }),
      wrap({ case: 'network', value: makeMessage(Config.Config_NetworkConfigSchema, { wifiEnabled: true }) }),
      wrap({ case: 'display', value: makeMessage(Config.Config_DisplayConfigSchema, {}) }),
      wrap({
        case: 'lora',
        value: makeMessage(Config.Config_LoRaConfigSchema, {
          ...this.loraConfig(),
          region,
          hopLimit: DEFAULT_HOP_LIMIT,
          txEnabled: regionRules(this.region).mayTransmit,
          txPower: 27,
        }),
      }),
      wrap({ case: 'bluetooth', value: makeMessage(Config.Config_BluetoothConfigSchema, {}) }),
      wrap({ case: 'security', value: makeMessage(Config.Config_SecurityConfigSchema, { serialEnabled: true }) }),
    ];
  }

  private moduleConfigs(): OpaqueMessage[] {
    const wrap = (payloadVariant: OneOf<string>): OpaqueMessage =>
      makeMessage(ModuleConfig.ModuleConfigSchema, { payloadVariant });
    return [
      wrap({ case: 'mqtt', value: makeMessage(ModuleConfig.ModuleConfig_MQTTConfigSchema, {}) }),
      wrap({ case: 'serial', value: makeMessage(ModuleConfig.ModuleConfig_SerialConfigSchema, {}) }),
      wrap({ case: 'externalNotification', value: makeMessage(ModuleConfig.ModuleConfig_ExternalNotificationConfigSchema, {}) }),
      wrap({ case: 'storeForward', value: makeMessage(ModuleConfig.ModuleConfig_StoreForwardConfigSchema, {}) }),
      wrap({ case: 'rangeTest', value: makeMessage(ModuleConfig.ModuleConfig_RangeTestConfigSchema, {}) }),
      wrap({ case: 'telemetry', value: makeMessage(ModuleConfig.ModuleConfig_TelemetryConfigSchema, {}) }),
      wrap({ case: 'cannedMessage', value: makeMessage(ModuleConfig.ModuleConfig_CannedMessageConfigSchema, {}) }),
      wrap({ case: 'audio', value: makeMessage(ModuleConfig.ModuleConfig_AudioConfigSchema, {}) }),
      wrap({ case: 'remoteHardware', value: makeMessage(ModuleConfig.ModuleConfig_RemoteHardwareConfigSchema, {}) }),
      wrap({ case: 'neighborInfo', value: makeMessage(ModuleConfig.ModuleConfig_NeighborInfoConfigSchema, {}) }),
      wrap({ case: 'ambientLighting', value: makeMessage(ModuleConfig.ModuleConfig_AmbientLightingConfigSchema, {}) }),
      wrap({ case: 'detectionSensor', value: makeMessage(ModuleConfig.ModuleConfig_DetectionSensorConfigSchema, {}) }),
      wrap({ case: 'paxcounter', value: makeMessage(ModuleConfig.ModuleConfig_PaxcounterConfigSchema, {}) }),
    ];
  }

  // ---- radio side (Router, FloodingRouter, ReliableRouter) ----

  private frame(fields: { from?: number; to: number; id: number; hopLimit: number; hopStart?: number; wantAck: boolean; channel: number; data: Uint8Array }): MeshAirFrame {
    return {
      from: fields.from ?? this.nodeNum,
      to: fields.to,
      id: fields.id,
      hopLimit: fields.hopLimit,
      hopStart: fields.hopStart ?? fields.hopLimit,
      wantAck: fields.wantAck,
      channel: fields.channel,
      relayNode: this.nodeNum & 0xff,
      data: fields.data,
      payloadBytes: fields.data.length,
    };
  }

  private announce(): void {
    if (!this.alive || !regionRules(this.region).mayTransmit) return;
    const data = encodeMessage(
      Mesh.DataSchema,
      makeMessage(Mesh.DataSchema, { portnum: PortNum.NODEINFO_APP, payload: encodeMessage(Mesh.UserSchema, this.user), bitfield: 0 }),
    );
    const id = randomUint32(this.random);
    this.markSeen(this.nodeNum, id);
    this.enqueue({
      frame: this.frame({ to: BROADCAST_NUM, id, hopLimit: DEFAULT_HOP_LIMIT, wantAck: false, channel: 0, data }),
      kind: 'own',
      priority: Mesh.MeshPacket_Priority.BACKGROUND,
      attempts: 0,
    });
  }

  private onAir(reception: Reception<MeshAirFrame>): void {
    if (!this.alive) return;
    const frame = reception.frame;
    this.rxLog.push({ atMs: reception.atMs, airtimeMs: this.medium.airtimeMs(frame) });
    // The receive interrupt comes before the router sees the packet (firmware onNotify ISR_RX).
    this.setTransmitDelay('restart');
    let data: DataMessage;
    try {
      data = decodeMessage(Mesh.DataSchema, frame.data);
    } catch {
      return;
    }
    if (frame.from === this.nodeNum) {
      // Our own packet relayed by a neighbour: the implicit ack (ReliableRouter).
      if (this.stopRetransmission(frame.id)) this.ackToClient(this.nodeNum, frame.id, RoutingError.NONE);
      return;
    }
    this.heard(frame, reception, data);
    const key = seenKey(frame.from, frame.id);
    if (this.wasSeenRecently(key)) {
      // Firmware Flooding/NextHopRouter::shouldFilterReceived. The sender itself again (hop_start ==
      // hop_limit) missed our relay or our ack: relay again, or ack again with hop limit 0, unless
      // that still waits in the queue. Any other copy is someone's rebroadcast, and a CLIENT
      // cancels its own (perhapsCancelDupe).
      const repeated = frame.hopStart > 0 && frame.hopStart === frame.hopLimit;
      if (!repeated) this.cancelRelay(frame);
      else if (this.isQueued(frame)) return;
      else if (frame.to !== this.nodeNum && frame.hopLimit > 0) this.relay(frame, data, reception.snrDb);
      else if (frame.to === this.nodeNum && frame.wantAck && data.portnum !== PortNum.ROUTING_APP) this.sendAck(frame, 0);
      return;
    }
    this.markSeen(frame.from, frame.id);

    const forUs = frame.to === this.nodeNum;
    if (forUs || frame.to === BROADCAST_NUM) {
      this.toClient(this.packetFromRadio(this.meshPacketOf(frame, data, reception)));
      this.logText(`\u001b[34mDEBUG\u001b[0m | Received packet fr=${nodeIdOf(frame.from)} id=0x${frame.id.toString(16)} port=${data.portnum}`);
    }
    if (forUs) {
      if (data.portnum === PortNum.ROUTING_APP) {
        // An end-to-end ack or nak from the destination: the retries stop.
        this.stopRetransmission(data.requestId);
      } else if (frame.wantAck) {
        this.sendAck(frame);
      }
      return;
    }
    if (frame.hopLimit > 0) this.relay(frame, data, reception.snrDb);
  }

  /** A frame this radio was receiving ended undecodable: the airtime still counts as busy channel. */
  private onAirLost(frame: MeshAirFrame, atMs: number): void {
    if (!this.alive) return;
    this.rxLog.push({ atMs, airtimeMs: this.medium.airtimeMs(frame) });
    this.setTransmitDelay('restart');
  }

  private heard(frame: MeshAirFrame, reception: Reception<MeshAirFrame>, data: DataMessage): void {
    const known = this.nodeDb.get(frame.from) ?? { num: frame.from, snr: 0, lastHeardMs: 0, hopsAway: 0 };
    known.snr = reception.snrDb;
    known.lastHeardMs = reception.atMs;
    known.hopsAway = Math.max(0, frame.hopStart - frame.hopLimit);
    try {
      if (data.portnum === PortNum.NODEINFO_APP) known.user = decodeMessage(Mesh.UserSchema, data.payload);
      if (data.portnum === PortNum.POSITION_APP) {
        const position = decodeMessage<PositionMessage>(Mesh.PositionSchema, data.payload);
        // NodeDB::updatePosition keeps latitude, longitude, altitude and time (PositionLite).
        if (position.latitudeI || position.longitudeI) {
          known.position = makeMessage(Mesh.PositionSchema, { latitudeI: position.latitudeI, longitudeI: position.longitudeI, altitude: position.altitude, time: position.time });
        }
      }
      if (data.portnum === PortNum.TELEMETRY_APP) {
        const telemetry = decodeMessage<TelemetryMessage>(Telemetry.TelemetrySchema, data.payload);
        if (telemetry.variant.case === 'deviceMetrics') known.deviceMetrics = telemetry.variant.value as OpaqueMessage;
      }
    } catch {
      // a malformed NodeInfo, Position or telemetry leaves the old entry as it was
    }
    this.nodeDb.set(frame.from, known);
  }

  private sendAck(frame: MeshAirFrame, hopLimit = replyHopLimit(frame)): void {
    const id = randomUint32(this.random);
    const ack = this.routingPacket(this.nodeNum, frame.from, frame.id, RoutingError.NONE, id, hopLimit);
    this.markSeen(this.nodeNum, id);
    this.enqueue({
      frame: this.frame({ to: frame.from, id, hopLimit, wantAck: false, channel: frame.channel, data: encodeMessage(Mesh.DataSchema, decodedOf(ack)) }),
      kind: 'ack',
      priority: Mesh.MeshPacket_Priority.ACK,
      attempts: 0,
    });
  }

  /** Firmware perhapsRebroadcast: the copy joins the TX queue at once and waits its SNR-weighted delay there. */
  private relay(frame: MeshAirFrame, data: DataMessage, snrDb: number): void {
    if (this.role === 'CLIENT_MUTE') return; // FloodingRouter: never rebroadcasts
    const item: TxItem = {
      frame: { ...frame, hopLimit: frame.hopLimit - 1, relayNode: this.nodeNum & 0xff },
      kind: 'relay',
      priority: defaultPriority(frame.wantAck, data),
      attempts: 0,
      rxSnrDb: snrDb,
    };
    if (this.dutyCycleAllows(this.medium.airtimeMs(item.frame))) this.enqueue(item);
  }

  private isQueued(frame: MeshAirFrame): boolean {
    return this.txQueue.some((queued) => queued.frame.from === frame.from && queued.frame.id === frame.id);
  }

  /** Firmware cancelSending: drops the queued copy of (from, id), if any. */
  private cancelRelay(frame: MeshAirFrame): void {
    const queued = this.txQueue.findIndex((item) => item.kind === 'relay' && item.frame.from === frame.from && item.frame.id === frame.id);
    if (queued !== -1) this.txQueue.splice(queued, 1);
  }

  private wasSeenRecently(key: string): boolean {
    const at = this.seen.get(key);
    return at !== undefined && this.scheduler.now() - at < DEDUPE_WINDOW_MS;
  }

  private markSeen(from: number, id: number): void {
    const now = this.scheduler.now();
    for (const [key, at] of this.seen) {
      if (now - at < DEDUPE_WINDOW_MS) break; // insertion order is time order
      this.seen.delete(key);
    }
    const key = seenKey(from, id);
    this.seen.delete(key);
    this.seen.set(key, now);
  }

  private dutyCycleAllows(airtimeMs: number): boolean {
    return this.airtimeLastHourMs() + airtimeMs <= airtimeBudgetPerHourMs(this.region);
  }

  private enqueue(item: TxItem): boolean {
    if (this.txQueue.length >= TX_QUEUE_SLOTS) return false;
    // Firmware MeshPacketQueue: higher priority first; at equal priority, packets already on the
    // mesh (relays) before our own; otherwise first come, first served.
    const goesBefore = (queued: TxItem): boolean =>
      item.priority !== queued.priority ? item.priority > queued.priority : item.frame.from !== this.nodeNum && queued.frame.from === this.nodeNum;
    const at = this.txQueue.findIndex(goesBefore);
    this.txQueue.splice(at === -1 ? this.txQueue.length : at, 0, item);
    this.setTransmitDelay('keep');
    return true;
  }

  /**
   * Firmware RadioLibInterface::setTransmitDelay: one timer for the head of the queue, a random
   * number of slots (SNR-weighted for a rebroadcast). Enqueueing keeps a pending timer; the end of
   * a reception or of our own transmission restarts it (the radio interrupt overwrites it).
   */
  private setTransmitDelay(mode: 'keep' | 'restart'): void {
    if (mode === 'restart' && this.txDelayTimer !== undefined) {
      this.scheduler.clearTimer(this.txDelayTimer);
      this.txDelayTimer = undefined;
    }
    const head = this.txQueue[0];
    if (!this.alive || this.txDelayTimer !== undefined || !head) return;
    const modem = this.medium.modem;
    const delayMs =
      head.rxSnrDb === undefined ? txDelayMs(this.random, modem, this.channelUtilizationPercent()) : rebroadcastDelayMs(this.random, modem, head.rxSnrDb);
    this.txDelayTimer = this.scheduler.setTimer(delayMs, () => {
      this.txDelayTimer = undefined;
      this.transmitDelayCompleted();
    });
  }

  /**
   * Firmware TRANSMIT_DELAY_COMPLETED: when the radio is neither sending nor receiving
   * (canSendImmediately) and channel activity detection hears no frame, the head of the queue goes
   * out; otherwise a new delay is drawn.
   */
  private transmitDelayCompleted(): void {
    if (!this.alive || this.txQueue.length === 0) return;
    if (this.txBusy || this.medium.isChannelBusy(this.nodeNum, activityDetectionMs(this.medium.modem))) {
      this.setTransmitDelay('keep');
      return;
    }
    const item = this.txQueue.shift()!;
    const { airtimeMs } = this.medium.transmit(this.nodeNum, item.frame);
    this.txLog.push({ atMs: this.scheduler.now(), airtimeMs });
    this.pruneTxLog();
    item.attempts += 1;
    this.txBusy = true;
    this.scheduler.setTimer(airtimeMs, () => {
      this.txBusy = false;
      if (!this.alive) return;
      if (item.kind === 'client' && item.frame.wantAck) this.awaitAck(item, airtimeMs);
      this.setTransmitDelay('restart');
    });
  }

  private pruneTxLog(): void {
    const since = this.scheduler.now() - DUTY_CYCLE_WINDOW_MS;
    while (this.txLog.length > 0 && this.txLog[0]!.atMs <= since) this.txLog.shift();
  }

  private awaitAck(item: TxItem, airtimeMs: number): void {
    const pending: PendingAck = { item, timer: undefined };
    const timeoutMs = retransmissionTimeoutMs(this.medium.modem, airtimeMs, this.channelUtilizationPercent());
    pending.timer = this.scheduler.setTimer(timeoutMs, () => {
      pending.timer = undefined;
      if (!this.alive || this.pendingAcks.get(item.frame.id) !== pending) return;
      if (item.attempts >= MAX_TRANSMISSIONS) {
        this.pendingAcks.delete(item.frame.id);
        this.ackToClient(this.nodeNum, item.frame.id, RoutingError.MAX_RETRANSMIT);
        return;
      }
      if (!this.dutyCycleAllows(this.medium.airtimeMs(item.frame))) {
        this.pendingAcks.delete(item.frame.id);
        this.ackToClient(this.nodeNum, item.frame.id, RoutingError.DUTY_CYCLE_LIMIT);
        return;
      }
      if (!this.enqueue(item)) this.pendingAcks.delete(item.frame.id);
    });
    this.pendingAcks.set(item.frame.id, pending);
  }

  /** Returns whether a retransmission was pending (and is now stopped). */
  private stopRetransmission(id: number): boolean {
    const pending = this.pendingAcks.get(id);
    if (!pending) return false;
    this.pendingAcks.delete(id);
    if (pending.timer !== undefined) this.scheduler.clearTimer(pending.timer);
    const queued = this.txQueue.indexOf(pending.item);
    if (queued !== -1) this.txQueue.splice(queued, 1);
    return true;
  }

  private ackToClient(from: number, requestId: number, error: number): void {
    this.toClient(this.packetFromRadio(this.routingPacket(from, this.nodeNum, requestId, error)));
  }

  private routingPacket(from: number, to: number, requestId: number, error: number, id = randomUint32(this.random), hopLimit = 0): MeshPacketMessage {
    const routing = makeMessage(Mesh.RoutingSchema, { variant: { case: 'errorReason', value: error } });
    return makeMessage(Mesh.MeshPacketSchema, {
      from,
      to,
      id,
      hopLimit,
      hopStart: hopLimit,
      priority: Mesh.MeshPacket_Priority.ACK,
      rxTime: this.epochSeconds(),
      payloadVariant: {
        case: 'decoded',
        value: makeMessage(Mesh.DataSchema, { portnum: PortNum.ROUTING_APP, payload: encodeMessage(Mesh.RoutingSchema, routing), requestId }),
      },
    });
  }

  private meshPacketOf(frame: MeshAirFrame, data: DataMessage, reception: Reception<MeshAirFrame>): MeshPacketMessage {
    return makeMessage(Mesh.MeshPacketSchema, {
      from: frame.from,
      to: frame.to,
      id: frame.id,
      channel: frame.channel,
      hopLimit: frame.hopLimit,
      hopStart: frame.hopStart,
      wantAck: frame.wantAck,
      relayNode: frame.relayNode,
      rxTime: Math.floor((this.epochMs + reception.atMs) / 1000),
      rxSnr: reception.snrDb,
      rxRssi: reception.rssiDbm,
      payloadVariant: { case: 'decoded', value: data },
    });
  }

  private packetFromRadio(packet: MeshPacketMessage): FromRadioMessage {
    return makeMessage(Mesh.FromRadioSchema, { payloadVariant: { case: 'packet', value: packet } });
  }

  private epochSeconds(): number {
    return Math.floor((this.epochMs + this.scheduler.now()) / 1000);
  }
}

type ActiveSession = { sink: ClientSink; decoder: FrameDecoder; apiMode: boolean; configured: boolean };

const seenKey = (from: number, id: number): string => `${from >>> 0}:${id >>> 0}`;

function decodedOf(packet: MeshPacketMessage): DataMessage {
  if (packet.payloadVariant.case !== 'decoded') throw new Error('packet is not decoded');
  return packet.payloadVariant.value;
}

/** A reply gets as many hops as the request needed, at least the firmware's default. */
function replyHopLimit(request: MeshAirFrame): number {
  return Math.min(Math.max(request.hopStart - request.hopLimit, DEFAULT_HOP_LIMIT), MAX_HOP_LIMIT);
}

/** Firmware fixPriority: the queue priority of a packet that comes without one, as every received packet does. */
function defaultPriority(wantAck: boolean, data: DataMessage): number {
  const Priority = Mesh.MeshPacket_Priority;
  if (data.portnum === PortNum.ROUTING_APP) return Priority.ACK;
  if (data.portnum === PortNum.TEXT_MESSAGE_APP || data.portnum === PortNum.ADMIN_APP) return Priority.HIGH;
  if (data.requestId !== 0) return Priority.RESPONSE;
  return wantAck || data.wantResponse ? Priority.RELIABLE : Priority.DEFAULT;
}
