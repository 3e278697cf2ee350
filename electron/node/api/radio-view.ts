// How the radio link looks through the contract: the link's own types mapped to the console's.
import { contractError, type ContractError, type MeshNode, type RadioDevice, type RadioPort, type RadioState } from '../../../shared/contract/index.ts';
import type { LinkState, PortDescriptor } from '../radio/link.ts';
import type { DeviceInfo, DeviceProblem, MeshNode as LinkMeshNode } from '../radio/session.ts';
import { DEFAULT_TCP_PORT } from '../radio/transports/tcp.ts';

const problem = (error: DeviceProblem): ContractError =>
  contractError('unavailable', error.message, { reason: error.code, ...(error.fix ? { fix: error.fix } : {}) });

export const toRadioPort = (port: PortDescriptor): RadioPort => (port.kind === 'tcp' ? { kind: 'tcp', host: port.host, port: port.port ?? DEFAULT_TCP_PORT } : port);

export function toRadioDevice(device: DeviceInfo): RadioDevice {
  return {
    nodeId: device.nodeId,
    nodeNum: device.nodeNum,
    longName: device.longName,
    shortName: device.shortName,
    firmware: device.firmware,
    hardware: device.hardware,
    region: device.region,
    preset: device.preset,
    channelIndex: device.channelIndex,
    channelUtilization: device.channelUtilization,
    airUtilTx: device.airUtilTx,
    batteryLevel: device.batteryLevel,
    voltage: device.voltage,
    position: device.position,
    sendBlockedBy: device.sendBlockedBy ? problem(device.sendBlockedBy) : undefined,
    channels: device.channels,
    otherChannelTraffic: device.otherChannelTraffic,
  };
}

export function toRadioState(state: LinkState, device: DeviceInfo | undefined, queueDepth: number): RadioState {
  const base = { queueDepth, device: device && state.status !== 'idle' ? toRadioDevice(device) : undefined };
  switch (state.status) {
    case 'idle':
      return { ...base, phase: 'disconnected' };
    case 'connecting':
      return { ...base, phase: 'connecting', port: toRadioPort(state.port), reconnectAttempt: state.attempt };
    case 'ready':
      return { ...base, phase: 'ready', port: toRadioPort(state.port) };
    case 'reconnecting':
      return { ...base, phase: 'reconnecting', port: toRadioPort(state.port), reconnectAttempt: state.attempt, error: problem(state.error) };
    case 'failed':
      return { ...base, phase: 'failed', port: toRadioPort(state.port), error: problem(state.error) };
  }
}

export const toMeshNodes = (nodes: LinkMeshNode[]): MeshNode[] =>
  nodes.map((node) => ({
    nodeId: node.nodeId,
    nodeNum: node.nodeNum,
    longName: node.longName,
    shortName: node.shortName,
    hardware: node.hardware,
    role: node.role,
    snr: node.snr,
    rssi: node.rssi,
    hopsAway: node.hopsAway,
    lastHeard: node.lastHeard,
    batteryLevel: node.batteryLevel,
    voltage: node.voltage,
    channelUtilization: node.channelUtilization,
    airUtilTx: node.airUtilTx,
    uptimeSeconds: node.uptimeSeconds,
    isFavorite: node.isFavorite,
    position: node.position,
  }));
