// Typed views of the Meshtastic messages the simulator reads and writes. @meshtastic/protobufs
// ships no usable declarations (see electron/node/radio/meshtastic-protobufs.d.ts), so these name
// the fields we touch, with the package's field names; the runtime values come from its schemas.
import { create, fromBinary, toBinary, type DescMessage } from '@bufbuild/protobuf';

/** A protobuf `oneof` as @bufbuild/protobuf represents it. */
export type OneOf<Cases extends string> = { case: Cases; value: unknown } | { case: undefined; value?: undefined };

export type DataMessage = {
  portnum: number;
  payload: Uint8Array;
  wantResponse: boolean;
  requestId: number;
  bitfield?: number;
};

export type MeshPacketMessage = {
  from: number;
  to: number;
  channel: number;
  id: number;
  hopLimit: number;
  hopStart: number;
  wantAck: boolean;
  priority: number;
  rxTime: number;
  rxSnr: number;
  rxRssi: number;
  relayNode: number;
  payloadVariant: { case: 'decoded'; value: DataMessage } | { case: 'encrypted'; value: Uint8Array } | { case: undefined; value?: undefined };
};

export type ToRadioMessage = {
  payloadVariant:
    | { case: 'packet'; value: MeshPacketMessage }
    | { case: 'wantConfigId'; value: number }
    | { case: 'heartbeat'; value: { nonce: number } }
    | { case: 'disconnect'; value: boolean }
    | { case: 'xmodemPacket' | 'mqttClientProxyMessage'; value: unknown }
    | { case: undefined; value?: undefined };
};

export type QueueStatusMessage = { res: number; free: number; maxlen: number; meshPacketId: number };

export type FromRadioCase =
  | 'packet'
  | 'myInfo'
  | 'nodeInfo'
  | 'config'
  | 'logRecord'
  | 'configCompleteId'
  | 'rebooted'
  | 'moduleConfig'
  | 'channel'
  | 'queueStatus'
  | 'xmodemPacket'
  | 'metadata'
  | 'mqttClientProxyMessage'
  | 'fileInfo'
  | 'clientNotification'
  | 'deviceuiConfig';

export type FromRadioMessage = {
  id: number;
  payloadVariant:
    | { case: 'packet'; value: MeshPacketMessage }
    | { case: 'configCompleteId'; value: number }
    | { case: 'queueStatus'; value: QueueStatusMessage }
    | { case: Exclude<FromRadioCase, 'packet' | 'configCompleteId' | 'queueStatus'>; value: unknown }
    | { case: undefined; value?: undefined };
};

/** Messages the simulator only passes through (User, NodeInfo, Config, ...). */
export type OpaqueMessage = object;

// The schemas are untyped, so the codec is typed by the caller's expected message view.
export function makeMessage<T = OpaqueMessage>(schema: unknown, init: object = {}): T {
  return create(schema as DescMessage, init as never) as T;
}

export function decodeMessage<T = OpaqueMessage>(schema: unknown, bytes: Uint8Array): T {
  return fromBinary(schema as DescMessage, bytes) as T;
}

export function encodeMessage(schema: unknown, message: object): Uint8Array {
  return toBinary(schema as DescMessage, message as never);
}
