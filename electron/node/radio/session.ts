// One conversation with one Meshtastic device over a RadioTransport: the config handshake,
// heartbeats, flow-controlled sending on PRIVATE_APP with ACK/NAK tracking, and decoding what the
// device reports. Pure logic: time comes from the injected Clock, packet ids from `nextId`.
// Protocol facts: /work/shared/FIELD-NOTES.md §2.
import { EventEmitter } from 'node:events';
import { create, fromBinary, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { Channel, Config, Mesh, Portnums, Telemetry } from '@meshtastic/protobufs';
import type { Clock } from '../clock.ts';
import { ADMIN_APP_PORT, channelEncryption, ownerProblem, regionCodeOf, setOwnerMessage, setRegionMessage, type LoraConfigMessage } from './admin.ts';
import { MAX_PAYLOAD_BYTES, MIN_FIRMWARE_VERSION, RadioError, radioErrors, type RadioErrorCode } from './errors.ts';
import type { RadioTransport, TransportKind } from './transports/transport.ts';

export const PRIVATE_APP_PORT = 256;
export const BROADCAST_NODE = 0xffffffff;
export const DEFAULT_HOP_LIMIT = 3;
export const MAX_HOP_LIMIT = 7;
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 8_000;

/**
 * Heartbeat period per link: the TCP server drops a socket idle for 60 s, every API drops a
 * client silent for 15 min. A heartbeat also draws a QueueStatus from firmware 2.7.4 on.
 */
export const HEARTBEAT_INTERVAL_MS: Readonly<Record<TransportKind, number>> = {
  tcp: 30_000,
  serial: 5 * 60_000,
  ble: 5 * 60_000,
};

// QueueStatus.res values (firmware ErrorCode.h).
const QUEUE_OK = 0;
const QUEUE_FULL = 32;
const QUEUE_DISABLED = 34;

const PORT = {
  text: Portnums.PortNum.TEXT_MESSAGE_APP as number,
  position: Portnums.PortNum.POSITION_APP as number,
  nodeInfo: Portnums.PortNum.NODEINFO_APP as number,
  routing: Portnums.PortNum.ROUTING_APP as number,
  telemetry: Portnums.PortNum.TELEMETRY_APP as number,
  alert: Portnums.PortNum.ALERT_APP as number,
};

export type DeviceProblem = { code: RadioErrorCode; message: string; fix?: string };

export type DeviceInfo = {
  nodeNum: number;
  /** `!xxxxxxxx`, as Meshtastic shows node numbers. */
  nodeId: string;
  longName: string;
  shortName: string;
  hardware: string | undefined;
  firmware: string;
  region: string;
  preset: string;
  /** The device's LoRa hop limit (how far its own packets flood); undefined until its config is in, or unset (0). */
  hopLimit?: number | undefined;
  /** The channel index our packets go out on. */
  channelIndex: number;
  /** Percent of airtime the device hears in use, and percent it transmitted itself (last hour). */
  channelUtilization: number | undefined;
  airUtilTx: number | undefined;
  batteryLevel: number | undefined;
  /** Volts of the device's battery (0 when it has none to measure). */
  voltage: number | undefined;
  /** Where the device is, from its GPS or fixed position. */
  position: NodePosition | undefined;
  /** Why the device cannot send for us now (no region, channel not enabled); sends are refused. */
  sendBlockedBy: DeviceProblem | undefined;
  /** The enabled channels, with how each is encrypted. */
  channels: DeviceChannel[];
  /** Pakit packets the device delivered on channels other than ours: peers we do not hear on our channel. */
  otherChannelTraffic: OtherChannelTraffic[];
  transport: TransportKind;
  /** Where the device is: a serial path, host:port or BLE id. */
  address: string;
};

/** A position as the firmware reports it, in degrees and metres. */
export type NodePosition = {
  latitude: number;
  longitude: number;
  /** Metres above sea level. */
  altitude?: number;
  /** When the fix was taken, epoch milliseconds. */
  time?: number;
  /** Bits of latitude/longitude the sender kept (32: exact; 13, the default channel's: about 3 km). */
  precisionBits?: number;
};

export type MeshNode = {
  nodeNum: number;
  nodeId: string;
  longName: string | undefined;
  shortName: string | undefined;
  hardware: string | undefined;
  /** The device role the node announces (`CLIENT`, `ROUTER`, ...). */
  role: string | undefined;
  snr: number | undefined;
  /** dBm of the last packet heard from the node (the device's node list does not keep it). */
  rssi: number | undefined;
  /** Epoch milliseconds. */
  lastHeard: number | undefined;
  hopsAway: number | undefined;
  /** 0..100; 101 means external power. */
  batteryLevel: number | undefined;
  voltage: number | undefined;
  /** Percent of airtime the node hears in use, and percent it transmitted itself (last hour). */
  channelUtilization: number | undefined;
  airUtilTx: number | undefined;
  uptimeSeconds: number | undefined;
  isFavorite: boolean | undefined;
  position: NodePosition | undefined;
};

type Reception = {
  id: number;
  from: number;
  to: number;
  channel: number;
  rxSnr: number;
  rxRssi: number;
  hopStart: number;
  hopLimit: number;
  /** Hops the packet travelled; undefined when the sender's firmware does not say (hop_start 0). */
  hops: number | undefined;
  /** Epoch milliseconds, on our clock. */
  receivedAt: number;
};
export type ReceivedPacket = Reception & { payload: Uint8Array };
export type TextMessage = Reception & { text: string };

/** `device`: text the radio printed or sent as a LogRecord; `radio`: our radio layer speaking. */
export type DeviceLogLine = { at: number; level: 'debug' | 'info' | 'warn' | 'error'; source: 'device' | 'radio'; message: string };

export type SendRequest = {
  to: number;
  payload: Uint8Array;
  /** Ask for an acknowledgement (end-to-end for unicast, a relay's echo for broadcast). Default true. */
  wantAck?: boolean;
  /** 0..7; the session's hop limit by default. */
  hopLimit?: number;
  /** MeshPacket.Priority; the firmware's default (RELIABLE for want_ack) when omitted. */
  priority?: number;
  /** Meshtastic port number; PRIVATE_APP (ours) by default, TEXT_MESSAGE_APP for chat. */
  portnum?: number;
  /** Channel index 0..7; the session's channel by default. */
  channel?: number;
  /** Ask the destination's application for an answer (admin requests: the firmware replies with Routing). */
  wantResponse?: boolean;
};

/** A ROUTING_APP reply the device passed on: an ACK (`error` undefined) or NAK for our packet `requestId`. */
export type RoutingReport = { requestId: number; from: number; error: RadioError | undefined };

/**
 * A channel the device has enabled; an empty name on the primary means the preset's name.
 * `encryption`: none, the default key every Meshtastic device knows (public), or a key of its own.
 */
export type DeviceChannel = { index: number; role: 'PRIMARY' | 'SECONDARY'; name: string; encryption: 'none' | 'default' | 'private' };

/** Pakit traffic heard on a channel Pakit does not use, and from whom. */
export type OtherChannelTraffic = { channel: number; nodeIds: string[]; lastAt: number };

/**
 * `delivered`: the destination acknowledged it; `relayed`: a neighbour was heard repeating it (or
 * the destination is broadcast); `sent`: the device queued it for the air and no ack was asked.
 * A failure says whether the device had already accepted the packet (it may still go out).
 */
export type SendResult =
  | { ok: true; delivery: 'delivered' | 'relayed' | 'sent'; packetId: number }
  | { ok: false; error: RadioError; accepted: boolean };

export type SendHooks = {
  /** The device took the packet into its transmit queue (QueueStatus ok). */
  onAccepted?(packetId: number): void;
};

export type StartResult = { ok: true; device: DeviceInfo } | { ok: false; error: RadioError };

export type SessionEvents = {
  /** Device info changed (metrics, config) after the handshake. */
  device: [DeviceInfo];
  /** One node in the device's node database changed after the handshake. */
  node: [MeshNode];
  packet: [ReceivedPacket];
  text: [TextMessage];
  /** ALERT_APP: a stock Meshtastic alert, text like a message but meant to wake people up. */
  alert: [TextMessage];
  /** Every ACK/NAK the device reports, also those after a packet's send settled (a late end-to-end ack). */
  routing: [RoutingReport];
  log: [DeviceLogLine];
  /** The session ended; the error says why (undefined: closed by us without one). */
  closed: [RadioError | undefined];
};

export type SessionOptions = {
  transport: RadioTransport;
  clock: Clock;
  /** Fresh non-zero 32-bit ids for packets and the handshake nonce. */
  nextId: () => number;
  channelIndex?: number;
  hopLimit?: number;
  handshakeTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** How long the device may take to answer a packet with a QueueStatus. */
  queueStatusTimeoutMs?: number;
  /** How long an accepted want_ack packet may wait for its ACK/NAK (the firmware gives up first). */
  ackTimeoutMs?: number;
  /** Wait before trying again while the device's queue is full. */
  queueRetryMs?: number;
  /** Queue-full refusals of one packet before it fails with `queue_full`. */
  maxQueueFullRetries?: number;
};

type Outgoing = {
  readonly request: Required<SendRequest>;
  readonly hooks: SendHooks;
  readonly resolve: (result: SendResult) => void;
  phase: 'waiting' | 'awaiting_status' | 'awaiting_ack';
  packetId: number;
  timer: unknown;
  queueFullRetries: number;
};

// Views of the decoded messages (the protobuf package ships no usable types).
type Variant = { case: string | undefined; value?: unknown };
type DataView = { portnum: number; payload: Uint8Array; requestId: number };
type MeshPacketView = {
  from: number;
  to: number;
  channel: number;
  id: number;
  hopLimit: number;
  hopStart: number;
  rxSnr: number;
  rxRssi: number;
  payloadVariant: Variant;
};
type UserView = { longName: string; shortName: string; hwModel: number; role: number };
type DeviceMetricsView = { batteryLevel?: number; voltage?: number; channelUtilization?: number; airUtilTx?: number; uptimeSeconds?: number };
type PositionView = { latitudeI?: number; longitudeI?: number; altitude?: number; time: number; precisionBits: number };
type NodeInfoView = {
  num: number;
  user?: UserView;
  position?: PositionView;
  snr: number;
  lastHeard: number;
  deviceMetrics?: DeviceMetricsView;
  hopsAway?: number;
  isFavorite: boolean;
};
type QueueStatusView = { res: number; free: number; meshPacketId: number };

const decode = <T>(schema: unknown, bytes: Uint8Array): T => fromBinary(schema as DescMessage, bytes) as unknown as T;
const message = (schema: unknown, init: object): object => create(schema as DescMessage, init as never);
const encodeToRadio = (payloadVariant: Variant): Uint8Array =>
  toBinary(Mesh.ToRadioSchema as DescMessage, message(Mesh.ToRadioSchema, { payloadVariant }) as never);

export const nodeIdOf = (nodeNum: number): string => `!${(nodeNum >>> 0).toString(16).padStart(8, '0')}`;

/** `"2.6.11.60ec05e"` -> [2, 6, 11]; undefined if the first three parts are not integers. */
export function parseFirmwareVersion(version: string): [number, number, number] | undefined {
  const parts = version.trim().replace(/^v/i, '').split('.').slice(0, 3);
  if (parts.length < 3 || !parts.every((part) => /^\d+$/.test(part))) return undefined;
  return parts.map(Number) as [number, number, number];
}

/** Compares integer by integer (a float compare would put 2.10 below 2.9). */
export function isFirmwareSupported(version: string, minimum = MIN_FIRMWARE_VERSION): boolean {
  const have = parseFirmwareVersion(version);
  const need = parseFirmwareVersion(minimum);
  if (!have || !need) return false;
  for (let i = 0; i < 3; i += 1) if (have[i] !== need[i]) return have[i]! > need[i]!;
  return true;
}

const enumName = (enumObject: Record<number, string>, value: number): string => enumObject[value] ?? String(value);
const LOG_LINE_LEVEL = /^\s*(TRACE|DEBUG|INFO|WARN|ERROR|CRIT)\b/;

export class DeviceSession extends EventEmitter<SessionEvents> {
  readonly #transport: RadioTransport;
  readonly #clock: Clock;
  readonly #nextId: () => number;
  readonly #channelIndex: number;
  readonly #hopLimit: number;
  readonly #handshakeTimeoutMs: number;
  readonly #heartbeatIntervalMs: number;
  readonly #queueStatusTimeoutMs: number;
  readonly #ackTimeoutMs: number;
  readonly #queueRetryMs: number;
  readonly #maxQueueFullRetries: number;

  #state: 'new' | 'handshaking' | 'ready' | 'closed' = 'new';
  #nonce = 0;
  #framesSeen = 0;
  #settleStart: ((result: StartResult) => void) | undefined;
  #handshakeTimer: unknown;
  #heartbeatTimer: unknown;
  #heartbeatNonce = 0;

  // What the handshake collects.
  #myNodeNum: number | undefined;
  #own: MeshNode | undefined;
  #firmwareVersion: string | undefined;
  #hardware: string | undefined;
  #region = 'UNSET';
  #modemPreset = 'LONG_FAST';
  readonly #channelRoles = new Map<number, number>();
  readonly #channelNames = new Map<number, string>();
  readonly #channelEncryption = new Map<number, DeviceChannel['encryption']>();
  #loraConfig: LoraConfigMessage | undefined;
  readonly #otherChannelTraffic = new Map<number, { nodeIds: Set<string>; lastAt: number }>();
  readonly #moduleConfigs = new Map<string, unknown>();
  readonly #nodes = new Map<number, MeshNode>();

  // Sending.
  readonly #waiting: Outgoing[] = [];
  readonly #inFlight = new Map<number, Outgoing>();
  /** Free slots in the device's TX queue as it last said; one probe at a time until it speaks. */
  #deviceFree = 1;
  #probeTimer: unknown;

  constructor(options: SessionOptions) {
    super();
    const hopLimit = options.hopLimit ?? DEFAULT_HOP_LIMIT;
    if (!Number.isInteger(hopLimit) || hopLimit < 0 || hopLimit > MAX_HOP_LIMIT) throw new RangeError(`hop limit must be 0..${MAX_HOP_LIMIT}`);
    const channelIndex = options.channelIndex ?? 0;
    if (!Number.isInteger(channelIndex) || channelIndex < 0 || channelIndex > 7) throw new RangeError('channel index must be 0..7');
    this.#transport = options.transport;
    this.#clock = options.clock;
    this.#nextId = options.nextId;
    this.#channelIndex = channelIndex;
    this.#hopLimit = hopLimit;
    this.#handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    this.#heartbeatIntervalMs = options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS[options.transport.kind];
    this.#queueStatusTimeoutMs = options.queueStatusTimeoutMs ?? 10_000;
    this.#ackTimeoutMs = options.ackTimeoutMs ?? 180_000;
    this.#queueRetryMs = options.queueRetryMs ?? 2_000;
    this.#maxQueueFullRetries = options.maxQueueFullRetries ?? 60;
  }

  get state(): 'new' | 'handshaking' | 'ready' | 'closed' {
    return this.#state;
  }

  get device(): DeviceInfo | undefined {
    return this.#state === 'ready' ? this.#deviceInfo() : undefined;
  }

  /** Other nodes the device knows (not itself). */
  nodes(): MeshNode[] {
    return [...this.#nodes.values()];
  }

  /** The channels enabled on the device, by index. */
  channels(): DeviceChannel[] {
    return [...this.#channelRoles]
      .filter(([, role]) => role === Channel.Channel_Role.PRIMARY || role === Channel.Channel_Role.SECONDARY)
      .sort(([a], [b]) => a - b)
      .map(([index, role]) => ({
        index,
        role: role === Channel.Channel_Role.PRIMARY ? 'PRIMARY' : 'SECONDARY',
        name: this.#channelNames.get(index) ?? '',
        encryption: this.#channelEncryption.get(index) ?? 'none',
      }));
  }

  /** Module configs from the handshake, by name (`mqtt`, `serial`, ...), as decoded messages. */
  moduleConfig(name: string): unknown {
    return this.#moduleConfigs.get(name);
  }

  /**
   * Runs the handshake. Resolves once: ready at `config_complete_id == nonce`, or failed with
   * `not_meshtastic`, `timeout`, `firmware_too_old` or the transport's error (the session is then
   * closed). A missing region or channel does not fail it: the operator still sees the device,
   * its nodes and log, and sends are refused with that reason until the device is fixed.
   */
  start(): Promise<StartResult> {
    if (this.#state !== 'new') throw new Error('a session starts once');
    this.#state = 'handshaking';
    const result = new Promise<StartResult>((resolve) => {
      this.#settleStart = resolve;
    });
    this.#transport.attach({
      fromRadio: (bytes) => this.#onFromRadio(bytes),
      log: (line) => this.#onLogText(line),
      closed: (error) => this.#shutDown(error),
    });
    if (this.#state !== 'handshaking') return result; // the transport was already closed
    this.#nonce = this.#nextId();
    this.#handshakeTimer = this.#clock.setTimeout(() => this.#handshakeTimedOut(), this.#handshakeTimeoutMs);
    this.#transport.send(encodeToRadio({ case: 'wantConfigId', value: this.#nonce }));
    return result;
  }

  /** Sends on PRIVATE_APP on our channel unless the request says otherwise. Always resolves; never rejects. */
  send(request: SendRequest, hooks: SendHooks = {}): Promise<SendResult> {
    const refused = this.#refusal(request);
    if (refused) return Promise.resolve({ ok: false, error: refused, accepted: false });
    return this.#queue(request, hooks);
  }

  /**
   * Sets the device owner's long and short names (what every node's list shows). Resolves once the
   * device answered; the names change here at once, as in the stock apps (the device announces them).
   */
  async setOwner(longName: string, shortName: string): Promise<SendResult> {
    const problem = ownerProblem(longName, shortName);
    if (problem) return { ok: false, error: problem, accepted: false };
    const result = await this.#admin(setOwnerMessage(longName, shortName));
    if (result.ok && this.#own) {
      this.#own.longName = longName.trim();
      this.#own.shortName = shortName.trim();
      this.#deviceChanged();
    }
    return result;
  }

  /**
   * Sets the LoRa region (the legal band). Firmware 2.6 restarts 7 s after a change (this session
   * then closes with `device_restarted` and the link reconnects); 2.7 applies it live.
   */
  async setRegion(region: string): Promise<SendResult> {
    const code = regionCodeOf(region);
    if (code === undefined) return { ok: false, error: new RadioError('rejected', `"${region}" is not a Meshtastic region.`, { fix: 'Choose one from the list.' }), accepted: false };
    const result = await this.#admin(setRegionMessage(this.#loraConfig, code));
    if (result.ok) {
      this.#region = region;
      if (this.#loraConfig) this.#loraConfig = { ...this.#loraConfig, region: code, txEnabled: true };
      this.#deviceChanged();
    }
    return result;
  }

  /** An AdminMessage to the device itself: allowed with no region set (it never goes on air). */
  #admin(payload: Uint8Array): Promise<SendResult> {
    if (this.#state !== 'ready' || this.#myNodeNum === undefined) return Promise.resolve({ ok: false, error: new RadioError('closed', 'The radio is not connected yet.'), accepted: false });
    return this.#queue({ to: this.#myNodeNum, payload, portnum: ADMIN_APP_PORT, channel: 0, wantAck: false, wantResponse: true, hopLimit: 0 }, {});
  }

  #queue(request: SendRequest, hooks: SendHooks): Promise<SendResult> {
    return new Promise((resolve) => {
      this.#waiting.push({
        request: {
          to: request.to >>> 0,
          payload: request.payload,
          wantAck: request.wantAck ?? true,
          hopLimit: request.hopLimit ?? this.#hopLimit,
          priority: request.priority ?? 0,
          portnum: request.portnum ?? PRIVATE_APP_PORT,
          channel: request.channel ?? this.#channelIndex,
          wantResponse: request.wantResponse ?? false,
        },
        hooks,
        resolve,
        phase: 'waiting',
        packetId: 0,
        timer: undefined,
        queueFullRetries: 0,
      });
      this.#pump();
    });
  }

  /** Says goodbye to the device and closes the transport; pending sends fail with `error` or `closed`. */
  close(error?: RadioError): void {
    if (this.#state === 'closed') return;
    if (!error) this.#transport.send(encodeToRadio({ case: 'disconnect', value: true }));
    this.#transport.close(error);
    this.#shutDown(error); // whether or not the transport reports its close at once
  }

  #refusal(request: SendRequest): RadioError | undefined {
    if (request.payload.length > MAX_PAYLOAD_BYTES) return radioErrors.payloadTooLarge(request.payload.length);
    const hopLimit = request.hopLimit ?? this.#hopLimit;
    if (!Number.isInteger(hopLimit) || hopLimit < 0 || hopLimit > MAX_HOP_LIMIT) {
      return new RadioError('rejected', `Hop limit ${hopLimit} is outside 0..${MAX_HOP_LIMIT}.`);
    }
    if (this.#state === 'closed') return radioErrors.closed();
    if (this.#state !== 'ready') return new RadioError('closed', 'The radio is not connected yet.');
    const blocked = this.#sendBlockedBy();
    if (blocked || request.channel === undefined) return blocked;
    return this.channels().some((channel) => channel.index === request.channel) ? undefined : radioErrors.channelMissing(request.channel);
  }

  // ---- receiving ----

  #onFromRadio(bytes: Uint8Array): void {
    if (this.#state === 'closed') return;
    let variant: Variant;
    try {
      variant = decode<{ payloadVariant: Variant }>(Mesh.FromRadioSchema, bytes).payloadVariant;
    } catch {
      this.#log('warn', `Ignored an unreadable message from the radio (${bytes.length} bytes).`, 'radio');
      return;
    }
    this.#framesSeen += 1;
    const value = variant.value;
    switch (variant.case) {
      case 'myInfo':
        this.#myNodeNum = (value as { myNodeNum: number }).myNodeNum >>> 0;
        return;
      case 'nodeInfo':
        this.#onNodeInfo(value as NodeInfoView);
        return;
      case 'metadata': {
        const metadata = value as { firmwareVersion: string; hwModel: number };
        this.#firmwareVersion = metadata.firmwareVersion;
        if (metadata.hwModel) this.#hardware = enumName(Mesh.HardwareModel, metadata.hwModel);
        this.#deviceChanged();
        return;
      }
      case 'channel': {
        const channel = value as { index: number; role: number; settings?: { name: string; psk: Uint8Array } };
        this.#channelRoles.set(channel.index, channel.role);
        this.#channelNames.set(channel.index, channel.settings?.name ?? '');
        this.#channelEncryption.set(channel.index, channelEncryption(channel.settings?.psk ?? new Uint8Array()));
        this.#deviceChanged();
        return;
      }
      case 'config':
        this.#onConfig((value as { payloadVariant: Variant }).payloadVariant);
        return;
      case 'moduleConfig': {
        const config = (value as { payloadVariant: Variant }).payloadVariant;
        if (config.case) this.#moduleConfigs.set(config.case, config.value);
        return;
      }
      case 'configCompleteId':
        if (value === this.#nonce) this.#handshakeComplete();
        return;
      case 'packet':
        this.#onPacket(value as MeshPacketView);
        return;
      case 'queueStatus':
        this.#onQueueStatus(value as QueueStatusView);
        return;
      case 'logRecord': {
        const record = value as { message: string; level: number };
        this.#log(record.level >= 40 ? 'error' : record.level >= 30 ? 'warn' : record.level >= 20 || record.level === 0 ? 'info' : 'debug', record.message);
        return;
      }
      case 'clientNotification':
        this.#log('warn', (value as { message: string }).message);
        return;
      case 'rebooted':
        // Config changes reboot the device; what we collected is stale, so start over.
        this.#fail(radioErrors.deviceRestarted(this.#transport.label));
        return;
      default:
        return; // deviceuiConfig, fileInfo, xmodem, mqtt proxy: not ours
    }
  }

  #onConfig(config: Variant): void {
    if (config.case !== 'lora') return;
    const lora = config.value as LoraConfigMessage;
    this.#loraConfig = lora;
    this.#region = enumName(Config.Config_LoRaConfig_RegionCode, lora.region);
    this.#modemPreset = enumName(Config.Config_LoRaConfig_ModemPreset, lora.modemPreset);
    this.#deviceChanged();
  }

  #onNodeInfo(info: NodeInfoView): void {
    const num = info.num >>> 0;
    const node = this.#node(num);
    if (info.user) this.#applyUser(node, info.user);
    if (info.snr) node.snr = info.snr;
    if (info.lastHeard) node.lastHeard = info.lastHeard * 1000;
    if (info.hopsAway !== undefined) node.hopsAway = info.hopsAway;
    node.isFavorite = info.isFavorite;
    if (info.deviceMetrics) applyMetrics(node, info.deviceMetrics);
    const position = info.position && positionOf(info.position);
    if (position) node.position = position;
    this.#nodeChanged(node);
  }

  #onPacket(packet: MeshPacketView): void {
    const from = packet.from >>> 0;
    if (packet.payloadVariant.case !== 'decoded') return; // not for a channel we have the key of
    const data = packet.payloadVariant.value as DataView;
    if (data.portnum === PORT.routing) {
      this.#onRouting(from, data);
      return;
    }
    const reception: Reception = {
      id: packet.id >>> 0,
      from,
      to: packet.to >>> 0,
      channel: packet.channel,
      rxSnr: packet.rxSnr,
      rxRssi: packet.rxRssi,
      hopStart: packet.hopStart,
      hopLimit: packet.hopLimit,
      hops: packet.hopStart > 0 ? packet.hopStart - packet.hopLimit : undefined,
      receivedAt: this.#clock.now(),
    };
    this.#heard(from, reception, data);
    if (data.portnum === PRIVATE_APP_PORT && packet.channel === this.#channelIndex) {
      this.emit('packet', { ...reception, payload: data.payload });
    } else if (data.portnum === PRIVATE_APP_PORT) {
      this.#noteOtherChannel(packet.channel, from, reception.receivedAt);
    } else if (data.portnum === PORT.text) {
      this.emit('text', { ...reception, text: new TextDecoder().decode(data.payload) });
    } else if (data.portnum === PORT.alert) {
      this.emit('alert', { ...reception, text: new TextDecoder().decode(data.payload) });
    }
  }

  /** Pakit traffic on a channel we do not use: shown to the operator (a mismatch to fix), never dropped silently. */
  #noteOtherChannel(channel: number, from: number, at: number): void {
    let traffic = this.#otherChannelTraffic.get(channel);
    if (!traffic) this.#otherChannelTraffic.set(channel, (traffic = { nodeIds: new Set(), lastAt: at }));
    traffic.lastAt = at;
    const nodeId = nodeIdOf(from);
    if (traffic.nodeIds.has(nodeId)) return;
    traffic.nodeIds.add(nodeId);
    this.#log('warn', `Pakit traffic from ${nodeId} arrived on channel ${channel}, but Pakit uses channel ${this.#channelIndex}.`, 'radio');
    this.#deviceChanged();
  }

  /** What a packet tells about its sender: heard now, at this SNR and RSSI, so many hops away, maybe names, metrics, position. */
  #heard(from: number, reception: Reception, data: DataView): void {
    const node = this.#node(from);
    if (node !== this.#own) {
      // The device's own packets (its local telemetry, its position copy) were not heard over the air.
      node.lastHeard = reception.receivedAt;
      if (reception.rxSnr) node.snr = reception.rxSnr;
      if (reception.rxRssi) node.rssi = reception.rxRssi;
      if (reception.hops !== undefined) node.hopsAway = reception.hops;
    }
    try {
      if (data.portnum === PORT.nodeInfo) this.#applyUser(node, decode<UserView>(Mesh.UserSchema, data.payload));
      if (data.portnum === PORT.telemetry) {
        const telemetry = decode<{ variant: Variant }>(Telemetry.TelemetrySchema, data.payload);
        if (telemetry.variant.case === 'deviceMetrics') applyMetrics(node, telemetry.variant.value as DeviceMetricsView);
      }
      if (data.portnum === PORT.position) {
        const position = positionOf(decode<PositionView>(Mesh.PositionSchema, data.payload));
        if (position) node.position = position;
      }
    } catch {
      // a malformed NodeInfo, telemetry or position payload leaves the node as it was
    }
    this.#nodeChanged(node);
  }

  #node(num: number): MeshNode {
    if (num === this.#myNodeNum) {
      this.#own ??= emptyNode(num);
      return this.#own;
    }
    let node = this.#nodes.get(num);
    if (!node) {
      node = emptyNode(num);
      this.#nodes.set(num, node);
    }
    return node;
  }

  #applyUser(node: MeshNode, user: UserView): void {
    node.longName = user.longName || node.longName;
    node.shortName = user.shortName || node.shortName;
    if (user.hwModel) node.hardware = enumName(Mesh.HardwareModel, user.hwModel);
    node.role = enumName(Config.Config_DeviceConfig_Role, user.role ?? 0);
  }

  #nodeChanged(node: MeshNode): void {
    if (this.#state !== 'ready') return; // the handshake's nodes arrive with the ready device
    if (node === this.#own) this.#deviceChanged();
    else this.emit('node', { ...node });
  }

  #deviceChanged(): void {
    if (this.#state === 'ready') this.emit('device', this.#deviceInfo());
  }

  #onLogText(line: string): void {
    if (line.trim() === '') return;
    const level = LOG_LINE_LEVEL.exec(line)?.[1];
    this.#log(level === 'ERROR' || level === 'CRIT' ? 'error' : level === 'WARN' ? 'warn' : level === 'DEBUG' || level === 'TRACE' ? 'debug' : 'info', line);
  }

  #log(level: DeviceLogLine['level'], message: string, source: DeviceLogLine['source'] = 'device'): void {
    this.emit('log', { at: this.#clock.now(), level, source, message });
  }

  // ---- handshake ----

  #handshakeComplete(): void {
    if (this.#state !== 'handshaking') return;
    const version = this.#firmwareVersion;
    if (version === undefined || !isFirmwareSupported(version)) {
      this.#fail(radioErrors.firmwareTooOld(version ?? 'older than 2.0'));
      return;
    }
    if (this.#myNodeNum === undefined) {
      this.#fail(radioErrors.notMeshtastic(this.#transport.label, this.#handshakeTimeoutMs));
      return;
    }
    this.#clock.clearTimeout(this.#handshakeTimer);
    this.#state = 'ready';
    this.#scheduleHeartbeat();
    const device = this.#deviceInfo();
    if (device.sendBlockedBy) this.#log('warn', `${device.sendBlockedBy.message} ${device.sendBlockedBy.fix ?? ''}`.trim(), 'radio');
    this.#settleStart?.({ ok: true, device });
    this.#settleStart = undefined;
  }

  #handshakeTimedOut(): void {
    if (this.#state !== 'handshaking') return;
    const error =
      this.#framesSeen === 0
        ? radioErrors.notMeshtastic(this.#transport.label, this.#handshakeTimeoutMs)
        : radioErrors.timeout('complete configuration', this.#handshakeTimeoutMs);
    this.#fail(error);
  }

  #scheduleHeartbeat(): void {
    this.#heartbeatTimer = this.#clock.setTimeout(() => {
      if (this.#state !== 'ready') return;
      this.#heartbeatNonce += 1;
      this.#transport.send(encodeToRadio({ case: 'heartbeat', value: message(Mesh.HeartbeatSchema, { nonce: this.#heartbeatNonce }) }));
      this.#scheduleHeartbeat();
    }, this.#heartbeatIntervalMs);
  }

  #sendBlockedBy(): RadioError | undefined {
    if (this.#region === 'UNSET') return radioErrors.regionUnset();
    const role = this.#channelRoles.get(this.#channelIndex);
    if (role === undefined || role === Channel.Channel_Role.DISABLED) return radioErrors.channelMissing(this.#channelIndex);
    return undefined;
  }

  #deviceInfo(): DeviceInfo {
    const nodeNum = this.#myNodeNum ?? 0;
    const own = this.#own;
    const blocked = this.#sendBlockedBy();
    return {
      nodeNum,
      nodeId: nodeIdOf(nodeNum),
      longName: own?.longName ?? nodeIdOf(nodeNum),
      shortName: own?.shortName ?? nodeIdOf(nodeNum).slice(-4),
      hardware: own?.hardware ?? this.#hardware,
      firmware: this.#firmwareVersion ?? '',
      region: this.#region,
      preset: this.#modemPreset,
      hopLimit: typeof this.#loraConfig?.hopLimit === 'number' && this.#loraConfig.hopLimit > 0 ? this.#loraConfig.hopLimit : undefined,
      channelIndex: this.#channelIndex,
      channelUtilization: own?.channelUtilization,
      airUtilTx: own?.airUtilTx,
      batteryLevel: own?.batteryLevel,
      voltage: own?.voltage,
      position: own?.position,
      sendBlockedBy: blocked && (blocked.fix === undefined ? { code: blocked.code, message: blocked.message } : { code: blocked.code, message: blocked.message, fix: blocked.fix }),
      channels: this.channels(),
      otherChannelTraffic: [...this.#otherChannelTraffic].map(([channel, traffic]) => ({ channel, nodeIds: [...traffic.nodeIds], lastAt: traffic.lastAt })),
      transport: this.#transport.kind,
      address: this.#transport.label,
    };
  }

  // ---- sending ----

  /** Hands waiting packets to the device while it has room; never more than it said is free. */
  #pump(): void {
    if (this.#state !== 'ready') return;
    while (this.#waiting.length > 0 && this.#awaitingStatus() < this.#deviceFree) {
      this.#transmit(this.#waiting.shift()!);
    }
    if (this.#waiting.length > 0 && this.#deviceFree === 0 && this.#awaitingStatus() === 0 && this.#probeTimer === undefined) {
      // The device reports free slots only when it answers a packet: after the wait, try one.
      this.#probeTimer = this.#clock.setTimeout(() => {
        this.#probeTimer = undefined;
        this.#deviceFree = Math.max(this.#deviceFree, 1);
        this.#pump();
      }, this.#queueRetryMs);
    }
  }

  #awaitingStatus(): number {
    let count = 0;
    for (const outgoing of this.#inFlight.values()) if (outgoing.phase === 'awaiting_status') count += 1;
    return count;
  }

  #transmit(outgoing: Outgoing): void {
    // A fresh id every attempt: the device silently drops an id among the last 20 it took.
    const id = this.#freshId();
    outgoing.packetId = id;
    outgoing.phase = 'awaiting_status';
    this.#inFlight.set(id, outgoing);
    outgoing.timer = this.#clock.setTimeout(
      () => this.#settle(outgoing, { ok: false, error: radioErrors.timeout('answer to a packet', this.#queueStatusTimeoutMs), accepted: false }),
      this.#queueStatusTimeoutMs,
    );
    const { to, payload, wantAck, hopLimit, priority, portnum, channel, wantResponse } = outgoing.request;
    const packet = message(Mesh.MeshPacketSchema, {
      to,
      channel,
      id,
      wantAck,
      hopLimit, // always explicit: 0 would mean "never relayed" when want_ack is off
      priority,
      payloadVariant: { case: 'decoded', value: message(Mesh.DataSchema, { portnum, payload, wantResponse }) },
    });
    this.#transport.send(encodeToRadio({ case: 'packet', value: packet }));
  }

  #freshId(): number {
    for (;;) {
      const id = this.#nextId() >>> 0;
      if (id !== 0 && !this.#inFlight.has(id)) return id;
    }
  }

  #onQueueStatus(status: QueueStatusView): void {
    this.#deviceFree = status.free;
    const outgoing = status.meshPacketId === 0 ? undefined : this.#inFlight.get(status.meshPacketId >>> 0);
    if (outgoing?.phase === 'awaiting_status') {
      if (status.res === QUEUE_OK) this.#accepted(outgoing);
      else if (status.res === QUEUE_FULL) this.#retryWhenRoom(outgoing);
      else {
        const error = status.res === QUEUE_DISABLED ? radioErrors.transmitDisabled() : radioErrors.rejected(status.res);
        this.#settle(outgoing, { ok: false, error, accepted: false });
      }
    }
    this.#pump();
  }

  #accepted(outgoing: Outgoing): void {
    this.#clock.clearTimeout(outgoing.timer);
    outgoing.hooks.onAccepted?.(outgoing.packetId);
    if (!outgoing.request.wantAck && !outgoing.request.wantResponse) {
      this.#settle(outgoing, { ok: true, delivery: 'sent', packetId: outgoing.packetId });
      return;
    }
    outgoing.phase = 'awaiting_ack';
    outgoing.timer = this.#clock.setTimeout(
      () => this.#settle(outgoing, { ok: false, error: radioErrors.timeout('acknowledgement', this.#ackTimeoutMs), accepted: true }),
      this.#ackTimeoutMs,
    );
  }

  #retryWhenRoom(outgoing: Outgoing): void {
    this.#clock.clearTimeout(outgoing.timer);
    this.#inFlight.delete(outgoing.packetId);
    outgoing.queueFullRetries += 1;
    if (outgoing.queueFullRetries > this.#maxQueueFullRetries) {
      outgoing.resolve({ ok: false, error: radioErrors.queueFull(), accepted: false });
      return;
    }
    outgoing.phase = 'waiting';
    this.#waiting.unshift(outgoing);
    this.#deviceFree = 0;
  }

  #onRouting(from: number, data: DataView): void {
    let errorReason: number;
    try {
      const routing = decode<{ variant: Variant }>(Mesh.RoutingSchema, data.payload);
      errorReason = routing.variant.case === 'errorReason' ? (routing.variant.value as number) : 0;
    } catch {
      return;
    }
    this.emit('routing', { requestId: data.requestId >>> 0, from, error: errorReason === 0 ? undefined : radioErrors.routing(errorReason) });
    const outgoing = this.#inFlight.get(data.requestId >>> 0);
    if (!outgoing) return;
    const accepted = outgoing.phase === 'awaiting_ack';
    if (errorReason !== 0) {
      this.#settle(outgoing, { ok: false, error: radioErrors.routing(errorReason), accepted });
      return;
    }
    if (!accepted) outgoing.hooks.onAccepted?.(outgoing.packetId);
    // `from == destination`: delivered end to end; `from == own node`: a neighbour was heard relaying.
    const delivery = from === outgoing.request.to ? 'delivered' : 'relayed';
    this.#settle(outgoing, { ok: true, delivery, packetId: outgoing.packetId });
  }

  #settle(outgoing: Outgoing, result: SendResult): void {
    this.#clock.clearTimeout(outgoing.timer);
    this.#inFlight.delete(outgoing.packetId);
    const waitingAt = this.#waiting.indexOf(outgoing);
    if (waitingAt !== -1) this.#waiting.splice(waitingAt, 1);
    outgoing.resolve(result);
    this.#pump();
  }

  // ---- the end ----

  #fail(error: RadioError): void {
    this.#transport.close(error);
    this.#shutDown(error);
  }

  #shutDown(error: RadioError | undefined): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    for (const timer of [this.#handshakeTimer, this.#heartbeatTimer, this.#probeTimer]) if (timer !== undefined) this.#clock.clearTimeout(timer);
    const reason = error ?? radioErrors.closed();
    for (const outgoing of [...this.#inFlight.values(), ...this.#waiting.splice(0)]) {
      this.#clock.clearTimeout(outgoing.timer);
      outgoing.resolve({ ok: false, error: reason, accepted: outgoing.phase === 'awaiting_ack' });
    }
    this.#inFlight.clear();
    this.#settleStart?.({ ok: false, error: reason });
    this.#settleStart = undefined;
    this.emit('closed', error);
  }
}

