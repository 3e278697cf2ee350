// A stock Meshtastic app, scripted: it talks to a device's stream API over TCP port 4403 the way the
// Android, iOS and web apps do (32 wake bytes, want_config_id and wait for config_complete_id,
// heartbeats, ToRadio.packet with TEXT_MESSAGE_APP and want_ack), and reads texts and ACK/NAKs from
// FromRadio packets. The demo runs one on a simulated radio so the console has someone to chat
// with; tests use it as the other side. It is deliberately separate from our DeviceSession: it
// shares nothing of ours but the byte framing, which is the protocol itself.
import { EventEmitter } from 'node:events';
import { connect, type Socket } from 'node:net';
import { Mesh, Portnums } from '@meshtastic/protobufs';
import { FrameDecoder, encodeFrame, WAKE_BYTES } from '../node/radio/index.ts';
import { decodeMessage, encodeMessage, makeMessage, type FromRadioMessage, type MeshPacketMessage } from './messages.ts';
import { splitByBytes } from '../node/messages/split.ts';
import { BROADCAST_NUM, nodeIdOf } from './device.ts';

const TEXT_PORT = Portnums.PortNum.TEXT_MESSAGE_APP as number;
const ALERT_PORT = Portnums.PortNum.ALERT_APP as number;
const ROUTING_PORT = Portnums.PortNum.ROUTING_APP as number;
const NODEINFO_PORT = Portnums.PortNum.NODEINFO_APP as number;
/** The TCP API drops a client silent for 60 s; apps send a heartbeat well within that. */
const HEARTBEAT_MS = 30_000;
const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Bytes of a received text quoted in the demo's answer (the rest of the answer and a long name fit in 200). */
const QUOTE_BYTES = 100;

export type StockText = { id: number; from: number; to: number; channel: number; text: string; direct: boolean };
export type StockRouting = { requestId: number; from: number; errorReason: number };

/** `alert`: an ALERT_APP packet, which the apps show as an alert (text like a message). */
export type StockClientEvents = { text: [StockText]; alert: [StockText]; routing: [StockRouting]; closed: [] };

export class StockClient extends EventEmitter<StockClientEvents> {
  /** The radio's node number, from `my_info`. */
  nodeNum = 0;
  /** Long names the app knows, from the device's node list and NodeInfo packets. */
  readonly names = new Map<number, string>();
  readonly #socket: Socket;
  readonly #decoder = new FrameDecoder();
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #lastId = Math.floor(Math.random() * 0x7fff_ffff);

  private constructor(socket: Socket) {
    super();
    this.#socket = socket;
  }

