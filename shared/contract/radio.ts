import { z } from 'zod';
import { ContractError } from './errors.ts';
import { OtherChannelTraffic, RadioChannel } from './radio-admin.ts';

/** How to reach a Meshtastic device: USB serial, TCP (port 4403: Wi-Fi nodes, meshtasticd, the simulator), Bluetooth. */
export const RadioPort = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('serial'), path: z.string().min(1).max(256) }),
  z.object({ kind: z.literal('tcp'), host: z.string().min(1).max(253), port: z.number().int().min(1).max(65535) }),
  z.object({ kind: z.literal('ble'), id: z.string().min(1).max(64) }),
]);
export type RadioPort = z.infer<typeof RadioPort>;

export const RadioPortInfo = z.object({
  port: RadioPort,
  /** What the operator sees in the picker, e.g. "T-Beam / Heltec (CP2102) — /dev/ttyUSB0". */
  label: z.string(),
  /** Recognised board, from the USB VID:PID. */
  board: z.string().optional(),
  simulated: z.boolean(),
});
export type RadioPortInfo = z.infer<typeof RadioPortInfo>;

/** Where a node is, as its radio reports it (degrees, metres above sea level). */
export const NodePosition = z.object({
  latitude: z.number().min(-90).max(90),
  longitude: z.number().min(-180).max(180),
  altitude: z.number().optional(),
  /** When the fix was taken, epoch milliseconds. */
  time: z.number().optional(),
  /** Bits of latitude/longitude the sender kept: 32 is exact, the default channel's 13 about 3 km. */
  precisionBits: z.number().int().min(0).max(32).optional(),
});
export type NodePosition = z.infer<typeof NodePosition>;

export const RadioDevice = z.object({
  nodeId: z.string(),
  nodeNum: z.number().int(),
  longName: z.string(),
  shortName: z.string(),
  firmware: z.string(),
  hardware: z.string().optional(),
  region: z.string(),
  preset: z.string(),
  channelIndex: z.number().int(),
  /** Percent of the channel busy, as the device measures it. */
  channelUtilization: z.number().optional(),
  /** Percent of the last hour this device transmitted. */
  airUtilTx: z.number().optional(),
  batteryLevel: z.number().optional(),
  /** Battery volts (0: no battery to measure). */
  voltage: z.number().optional(),
  /** From the radio's GPS or its fixed position. */
  position: NodePosition.optional(),
  /** Why the device cannot send for us now (no region, channel not enabled): shown, sends wait. */
  sendBlockedBy: ContractError.optional(),
  /** The channels enabled on the device. */
  channels: z.array(RadioChannel).optional(),
  /** Pakit traffic heard on channels other than `channelIndex` (a channel mismatch to fix). */
  otherChannelTraffic: z.array(OtherChannelTraffic).optional(),
});
export type RadioDevice = z.infer<typeof RadioDevice>;

export const RadioState = z.object({
  /** `failed`: a connect the operator asked for did not succeed (see `error`); no retry. */
  phase: z.enum(['disconnected', 'connecting', 'ready', 'reconnecting', 'failed']),
  port: RadioPort.optional(),
  device: RadioDevice.optional(),
  /** The last problem, in words an operator can act on. */
  error: ContractError.optional(),
  /** Packets waiting for the radio (persisted: they survive a restart). */
  queueDepth: z.number().int(),
  reconnectAttempt: z.number().int().optional(),
});
export type RadioState = z.infer<typeof RadioState>;

export const MeshNode = z.object({
  nodeId: z.string(),
  nodeNum: z.number().int(),
  longName: z.string().optional(),
  shortName: z.string().optional(),
  hardware: z.string().optional(),
  /** Device role the node announces: CLIENT, CLIENT_MUTE, ROUTER, TRACKER, ... */
  role: z.string().optional(),
  snr: z.number().optional(),
  /** dBm of the last packet heard from the node since the radio connected. */
  rssi: z.number().optional(),
  hopsAway: z.number().int().optional(),
  /** Epoch milliseconds. */
  lastHeard: z.number().optional(),
  /** 0..100; 101 means external power. */
  batteryLevel: z.number().optional(),
  voltage: z.number().optional(),
  /** Percent of airtime the node hears in use. */
  channelUtilization: z.number().optional(),
  /** Percent of the last hour the node transmitted. */
  airUtilTx: z.number().optional(),
  uptimeSeconds: z.number().optional(),
  isFavorite: z.boolean().optional(),
  position: NodePosition.optional(),
});
export type MeshNode = z.infer<typeof MeshNode>;
