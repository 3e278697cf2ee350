// The node's one radio: owns a DeviceSession at a time, reconnects to the same device after an
// unplug, and keeps an outbox on disk so nothing queued for the radio is lost to an unplug or an
// app restart. Time comes from the injected Clock; transports from an injectable opener.
import { EventEmitter } from 'node:events';
import { randomInt } from 'node:crypto';
import { readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import { writeFileAtomicSync } from '../fs/durable.ts';
import { MAX_PAYLOAD_BYTES, RadioError, radioErrors } from './errors.ts';
import {
  DeviceSession,
  type DeviceInfo,
  type DeviceLogLine,
  type DeviceProblem,
  type MeshNode,
  type DeviceChannel,
  type ReceivedPacket,
  type RoutingReport,
  type SendResult,
  type SessionOptions,
  type StartResult,
  type TextMessage,
} from './session.ts';
import { openBleTransport, type GattAdapter } from './transports/ble.ts';
import { openSerialTransport } from './transports/serial.ts';
import { DEFAULT_TCP_PORT, openTcpTransport } from './transports/tcp.ts';
import type { RadioTransport } from './transports/transport.ts';

export const PortDescriptor = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('serial'), path: z.string().min(1) }),
  z.object({ kind: z.literal('tcp'), host: z.string().min(1), port: z.number().int().min(1).max(65535).optional() }),
  z.object({ kind: z.literal('ble'), id: z.string().min(1) }),
]);
export type PortDescriptor = z.infer<typeof PortDescriptor>;

export type LinkState =
  | { status: 'idle' }
  | { status: 'connecting'; port: PortDescriptor; attempt: number }
  | { status: 'ready'; port: PortDescriptor }
  | { status: 'reconnecting'; port: PortDescriptor; attempt: number; retryInMs: number; error: DeviceProblem }
  | { status: 'failed'; port: PortDescriptor; error: DeviceProblem };

/** A packet for the radio. `messageId` is the caller's: the same id is sent once, however often queued. */
export type OutboxPacket = {
  messageId: string;
  to: number;
  payload: Uint8Array;
  wantAck?: boolean;
  hopLimit?: number;
  priority?: number;
  /** PRIVATE_APP unless given (TEXT_MESSAGE_APP for chat). */
  portnum?: number;
  /** The session's channel unless given. */
  channel?: number;
};

export type DeliveryReport =
  | { messageId: string; ok: true; delivery: 'delivered' | 'relayed' | 'sent'; packetId: number }
  | { messageId: string; ok: false; error: DeviceProblem };

export type EnqueueResult = { ok: true; duplicate: boolean } | { ok: false; error: RadioError };

export type LinkEvents = {
  state: [LinkState];
  device: [DeviceInfo];
  /** The whole node list, after the handshake and after every change. */
  nodes: [MeshNode[]];
  log: [DeviceLogLine];
  packet: [ReceivedPacket];
  text: [TextMessage];
  alert: [TextMessage];
  /** The final word on one outbox packet (the device's ACK/NAK, or why it was given up). */
  delivery: [DeliveryReport];
  /** The device took an outbox packet into its transmit queue (for want_ack packets: "sent", ack pending). */
  accepted: [{ messageId: string; packetId: number }];
  /** Every ACK/NAK the device reports (a destination's ack can follow the relay's implicit one). */
  routing: [RoutingReport];
  /** The number of packets waiting in the outbox changed. */
  outbox: [{ queued: number }];
};

export type RadioLinkOptions = {
  /** Where the outbox and the last used device are kept. */
  dataDir: string;
  clock: Clock;
  /** How a port becomes a transport; serial, TCP and BLE (through `bluetooth`) by default. */
  openTransport?: (port: PortDescriptor) => Promise<RadioTransport>;
  /** A GATT stack for BLE ports; without one they fail with `bluetooth_unavailable`. */
  bluetooth?: GattAdapter;
  nextId?: () => number;
  session?: Omit<SessionOptions, 'transport' | 'clock' | 'nextId'>;
  reconnectInitialDelayMs?: number;
  reconnectMaxDelayMs?: number;
  /** Wait before retrying packets the radio turned away for now (duty cycle, full queue). */
  retryDelayMs?: number;
};