  /** Connects and completes the handshake, as an app does before it shows anything. */
  static async connect(target: { host: string; port: number }): Promise<StockClient> {
    const socket = connect(target.port, target.host);
    socket.setNoDelay(true);
    const client = new StockClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const nonce = 1 + Math.floor(Math.random() * 0xfff_fffe);
    const configured = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no config_complete_id from ${target.host}:${target.port}`)), HANDSHAKE_TIMEOUT_MS);
      client.#onConfigComplete = (id) => {
        if (id !== nonce) return;
        clearTimeout(timer);
        resolve();
      };
    });
    socket.on('data', (chunk: Buffer) => client.#receive(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    socket.on('close', () => client.#closed());
    socket.on('error', () => socket.destroy());
    socket.write(WAKE_BYTES);
    client.#send({ payloadVariant: { case: 'wantConfigId', value: nonce } });
    await configured;
    let heartbeats = 0;
    client.#heartbeat = setInterval(() => client.#send({ payloadVariant: { case: 'heartbeat', value: makeMessage(Mesh.HeartbeatSchema, { nonce: ++heartbeats }) } }), HEARTBEAT_MS);
    return client;
  }

  /** Sends a text as the apps do: want_ack, hop limit 3; a channel message when `to` is absent. Answers the packet id. */
  sendText(text: string, options: { to?: number; channel?: number } = {}): number {
    return this.#sendOn(TEXT_PORT, text, options);
  }

  /** Sends an alert on ALERT_APP to the channel, as a stock app's alert does. */
  sendAlert(text: string, options: { channel?: number } = {}): number {
    return this.#sendOn(ALERT_PORT, text, options);
  }

  #sendOn(portnum: number, text: string, options: { to?: number; channel?: number }): number {
    this.#lastId = (this.#lastId + 1) >>> 0 || 1;
    const packet = makeMessage(Mesh.MeshPacketSchema, {
      to: options.to ?? BROADCAST_NUM,
      channel: options.channel ?? 0,
      id: this.#lastId,
      wantAck: true,
      hopLimit: 3,
      payloadVariant: { case: 'decoded', value: makeMessage(Mesh.DataSchema, { portnum, payload: new TextEncoder().encode(text) }) },
    });
    this.#send({ payloadVariant: { case: 'packet', value: packet } });
    return this.#lastId;
  }

  nameOf(nodeNum: number): string {
    return this.names.get(nodeNum) ?? nodeIdOf(nodeNum);
  }

  close(): void {
    if (this.#socket.destroyed) return;
    this.#send({ payloadVariant: { case: 'disconnect', value: true } });
    this.#socket.end();
    this.#socket.destroy();
  }

  #onConfigComplete: (id: number) => void = () => {};

  #send(init: object): void {
    if (!this.#socket.destroyed) this.#socket.write(encodeFrame(encodeMessage(Mesh.ToRadioSchema, makeMessage(Mesh.ToRadioSchema, init))));
  }

  #receive(bytes: Uint8Array): void {
    for (const item of this.#decoder.push(bytes)) {
      if (item.type !== 'frame') continue; // boot log text
      let message: FromRadioMessage;
      try {
        message = decodeMessage<FromRadioMessage>(Mesh.FromRadioSchema, item.payload);
      } catch {
        continue;
      }
      const variant = message.payloadVariant;
      if (variant.case === 'myInfo') this.nodeNum = (variant.value as { myNodeNum: number }).myNodeNum >>> 0;
      else if (variant.case === 'nodeInfo') {
        const info = variant.value as { num: number; user?: { longName: string } };
        if (info.user?.longName) this.names.set(info.num >>> 0, info.user.longName);
      } else if (variant.case === 'configCompleteId') this.#onConfigComplete(variant.value);
      else if (variant.case === 'packet') this.#onPacket(variant.value);
    }
  }

  #onPacket(packet: MeshPacketMessage): void {
    if (packet.payloadVariant.case !== 'decoded') return;
    const data = packet.payloadVariant.value;
    const from = packet.from >>> 0;
    if (data.portnum === TEXT_PORT || data.portnum === ALERT_PORT) {
      const to = packet.to >>> 0;
      const text = { id: packet.id >>> 0, from, to, channel: packet.channel, text: new TextDecoder().decode(data.payload), direct: to !== BROADCAST_NUM };
      this.emit(data.portnum === TEXT_PORT ? 'text' : 'alert', text);
    } else if (data.portnum === ROUTING_PORT) {
      const routing = decodeMessage<{ variant: { case: string | undefined; value?: unknown } }>(Mesh.RoutingSchema, data.payload);
      this.emit('routing', { requestId: data.requestId >>> 0, from, errorReason: routing.variant.case === 'errorReason' ? (routing.variant.value as number) : 0 });
    } else if (data.portnum === NODEINFO_PORT) {
      try {
        const user = decodeMessage<{ longName: string }>(Mesh.UserSchema, data.payload);
        if (user.longName) this.names.set(from, user.longName);
      } catch {
        // a malformed NodeInfo changes nothing
      }
    }
  }

  #closed(): void {
    if (this.#heartbeat !== undefined) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    this.emit('closed');
  }
}

/**
 * The demo's chat partner: answers every direct message by quoting it, the way a person trying the
 * mesh out would ("got it"), and an alert with a reply on its channel. Returns a function that stops answering.
 */
export function answerDirectMessages(client: StockClient): () => void {
  const onText = (text: StockText) => {
    if (!text.direct || text.to !== client.nodeNum) return;
    // Within the apps' 200-byte limit whatever the sender's name and text: the quote is cut by bytes, at a character boundary.
    const [head = ''] = splitByBytes(text.text, QUOTE_BYTES);
    const quoted = head === text.text ? head : `${head}...`;
    client.sendText(`Got your message, ${client.nameOf(text.from)}: "${quoted}"`, { to: text.from, channel: text.channel });
  };
  // An alert on the channel gets a reply there, as someone who saw it on their phone would send.
  const onAlert = (alert: StockText) => {
    const [head = ''] = splitByBytes(alert.text, QUOTE_BYTES);
    client.sendText(`Alert seen on my phone: "${head === alert.text ? head : `${head}...`}"`, { channel: alert.channel });
  };
  client.on('text', onText);
  client.on('alert', onAlert);
  return () => {
    client.off('text', onText);
    client.off('alert', onAlert);
  };
}
