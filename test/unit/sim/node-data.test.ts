import { Config, Mesh, Telemetry } from '@meshtastic/protobufs';
import { describe, expect, it } from 'vitest';
import { VirtualScheduler, createSimMesh, type SimMeshOptions } from '../../../electron/sim/index.ts';
import { decodeMessage, type MeshPacketMessage } from '../../../electron/sim/messages.ts';
import {
  POSITION_BROADCAST_INTERVAL_MS,
  POSITION_FIRST_BROADCAST_MS,
  TELEMETRY_BROADCAST_INTERVAL_MS,
  TELEMETRY_FIRST_RUN_MS,
  batteryReading,
  meshPositions,
  offsetPosition,
  sharedPosition,
} from '../../../electron/sim/node-data.ts';
import { StreamClient } from './stream-client.ts';

const PORT = { position: 3, telemetry: 67 };
type PositionView = { latitudeI: number; longitudeI: number; altitude?: number; time: number; precisionBits: number };
type MetricsView = { batteryLevel: number; voltage: number; channelUtilization: number; airUtilTx: number; uptimeSeconds: number };
type NodeInfoView = { num: number; user?: { role: number }; position?: PositionView; deviceMetrics?: MetricsView };

/** Great-circle distance in metres (haversine). */
function distanceM(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const rad = Math.PI / 180;
  const h = Math.sin(((b.latitude - a.latitude) * rad) / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(((b.longitude - a.longitude) * rad) / 2) ** 2;
  return 2 * 6_371_000 * Math.asin(Math.sqrt(h));
}

const appPackets = (client: StreamClient, portnum: number, from?: number): MeshPacketMessage[] =>
  client.packets().filter((packet) => packet.payloadVariant.case === 'decoded' && packet.payloadVariant.value.portnum === portnum && (from === undefined || packet.from === from));
const payloadOf = (packet: MeshPacketMessage): Uint8Array => (packet.payloadVariant.case === 'decoded' ? packet.payloadVariant.value.payload : new Uint8Array());
const metricsOf = (packet: MeshPacketMessage): MetricsView =>
  decodeMessage<{ variant: { case: string; value: MetricsView } }>(Telemetry.TelemetrySchema, payloadOf(packet)).variant.value;

function mesh(options: Partial<SimMeshOptions> = {}) {
  const scheduler = new VirtualScheduler();
  const sim = createSimMesh({ scheduler, nodes: 2, seed: 5, announceWithinMs: 1_000, positionPrecisionBits: 32, ...options });
  const clients = sim.devices.map((device) => new StreamClient(device));
  clients.forEach((client, index) => client.wantConfig(100 + index));
  return { scheduler, sim, clients };
}

describe('simulated node data', () => {
  it('reads a draining Li-ion battery like the firmware: level in whole percent, open-circuit volts', () => {
    expect(batteryReading(undefined, 5 * 3_600_000)).toEqual({ batteryLevel: 101, voltage: 0 });
    expect(batteryReading({ percent: 100, drainPercentPerHour: 2 }, 0)).toEqual({ batteryLevel: 100, voltage: 4.19 });
    expect(batteryReading({ percent: 100, drainPercentPerHour: 2 }, 25 * 3_600_000)).toEqual({ batteryLevel: 50, voltage: 3.72 });
    expect(batteryReading({ percent: 10, drainPercentPerHour: 2 }, 10 * 3_600_000)).toEqual({ batteryLevel: 0, voltage: 3.1 });
    const later = batteryReading({ percent: 80, drainPercentPerHour: 1 }, 3 * 3_600_000);
    expect(later.batteryLevel).toBe(77);
    expect(later.voltage).toBeLessThan(batteryReading({ percent: 80, drainPercentPerHour: 1 }, 0).voltage);
  });

  it('shares a position with the channel’s precision: 32 bits exact, 13 bits the middle of a ~5 km cell', () => {
    const spot = { latitude: 46.6863, longitude: 7.8632, altitude: 570.4 };
    expect(sharedPosition(spot, 32)).toEqual({ latitudeI: 466_863_000, longitudeI: 78_632_000, altitude: 570, precisionBits: 32 });
    const coarse = sharedPosition(spot, 13);
    const cell = 2 ** 19; // units kept per step at 13 bits
    expect(coarse.latitudeI % cell).toBe(cell / 2);
    expect(Math.abs(coarse.latitudeI - 466_863_000)).toBeLessThanOrEqual(cell / 2);
    expect(Math.abs(coarse.longitudeI - 78_632_000)).toBeLessThanOrEqual(cell / 2);
  });

  it('places radios to match the topology: a line 4 km apart, each only near its neighbours', () => {
    const line = meshPositions(4, 'line');
    for (let i = 1; i < line.length; i += 1) expect(distanceM(line[i - 1]!, line[i]!)).toBeCloseTo(4_000, -1);
    expect(distanceM(line[0]!, line[3]!)).toBeCloseTo(12_000, -2);
    const star = meshPositions(5, 'star');
    for (const leaf of star.slice(1)) expect(distanceM(star[0]!, leaf)).toBeCloseTo(4_000, -1);
    for (const place of meshPositions(6, 'full').slice(1)) expect(distanceM(place, meshPositions(1, 'full')[0]!)).toBeLessThan(2_100);
    expect(distanceM({ latitude: 0, longitude: 0 }, offsetPosition({ latitude: 0, longitude: 0 }, 1_000, 90))).toBeCloseTo(1_000, 0);
  });

  it('broadcasts Position 45 s after switch-on and every 15 min, DeviceMetrics at 60 s and hourly, with a copy to its own client', () => {
    const { scheduler, sim, clients } = mesh({ switchedOnAtMs: (index) => index * 10_000 });
    const [a, b] = sim.devices;
    const heardAtB = (portnum: number) => appPackets(clients[1]!, portnum, a!.nodeNum);
    scheduler.advanceBy(POSITION_FIRST_BROADCAST_MS - 1);
    expect(heardAtB(PORT.position)).toHaveLength(0);
    scheduler.advanceBy(5_000);
    const [position] = heardAtB(PORT.position);
    const fix = decodeMessage<PositionView>(Mesh.PositionSchema, payloadOf(position!));
    expect(fix.latitudeI / 1e7).toBeCloseTo(a!.position!.latitude, 6);
    expect(fix.longitudeI / 1e7).toBeCloseTo(a!.position!.longitude, 6);
    expect(fix).toMatchObject({ precisionBits: 32, altitude: Math.round(a!.position!.altitude!) });
    expect(fix.time).toBeGreaterThan(0);
    expect(position!.rxRssi).toBeLessThan(0);
    expect(appPackets(clients[0]!, PORT.position, a!.nodeNum)).toHaveLength(1); // ccToPhone

    scheduler.advanceBy(TELEMETRY_FIRST_RUN_MS - POSITION_FIRST_BROADCAST_MS + 5_000);
    expect(heardAtB(PORT.telemetry)).toHaveLength(1);
    const metrics = metricsOf(heardAtB(PORT.telemetry)[0]!);
    expect(metrics.batteryLevel).toBe(101); // the first radio of a mesh is on external power
    expect(metrics.uptimeSeconds).toBe(60);
    expect(metrics.airUtilTx).toBeGreaterThan(0);

    // B switched on 10 s later: its first position 10 s after A's; it runs on a battery.
    expect(appPackets(clients[0]!, PORT.position, b!.nodeNum)).toHaveLength(1);
    scheduler.advanceBy(10_000);
    const bMetrics = metricsOf(appPackets(clients[0]!, PORT.telemetry, b!.nodeNum)[0]!);
    expect(bMetrics.batteryLevel).toBeLessThanOrEqual(100);
    expect(bMetrics.voltage).toBeGreaterThan(3.1);

    scheduler.advanceBy(POSITION_BROADCAST_INTERVAL_MS);
    expect(heardAtB(PORT.position)).toHaveLength(2);
    expect(heardAtB(PORT.telemetry)).toHaveLength(1); // not yet an hour
    scheduler.advanceBy(TELEMETRY_BROADCAST_INTERVAL_MS - POSITION_BROADCAST_INTERVAL_MS);
    expect(heardAtB(PORT.position)).toHaveLength(5);
    expect(heardAtB(PORT.telemetry)).toHaveLength(2);
    // Between broadcasts, the client hears its own device's metrics every minute, never sent on air.
    expect(appPackets(clients[0]!, PORT.telemetry, a!.nodeNum).length).toBeGreaterThan(55);

    // Hours later, B's battery is lower.
    scheduler.advanceBy(4 * TELEMETRY_BROADCAST_INTERVAL_MS);
    const drained = metricsOf(appPackets(clients[0]!, PORT.telemetry, b!.nodeNum).at(-1)!);
    expect(drained.batteryLevel).toBeLessThan(bMetrics.batteryLevel);
    expect(drained.voltage).toBeLessThan(bMetrics.voltage);
  });

  it('gives a new client the positions, metrics and roles it heard, in the node list of the handshake', () => {
    const { scheduler, sim } = mesh({ role: (index) => (index === 1 ? 'CLIENT_MUTE' : 'CLIENT') });
    scheduler.advanceBy(2 * 60_000);
    const late = new StreamClient(sim.devices[0]!);
    late.wantConfig(7);
    const infos = late.received.flatMap((message) => (message.payloadVariant.case === 'nodeInfo' ? [message.payloadVariant.value as NodeInfoView] : []));
    const [own, other] = infos;
    expect(own!.position!.latitudeI / 1e7).toBeCloseTo(sim.devices[0]!.position!.latitude, 6);
    expect(own!.deviceMetrics!.batteryLevel).toBe(101);
    expect(other!.num).toBe(sim.devices[1]!.nodeNum);
    expect(other!.user!.role).toBe(Config.Config_DeviceConfig_Role.CLIENT_MUTE);
    expect(other!.position!.longitudeI / 1e7).toBeCloseTo(sim.devices[1]!.position!.longitude, 6);
    expect(other!.position!.precisionBits ?? 0).toBe(0); // the node list keeps no precision (PositionLite)
    expect(other!.deviceMetrics!.voltage).toBeGreaterThan(3);
  });

  it('keeps a quiet device off the air: no NodeInfo, Position or telemetry, its client still told its metrics', () => {
    const { scheduler, sim, clients } = mesh({ announceWithinMs: false });
    scheduler.advanceBy(2 * TELEMETRY_BROADCAST_INTERVAL_MS);
    expect(sim.medium.stats.transmissions).toBe(0);
    expect(appPackets(clients[0]!, PORT.telemetry, sim.devices[0]!.nodeNum).length).toBeGreaterThan(100);
  });

  it('a CLIENT_MUTE radio in the middle of a line never rebroadcasts, so the ends stay strangers', () => {
    const run = (middle: 'CLIENT' | 'CLIENT_MUTE') => {
      const { scheduler, sim } = mesh({ nodes: 3, topology: 'line', role: (index) => (index === 1 ? middle : 'CLIENT'), switchedOnAtMs: (index) => index * 3_000 });
      scheduler.advanceBy(20_000);
      return sim.devices[0]!.knownNodes().length;
    };
    expect(run('CLIENT')).toBe(2);
    expect(run('CLIENT_MUTE')).toBe(1);
  });
});