const OUTBOX_FILE = 'radio-outbox.json';
const DEVICE_FILE = 'radio-device.json';
/** The channel index Pakit's own traffic uses on the radio (the seed's `lora_channel`), chosen by the operator. */
const CHANNEL_FILE = 'radio-channel.json';
const StoredChannel = z.object({ channelIndex: z.number().int().min(0).max(7) });
/** Message ids already handed to the radio, remembered so a re-queued one is not sent again. */
const HANDED_OVER_LIMIT = 2_000;

const StoredOutbox = z.object({
  version: z.literal(1),
  entries: z.array(
    z.object({
      messageId: z.string(),
      to: z.number().int(),
      payload: z.string(), // base64
      wantAck: z.boolean().optional(),
      hopLimit: z.number().int().optional(),
      priority: z.number().int().optional(),
      portnum: z.number().int().optional(),
      channel: z.number().int().optional(),
    }),
  ),
  handedOver: z.array(z.string()),
});
type StoredEntry = z.infer<typeof StoredOutbox>['entries'][number];

/** Failures after which the same packet may well go through later, so it stays queued. */
function isWorthRetrying(error: RadioError): boolean {
  if (error.code === 'routing_error') return error.routingError === 'DUTY_CYCLE_LIMIT' || error.routingError === 'RATE_LIMIT_EXCEEDED';
  return ['unplugged', 'device_restarted', 'closed', 'timeout', 'queue_full', 'region_unset', 'channel_missing'].includes(error.code);
}

const notConnected = (): SendResult => ({ ok: false, error: new RadioError('closed', 'No radio is connected.', { fix: 'Connect the radio first (Radio view).' }), accepted: false });

const problemOf = (error: RadioError): DeviceProblem =>
  error.fix === undefined ? { code: error.code, message: error.message } : { code: error.code, message: error.message, fix: error.fix };

export class RadioLink extends EventEmitter<LinkEvents> {
  readonly #clock: Clock;
  readonly #openTransport: (port: PortDescriptor) => Promise<RadioTransport>;
  readonly #nextId: () => number;
  #sessionOptions: Omit<SessionOptions, 'transport' | 'clock' | 'nextId'>;
  readonly #outboxPath: string;
  readonly #devicePath: string;
  readonly #channelPath: string;
  readonly #reconnectInitialDelayMs: number;
  readonly #reconnectMaxDelayMs: number;
  readonly #retryDelayMs: number;

  #state: LinkState = { status: 'idle' };
  #session: DeviceSession | undefined;
  /** Bumped by every connect/disconnect, so a slow attempt that lost the race does nothing. */
  #generation = 0;
  #reconnectTimer: unknown;
  #retryTimer: unknown;
  /** The node number of the radio last connected, to notice another radio on the same port. */
  #lastNodeNum: number | undefined;

  readonly #entries: StoredEntry[] = [];
  readonly #handedOver: string[] = [];
  /** Message ids currently inside the session (handed over or waiting for room). */
  readonly #submitted = new Set<string>();

  constructor(options: RadioLinkOptions) {
    super();
    this.#clock = options.clock;
    this.#openTransport = options.openTransport ?? ((port) => openPort(port, options.bluetooth));
    this.#nextId = options.nextId ?? (() => randomInt(1, 0xffff_ffff));
    this.#sessionOptions = options.session ?? {};
    this.#outboxPath = join(options.dataDir, OUTBOX_FILE);
    this.#devicePath = join(options.dataDir, DEVICE_FILE);
    this.#channelPath = join(options.dataDir, CHANNEL_FILE);
    const chosenChannel = this.chosenChannel();
    if (chosenChannel !== undefined) this.#sessionOptions = { ...this.#sessionOptions, channelIndex: chosenChannel };
    this.#reconnectInitialDelayMs = options.reconnectInitialDelayMs ?? 1_000;
    this.#reconnectMaxDelayMs = options.reconnectMaxDelayMs ?? 30_000;
    this.#retryDelayMs = options.retryDelayMs ?? 30_000;
    this.#loadOutbox();
  }

  get state(): LinkState {
    return this.#state;
  }

  get device(): DeviceInfo | undefined {
    return this.#session?.device;
  }

  nodes(): MeshNode[] {
    return this.#session?.nodes() ?? [];
  }

  /** The channels the connected device has enabled; empty while none is connected. */
  channels(): DeviceChannel[] {
    return this.#session?.state === 'ready' ? this.#session.channels() : [];
  }

