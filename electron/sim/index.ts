export { ScaledRealTimeScheduler, VirtualScheduler, type Scheduler, type TimerId } from './clock.ts';
export { randomInt, randomUint32, seededRandom, type Random } from './random.ts';
export {
  CW_MAX,
  CW_MIN,
  activityDetectionMs,
  rebroadcastDelayMs,
  retransmissionTimeoutMs,
  slotTimeMs,
  snrWindow,
  txDelayMs,
  utilizationWindow,
} from './contention.ts';
export {
  DEFAULT_LINK,
  RadioMedium,
  applyTopology,
  type AirFrame,
  type LinkQuality,
  type MediumOptions,
  type MediumStats,
  type Reception,
  type Topology,
  type Transmission,
} from './medium.ts';
export {
  BROADCAST_NUM,
  DEDUPE_WINDOW_MS,
  DEFAULT_HOP_LIMIT,
  MAX_DATA_PAYLOAD_BYTES,
  MAX_ENCODED_DATA_BYTES,
  MAX_HOP_LIMIT,
  MAX_TRANSMISSIONS,
  NONCE_ONLY_CONFIG,
  NONCE_ONLY_NODES,
  RECENT_CLIENT_IDS,
  SimDevice,
  TX_QUEUE_SLOTS,
  nodeIdOf,
  type ClientSession,
  type ClientSink,
  type MeshAirFrame,
  type SimDeviceOptions,
} from './device.ts';
export { createSimMesh, type SimMesh, type SimMeshOptions } from './mesh.ts';
export { geometricMesh, type GeometricLayout, type GeometricMesh } from './geometric.ts';
export { meshPositions, type SimBattery, type SimPosition, type SimRole } from './node-data.ts';
export { TCP_IDLE_TIMEOUT_MS, serveDeviceOverTcp, type DeviceTcpServer, type DeviceTcpServerOptions } from './tcp-server.ts';
export { exposeTcpAsPty, type DevicePty } from './pty.ts';
