export {
  FRAME_HEADER_SIZE,
  FRAME_START1,
  FRAME_START2,
  FrameDecoder,
  MAX_FRAME_PAYLOAD,
  MAX_LOG_LINE_BYTES,
  encodeFrame,
  stripAnsi,
  type StreamItem,
} from './framing.ts';
export {
  DEFAULT_MODEM_PRESET,
  DUTY_CYCLE_WINDOW_MS,
  MESH_HEADER_BYTES,
  MODEM_PRESETS,
  UNSET_REGION,
  airtimeBudgetPerHourMs,
  bitRate,
  isModemPresetName,
  regionRules,
  symbolTimeMs,
  timeOnAirMs,
  type ModemPreset,
  type ModemPresetName,
  type RegionName,
  type RegionRules,
} from './airtime.ts';
export {
  MAX_PAYLOAD_BYTES,
  MIN_FIRMWARE_VERSION,
  RadioError,
  radioErrors,
  routingErrorName,
  type RadioErrorCode,
} from './errors.ts';
export { StreamTransport, TransportOutlet, WAKE_BYTES, type ByteStream, type RadioTransport, type TransportHandlers, type TransportKind } from './transports/transport.ts';
export { DEFAULT_TCP_PORT, openTcpTransport, type TcpTarget } from './transports/tcp.ts';
export { SERIAL_BAUD_RATE, openSerialTransport, serialOpenError } from './transports/serial.ts';
export { BleTransport, MESHTASTIC_BLE, openBleTransport, type GattAdapter, type GattConnection } from './transports/ble.ts';
export { boardName, listSerialPorts, type ListedPort, type PortDiscoveryOptions, type SerialPortCandidate } from './ports.ts';
export {
  BROADCAST_NODE,
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DeviceSession,
  HEARTBEAT_INTERVAL_MS,
  PRIVATE_APP_PORT,
  isFirmwareSupported,
  nodeIdOf,
  parseFirmwareVersion,
  type DeviceChannel,
  type DeviceInfo,
  type DeviceLogLine,
  type DeviceProblem,
  type MeshNode,
  type ReceivedPacket,
  type RoutingReport,
  type SendHooks,
  type SendRequest,
  type SendResult,
  type SessionEvents,
  type SessionOptions,
  type StartResult,
  type TextMessage,
} from './session.ts';
export { PortDescriptor, RadioLink, type DeliveryReport, type EnqueueResult, type LinkEvents, type LinkState, type OutboxPacket, type RadioLinkOptions } from './link.ts';
