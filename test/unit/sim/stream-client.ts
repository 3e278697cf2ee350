// A minimal Meshtastic stream-API client for tests: frames ToRadio, decodes FromRadio.
import { Mesh } from '@meshtastic/protobufs';
import { FrameDecoder, encodeFrame } from '../../../electron/node/radio/index.ts';
import type { ClientSession, SimDevice } from '../../../electron/sim/index.ts';
import {
  decodeMessage,
  encodeMessage,
  makeMessage,
  type FromRadioMessage,
  type MeshPacketMessage,
  type QueueStatusMessage,
} from '../../../electron/sim/messages.ts';

export type RoutingReply = { from: number; requestId: number; errorReason: number };

export class StreamClient {
  readonly received: FromRadioMessage[] = [];
  readonly logLines: string[] = [];
  closed = false;
  private readonly decoder = new FrameDecoder();
  private readonly session: ClientSession;

  constructor(device: SimDevice) {
    this.session = device.connect({
      write: (bytes) => {
        for (const item of this.decoder.push(bytes)) {
          if (item.type === 'log') this.logLines.push(item.line);
          else this.received.push(decodeMessage<FromRadioMessage>(Mesh.FromRadioSchema, item.payload));
        }
      },
      close: () => {
        this.closed = true;
      },
    });
  }

  sendToRadio(init: object): void {
    this.sendRaw(encodeMessage(Mesh.ToRadioSchema, makeMessage(Mesh.ToRadioSchema, init)));
  }

  sendRaw(protobuf: Uint8Array): void {
    this.session.receive(encodeFrame(protobuf));
  }

  wantConfig(nonce: number): void {
    this.sendToRadio({ payloadVariant: { case: 'wantConfigId', value: nonce } });
  }

  sendPacket(fields: { to: number; id: number; payload: Uint8Array; portnum?: number; wantAck?: boolean; hopLimit?: number; wantResponse?: boolean }): void {
    const packet = makeMessage(Mesh.MeshPacketSchema, {
      to: fields.to,
      id: fields.id,
      wantAck: fields.wantAck ?? false,
      hopLimit: fields.hopLimit ?? 3,
      payloadVariant: {
        case: 'decoded',
        value: makeMessage(Mesh.DataSchema, { portnum: fields.portnum ?? 256, payload: fields.payload, wantResponse: fields.wantResponse ?? false }),
      },
    });
    this.sendToRadio({ payloadVariant: { case: 'packet', value: packet } });
  }

  cases(): (string | undefined)[] {
    return this.received.map((message) => message.payloadVariant.case);
  }

  packets(): MeshPacketMessage[] {
    return this.received.flatMap((message) => (message.payloadVariant.case === 'packet' ? [message.payloadVariant.value] : []));
  }

  queueStatuses(): QueueStatusMessage[] {
    return this.received.flatMap((message) => (message.payloadVariant.case === 'queueStatus' ? [message.payloadVariant.value] : []));
  }

  routingReplies(): RoutingReply[] {
    return this.packets().flatMap((packet) => {
      if (packet.payloadVariant.case !== 'decoded' || packet.payloadVariant.value.portnum !== 5) return [];
      const data = packet.payloadVariant.value;
      const routing = decodeMessage<{ variant: { case: string; value: number } }>(Mesh.RoutingSchema, data.payload);
      return [{ from: packet.from, requestId: data.requestId, errorReason: routing.variant.value }];
    });
  }

  appPackets(portnum = 256): MeshPacketMessage[] {
    return this.packets().filter((packet) => packet.payloadVariant.case === 'decoded' && packet.payloadVariant.value.portnum === portnum);
  }

  clear(): void {
    this.received.length = 0;
  }
}