/** A node known by its number only, before any NodeInfo or telemetry. */
export function emptyNode(nodeNum: number): MeshNode {
  return {
    nodeNum,
    nodeId: nodeIdOf(nodeNum),
    longName: undefined,
    shortName: undefined,
    hardware: undefined,
    role: undefined,
    snr: undefined,
    rssi: undefined,
    lastHeard: undefined,
    hopsAway: undefined,
    batteryLevel: undefined,
    voltage: undefined,
    channelUtilization: undefined,
    airUtilTx: undefined,
    uptimeSeconds: undefined,
    isFavorite: undefined,
    position: undefined,
  };
}

/** Copies the metrics the report carries; a field it leaves out keeps its last value. */
function applyMetrics(node: MeshNode, metrics: DeviceMetricsView): void {
  if (metrics.batteryLevel !== undefined) node.batteryLevel = metrics.batteryLevel;
  if (metrics.voltage !== undefined) node.voltage = metrics.voltage;
  if (metrics.channelUtilization !== undefined) node.channelUtilization = metrics.channelUtilization;
  if (metrics.airUtilTx !== undefined) node.airUtilTx = metrics.airUtilTx;
  if (metrics.uptimeSeconds !== undefined) node.uptimeSeconds = metrics.uptimeSeconds;
}

const DEGREES_PER_UNIT = 1e-7;

/**
 * A Position message in degrees, or undefined when it holds no usable fix: the firmware sends
 * 0/0 for "no position", and a value outside the globe is corrupt.
 */
function positionOf(view: PositionView): NodePosition | undefined {
  if (view.latitudeI === undefined || view.longitudeI === undefined) return undefined;
  if (view.latitudeI === 0 && view.longitudeI === 0) return undefined;
  const latitude = view.latitudeI * DEGREES_PER_UNIT;
  const longitude = view.longitudeI * DEGREES_PER_UNIT;
  if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return undefined;
  return {
    latitude,
    longitude,
    ...(view.altitude === undefined ? {} : { altitude: view.altitude }),
    ...(view.time ? { time: view.time * 1000 } : {}),
    ...(view.precisionBits > 0 && view.precisionBits <= 32 ? { precisionBits: view.precisionBits } : {}),
  };
}