  /** The channel index the operator chose for Pakit's traffic; undefined: the primary (0). */
  chosenChannel(): number | undefined {
    try {
      return StoredChannel.parse(JSON.parse(readFileSync(this.#channelPath, 'utf8'))).channelIndex;
    } catch {
      return undefined;
    }
  }

  /**
   * Makes `index` the channel Pakit sends and listens on, kept for next time. With a radio
   * connected the channel must be enabled on it, and the session restarts on the new channel.
   */
  async setChannel(index: number): Promise<{ ok: true } | { ok: false; error: RadioError }> {
    const session = this.#session;
    if (session?.state === 'ready' && !session.channels().some((channel) => channel.index === index)) {
      return { ok: false, error: radioErrors.channelMissing(index) };
    }
    writeFileAtomicSync(this.#channelPath, JSON.stringify({ channelIndex: index }));
    this.#sessionOptions = { ...this.#sessionOptions, channelIndex: index };
    const port = this.#state.status === 'idle' ? undefined : this.#state.port;
    if (!port) return { ok: true };
    const started = await this.#begin(port, true);
    return started.ok ? { ok: true } : { ok: false, error: started.error };
  }

  /** Sets the connected radio's owner names (see DeviceSession.setOwner). */
  setOwner(longName: string, shortName: string): Promise<SendResult> {
    return this.#session?.state === 'ready' ? this.#session.setOwner(longName, shortName) : Promise.resolve(notConnected());
  }

  /** Sets the connected radio's LoRa region (see DeviceSession.setRegion). */
  setRegion(region: string): Promise<SendResult> {
    return this.#session?.state === 'ready' ? this.#session.setRegion(region) : Promise.resolve(notConnected());
  }

  /** The packets waiting for the radio, oldest first. */
  outbox(): OutboxPacket[] {
    return this.#entries.map(toPacket);
  }

  /** The device used last, if any: what `resume()` reconnects to. */
  lastDevice(): PortDescriptor | undefined {
    try {
      return PortDescriptor.parse(JSON.parse(readFileSync(this.#devicePath, 'utf8')));
    } catch {
      return undefined;
    }
  }

  /**
   * Connects to `port` once (an operator's choice): on failure the link stays `failed` with the
   * reason. Once connected it reconnects by itself after an unplug until `disconnect()`.
   */
  connect(port: PortDescriptor): Promise<StartResult> {
    this.#writeDevice(port);
    return this.#begin(port, false);
  }

  /**
   * Connects to `port` and keeps at it until it answers (a relay started before its radio is
   * plugged in, or named in its settings), then reconnects after every unplug like any link.
   */
  keepConnected(port: PortDescriptor): Promise<StartResult> {
    this.#writeDevice(port);
    return this.#begin(port, true);
  }

  /** Reconnects to the last used device at start, trying until it answers; undefined if none. */
  resume(): Promise<StartResult> | undefined {
    const port = this.lastDevice();
    return port && this.#begin(port, true);
  }

  /** Closes the session and stops reconnecting (also at shutdown); the outbox stays for next time. */
  disconnect(): void {
    this.#stop();
    this.#setState({ status: 'idle' });
  }

  /** Queues a packet for the radio; it is persisted before this returns. */
  enqueue(packet: OutboxPacket): EnqueueResult {
    if (packet.payload.length > MAX_PAYLOAD_BYTES) return { ok: false, error: radioErrors.payloadTooLarge(packet.payload.length) };
    if (this.#entries.some((entry) => entry.messageId === packet.messageId) || this.#handedOver.includes(packet.messageId)) {
      return { ok: true, duplicate: true };
    }
    this.#entries.push(toStored(packet));
    this.#saveOutbox();
    this.emit('outbox', { queued: this.#entries.length });
    this.#flush();
    return { ok: true, duplicate: false };
  }

  // ---- connection ----

  #begin(port: PortDescriptor, keepTrying: boolean): Promise<StartResult> {
    this.#stop();
    return this.#attempt(port, 1, keepTrying, ++this.#generation);
  }

  async #attempt(port: PortDescriptor, attempt: number, keepTrying: boolean, generation: number): Promise<StartResult> {
    this.#setState({ status: 'connecting', port, attempt });
    let result: StartResult;
    let session: DeviceSession | undefined;
    try {
      const transport = await this.#openTransport(port);
      if (generation !== this.#generation) {
        transport.close();
        return { ok: false, error: radioErrors.closed() };
      }
      session = new DeviceSession({ ...this.#sessionOptions, transport, clock: this.#clock, nextId: this.#nextId });
      this.#session = session;
      this.#wire(session, port);
      result = await session.start();
    } catch (error) {
      if (!(error instanceof RadioError)) throw error;
      result = { ok: false, error };
    }
    if (generation !== this.#generation) return result;
    if (result.ok) {
      const previous = this.#lastNodeNum;
      if (previous !== undefined && previous !== result.device.nodeNum) {
        const message = `A different radio (${result.device.nodeId}) now answers at ${describePort(port)}; queued packets go out through it.`;
        this.emit('log', { at: this.#clock.now(), level: 'warn', source: 'radio', message });
      }
      this.#lastNodeNum = result.device.nodeNum;
      this.#setState({ status: 'ready', port });
      this.emit('device', result.device);
      this.emit('nodes', this.nodes());
      this.#flush();
    } else {
      if (this.#session === session) this.#session = undefined;
      if (keepTrying) this.#scheduleReconnect(port, attempt, result.error, generation);
      else this.#setState({ status: 'failed', port, error: problemOf(result.error) });
    }
    return result;
  }

  #wire(session: DeviceSession, port: PortDescriptor): void {
    const current = () => this.#session === session;
    session.on('device', (device) => {
      if (!current()) return;
      this.emit('device', device);
      this.#flush(); // a fixed region or channel unblocks the outbox
    });
    session.on('node', () => current() && this.emit('nodes', session.nodes()));
    session.on('packet', (packet) => current() && this.emit('packet', packet));
    session.on('text', (text) => current() && this.emit('text', text));
    session.on('alert', (alert) => current() && this.emit('alert', alert));
    session.on('routing', (report) => current() && this.emit('routing', report));
    session.on('log', (line) => current() && this.emit('log', line));
    session.on('closed', (error) => {
      // A close during the handshake is the attempt's to report; this is the ready session dying.
      if (!current() || this.#state.status !== 'ready') return;
      this.#session = undefined;
      // Unplugged, reset or restarted: find the same device again.
      const reason = error ?? radioErrors.unplugged(describePort(port));
      this.emit('log', { at: this.#clock.now(), level: 'warn', source: 'radio', message: reason.message });
      this.#scheduleReconnect(port, 0, reason, this.#generation);
    });
  }

  #scheduleReconnect(port: PortDescriptor, failedAttempts: number, error: RadioError, generation: number): void {
    const retryInMs = Math.min(this.#reconnectInitialDelayMs * 2 ** failedAttempts, this.#reconnectMaxDelayMs);
    this.#setState({ status: 'reconnecting', port, attempt: failedAttempts + 1, retryInMs, error: problemOf(error) });
    this.#reconnectTimer = this.#clock.setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (generation === this.#generation) void this.#attempt(port, failedAttempts + 1, true, generation);
    }, retryInMs);
  }

  #stop(): void {
    this.#generation += 1;
    for (const timer of [this.#reconnectTimer, this.#retryTimer]) if (timer !== undefined) this.#clock.clearTimeout(timer);
    this.#reconnectTimer = undefined;
    this.#retryTimer = undefined;
    const session = this.#session;
    this.#session = undefined;
    session?.close();
  }

  #setState(state: LinkState): void {
    this.#state = state;
    this.emit('state', state);
  }

  // ---- outbox ----

  /** Hands every queued packet not yet in the session to it, unless the device cannot send now. */
  #flush(): void {
    const session = this.#session;
    if (!session || session.state !== 'ready' || session.device?.sendBlockedBy) return;
    // A copy: the device may accept a packet inside send(), which takes it out of #entries.
    for (const entry of [...this.#entries]) {
      if (this.#submitted.has(entry.messageId)) continue;
      this.#submitted.add(entry.messageId);
      const packet = toPacket(entry);
      void session
        .send(
          {
            to: packet.to,
            payload: packet.payload,
            ...(packet.wantAck === undefined ? {} : { wantAck: packet.wantAck }),
            ...(packet.hopLimit === undefined ? {} : { hopLimit: packet.hopLimit }),
            ...(packet.priority === undefined ? {} : { priority: packet.priority }),
            ...(packet.portnum === undefined ? {} : { portnum: packet.portnum }),
            ...(packet.channel === undefined ? {} : { channel: packet.channel }),
          },
          { onAccepted: (packetId) => this.#handedToRadio(entry.messageId, packetId) },
        )
        .then((result) => this.#settled(entry.messageId, result));
    }
  }

  /** The device has the packet: it leaves the outbox and its id is remembered. */
  #handedToRadio(messageId: string, packetId: number): void {
    const at = this.#entries.findIndex((entry) => entry.messageId === messageId);
    if (at === -1) return;
    this.#entries.splice(at, 1);
    this.#handedOver.push(messageId);
    if (this.#handedOver.length > HANDED_OVER_LIMIT) this.#handedOver.splice(0, this.#handedOver.length - HANDED_OVER_LIMIT);
    this.#saveOutbox();
    this.emit('outbox', { queued: this.#entries.length });
    this.emit('accepted', { messageId, packetId });
  }

  #settled(messageId: string, result: SendResult): void {
    this.#submitted.delete(messageId);
    if (result.ok) {
      this.#handedToRadio(messageId, result.packetId);
      this.emit('delivery', { messageId, ok: true, delivery: result.delivery, packetId: result.packetId });
      return;
    }
    const stillQueued = this.#entries.some((entry) => entry.messageId === messageId);
    if (stillQueued && isWorthRetrying(result.error)) {
      // Sent again after a reconnect (the session is gone) or after a pause (duty cycle, full queue).
      if (this.#session?.state === 'ready') this.#scheduleRetry();
      return;
    }
    if (stillQueued) {
      this.#entries.splice(this.#entries.findIndex((entry) => entry.messageId === messageId), 1);
      this.#saveOutbox();
      this.emit('outbox', { queued: this.#entries.length });
    }
    this.emit('delivery', { messageId, ok: false, error: problemOf(result.error) });
  }

  #scheduleRetry(): void {
    if (this.#retryTimer !== undefined) return;
    this.#retryTimer = this.#clock.setTimeout(() => {
      this.#retryTimer = undefined;
      this.#flush();
    }, this.#retryDelayMs);
  }

  #loadOutbox(): void {
    let text: string;
    try {
      text = readFileSync(this.#outboxPath, 'utf8');
    } catch {
      return; // no outbox yet
    }
    const parsed = StoredOutbox.safeParse(safeJson(text));
    if (!parsed.success) {
      // Keep the unreadable file for inspection rather than overwrite it with an empty outbox.
      renameSync(this.#outboxPath, `${this.#outboxPath}.unreadable-${this.#clock.now()}`);
      return;
    }
    this.#entries.push(...parsed.data.entries);
    this.#handedOver.push(...parsed.data.handedOver);
  }

  #saveOutbox(): void {
    const stored: z.infer<typeof StoredOutbox> = { version: 1, entries: this.#entries, handedOver: this.#handedOver };
    writeFileAtomicSync(this.#outboxPath, JSON.stringify(stored));
  }

  #writeDevice(port: PortDescriptor): void {
    writeFileAtomicSync(this.#devicePath, JSON.stringify(port));
  }
}

function openPort(port: PortDescriptor, bluetooth: GattAdapter | undefined): Promise<RadioTransport> {
  switch (port.kind) {
    case 'serial':
      return openSerialTransport(port.path);
    case 'tcp':
      return openTcpTransport({ host: port.host, port: port.port ?? DEFAULT_TCP_PORT });
    case 'ble':
      return openBleTransport(port.id, bluetooth);
  }
}

/** Where a port is, as the operator names it: a serial path, host:port or BLE id. */
export function describePort(port: PortDescriptor): string {
  if (port.kind === 'serial') return port.path;
  if (port.kind === 'tcp') return `${port.host}:${port.port ?? DEFAULT_TCP_PORT}`;
  return `BLE ${port.id}`;
}

function toStored(packet: OutboxPacket): StoredEntry {
  return {
    messageId: packet.messageId,
    to: packet.to >>> 0,
    payload: Buffer.from(packet.payload).toString('base64'),
    ...(packet.wantAck === undefined ? {} : { wantAck: packet.wantAck }),
    ...(packet.hopLimit === undefined ? {} : { hopLimit: packet.hopLimit }),
    ...(packet.priority === undefined ? {} : { priority: packet.priority }),
    ...(packet.portnum === undefined ? {} : { portnum: packet.portnum }),
    ...(packet.channel === undefined ? {} : { channel: packet.channel }),
  };
}

function toPacket(entry: StoredEntry): OutboxPacket {
  return { ...entry, payload: new Uint8Array(Buffer.from(entry.payload, 'base64')) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
