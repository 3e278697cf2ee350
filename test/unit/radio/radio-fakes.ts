// Test doubles for the radio layer: a clock over the simulator's virtual time, an in-memory
// transport to a SimDevice (the real firmware logic, no I/O), and a scripted device for the cases
// the simulator cannot produce on demand.
import { create, fromBinary, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { Channel, Config, Mesh } from '@meshtastic/protobufs';
import type { Clock } from '../../../electron/node/clock.ts';
import { radioErrors, type RadioError } from '../../../electron/node/radio/errors.ts';
import { StreamTransport, type RadioTransport, type TransportHandlers, type TransportKind } from '../../../electron/node/radio/transports/transport.ts';
import {
  RadioMedium,
  SimDevice,
  VirtualScheduler,
  applyTopology,
  seededRandom,
  type MeshAirFrame,
  type SimDeviceOptions,
} from '../../../electron/sim/index.ts';
import { MODEM_PRESETS } from '../../../electron/node/radio/index.ts';

export function virtualClock(scheduler: VirtualScheduler): Clock {
  return {
    setTimeout: (callback, ms) => scheduler.setTimer(ms, callback),
    clearTimeout: (handle) => scheduler.clearTimer(handle as number),
    now: () => scheduler.now(),
  };
}

/** A small simulated mesh of devices that all hear each other, on virtual time. */
export function simMesh(devices: Partial<Omit<SimDeviceOptions, 'medium' | 'scheduler' | 'random'>>[]) {
  const scheduler = new VirtualScheduler();
  const random = seededRandom(11);
  const medium = new RadioMedium<MeshAirFrame>({ scheduler, random, modem: MODEM_PRESETS.SHORT_FAST });
  const sims = devices.map(
    (options, index) => new SimDevice({ nodeNum: 0x1000 + index, announceWithinMs: false, ...options, medium, scheduler, random }),
  );
  applyTopology(medium, sims.map((device) => device.nodeNum), 'full', { snrDb: 5, rssiDbm: -90 });
  return { scheduler, clock: virtualClock(scheduler), devices: sims };
}

/** Plugs a transport into a simulated device, synchronously in both directions. */
export function plugIntoSim(device: SimDevice, kind: TransportKind = 'serial'): { transport: StreamTransport; sent: Uint8Array[] } {
  const early: Uint8Array[] = [];
  const sent: Uint8Array[] = [];
  let transport: StreamTransport | undefined;
  const client = device.connect({
    write: (bytes) => (transport ? transport.receive(bytes) : early.push(bytes)),
    close: () => transport?.ended(radioErrors.unplugged('sim')),
  });
  transport = new StreamTransport(kind, `sim ${device.nodeNum.toString(16)}`, {
    write: (bytes) => {
      sent.push(bytes);
      client.receive(bytes);
    },
    destroy: () => client.close(),
  });
  for (const bytes of early) transport.receive(bytes);
  return { transport, sent };
}

type Variant = { case: string | undefined; value?: unknown };
export type ToRadioView = { payloadVariant: Variant };
export type PacketView = { to: number; id: number; channel: number; hopLimit: number; wantAck: boolean; payloadVariant: Variant };

const msg = (schema: unknown, init: object): object => create(schema as DescMessage, init as never);

/** A device that says exactly what the test tells it to. */
export class ScriptedRadio implements RadioTransport {
  readonly kind: TransportKind;
  readonly label = 'scripted radio';
  readonly sent: ToRadioView[] = [];
  closedWith: RadioError | undefined | 'open' = 'open';
  #handlers: TransportHandlers | undefined;

  constructor(kind: TransportKind = 'serial') {
    this.kind = kind;
  }

  attach(handlers: TransportHandlers): void {
    this.#handlers = handlers;
  }

  send(toRadio: Uint8Array): void {
    this.sent.push(fromBinary(Mesh.ToRadioSchema as DescMessage, toRadio) as unknown as ToRadioView);
  }

  close(error?: RadioError): void {
    if (this.closedWith !== 'open') return;
    this.closedWith = error;
    this.#handlers?.closed(error);
  }

  /** The device side hangs up. */
  drop(error: RadioError): void {
    this.close(error);
  }

  fromRadio(payloadVariant: Variant): void {
    this.#handlers?.fromRadio(toBinary(Mesh.FromRadioSchema as DescMessage, msg(Mesh.FromRadioSchema, { payloadVariant }) as never));
  }

  log(line: string): void {
    this.#handlers?.log(line);
  }

  sentCases(): (string | undefined)[] {
    return this.sent.map((message) => message.payloadVariant.case);
  }

  packets(): PacketView[] {
    return this.sent.flatMap((message) => (message.payloadVariant.case === 'packet' ? [message.payloadVariant.value as PacketView] : []));
  }

  nonce(): number {
    const want = this.sent.find((message) => message.payloadVariant.case === 'wantConfigId');
    if (!want) throw new Error('no want_config_id sent');
    return want.payloadVariant.value as number;
  }

  /** A complete handshake for `nonce`: node 0xabc, 2.6.11, EU_868 LONG_FAST, channel 0 enabled. */
  handshake(options: { firmware?: string; region?: number; channels?: number[]; complete?: number } = {}): void {
    this.fromRadio({ case: 'myInfo', value: msg(Mesh.MyNodeInfoSchema, { myNodeNum: 0xabc }) });
    this.fromRadio({
      case: 'nodeInfo',
      value: msg(Mesh.NodeInfoSchema, { num: 0xabc, user: msg(Mesh.UserSchema, { longName: 'Base camp', shortName: 'BC', hwModel: Mesh.HardwareModel.TBEAM }) }),
    });
    this.fromRadio({ case: 'metadata', value: msg(Mesh.DeviceMetadataSchema, { firmwareVersion: options.firmware ?? '2.6.11.60ec05e' }) });
    for (const index of options.channels ?? [0]) {
      this.fromRadio({ case: 'channel', value: msg(Channel.ChannelSchema, { index, role: index === 0 ? Channel.Channel_Role.PRIMARY : Channel.Channel_Role.SECONDARY }) });
    }
    this.fromRadio({
      case: 'config',
      value: msg(Config.ConfigSchema, {
        payloadVariant: { case: 'lora', value: msg(Config.Config_LoRaConfigSchema, { region: options.region ?? Config.Config_LoRaConfig_RegionCode.EU_868, modemPreset: 0 }) },
      }),
    });
    this.fromRadio({ case: 'configCompleteId', value: options.complete ?? this.nonce() });
  }

  queueStatus(meshPacketId: number, res = 0, free = 15): void {
    this.fromRadio({ case: 'queueStatus', value: msg(Mesh.QueueStatusSchema, { res, free, maxlen: 16, meshPacketId }) });
  }

  routing(from: number, requestId: number, errorReason: number): void {
    const routing = toBinary(Mesh.RoutingSchema as DescMessage, msg(Mesh.RoutingSchema, { variant: { case: 'errorReason', value: errorReason } }) as never);
    this.meshPacket({ from, to: 0xabc, portnum: 5, payload: routing, requestId });
  }

  meshPacket(fields: { from: number; to: number; portnum: number; payload: Uint8Array; requestId?: number; channel?: number; hopStart?: number; hopLimit?: number; rxSnr?: number; rxRssi?: number }): void {
    const { portnum, payload, requestId, ...header } = fields;
    this.fromRadio({
      case: 'packet',
      value: msg(Mesh.MeshPacketSchema, {
        id: 777,
        ...header,
        payloadVariant: { case: 'decoded', value: msg(Mesh.DataSchema, { portnum, payload, requestId: requestId ?? 0 }) },
      }),
    });
  }
}
