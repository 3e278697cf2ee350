// What the session learns about nodes: NodeInfo in the handshake, Position, DeviceMetrics
// telemetry and the signal of each packet, from a scripted device and from the simulator.
import { create, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { Config, Mesh, Telemetry } from '@meshtastic/protobufs';
import { describe, expect, it } from 'vitest';
import { BROADCAST_NODE, DeviceSession, type DeviceInfo, type MeshNode } from '../../../electron/node/radio/session.ts';
import { VirtualScheduler, createSimMesh } from '../../../electron/sim/index.ts';
import { ScriptedRadio, plugIntoSim, virtualClock } from './radio-fakes.ts';

const msg = (schema: unknown, init: object): object => create(schema as DescMessage, init as never);
const encode = (schema: unknown, init: object): Uint8Array => toBinary(schema as DescMessage, msg(schema, init) as never);
const PORT = { position: 3, nodeInfo: 4, telemetry: 67 };
const OWN = 0xabc;

/** A scripted device whose handshake also carries `extra` frames before config_complete_id. */
async function readySession(extra: (radio: ScriptedRadio) => void = () => {}) {
  const scheduler = new VirtualScheduler();
  const radio = new ScriptedRadio();
  let id = 1;
  const device = new DeviceSession({ transport: radio, clock: virtualClock(scheduler), nextId: () => id++ });
  const started = device.start();
  radio.handshake({ complete: 1 }); // a stale nonce: the handshake goes on
  extra(radio);
  radio.fromRadio({ case: 'configCompleteId', value: radio.nonce() });
  const result = await started;
  if (!result.ok) throw result.error;
  const nodes: MeshNode[] = [];
  const devices: DeviceInfo[] = [];
  device.on('node', (node) => nodes.push(node));
  device.on('device', (info) => devices.push(info));
  return { radio, session: device, nodes, devices };
}

const positionPayload = (fields: object) => encode(Mesh.PositionSchema, fields);
const metricsPayload = (fields: object) =>
  encode(Telemetry.TelemetrySchema, { time: 1_700_000_000, variant: { case: 'deviceMetrics', value: msg(Telemetry.DeviceMetricsSchema, fields) } });

describe('DeviceSession node data', () => {
  it('takes position, metrics, role and favourite from the handshake’s NodeInfo, and the own position into the device', async () => {
    const { session } = await readySession((radio) => {
      radio.fromRadio({
        case: 'nodeInfo',
        value: msg(Mesh.NodeInfoSchema, {
          num: OWN,
          user: msg(Mesh.UserSchema, { longName: 'Base camp', shortName: 'BC', role: Config.Config_DeviceConfig_Role.CLIENT }),
          position: msg(Mesh.PositionSchema, { latitudeI: 466_863_000, longitudeI: 78_632_000, altitude: 570, time: 1_700_000_000 }),
          deviceMetrics: msg(Telemetry.DeviceMetricsSchema, { batteryLevel: 87, voltage: 4.01 }),
        }),
      });
      radio.fromRadio({
        case: 'nodeInfo',
        value: msg(Mesh.NodeInfoSchema, {
          num: 0x77,
          user: msg(Mesh.UserSchema, { longName: 'Ridge', shortName: 'RG', hwModel: Mesh.HardwareModel.TBEAM, role: Config.Config_DeviceConfig_Role.ROUTER }),
          position: msg(Mesh.PositionSchema, { latitudeI: -338_688_000, longitudeI: 1_512_093_000, time: 1_700_000_100 }),
          deviceMetrics: msg(Telemetry.DeviceMetricsSchema, { batteryLevel: 101, voltage: 0, channelUtilization: 7.5, airUtilTx: 0.8, uptimeSeconds: 3600 }),
          snr: 6.25,
          lastHeard: 1_700_000_200,
          hopsAway: 2,
          isFavorite: true,
        }),
      });
    });
    expect(session.nodes()).toEqual([
      expect.objectContaining({
        nodeNum: 0x77,
        role: 'ROUTER',
        hardware: 'TBEAM',
        isFavorite: true,
        batteryLevel: 101,
        voltage: 0,
        channelUtilization: 7.5,
        airUtilTx: expect.closeTo(0.8, 5),
        uptimeSeconds: 3600,
        snr: 6.25,
        lastHeard: 1_700_000_200_000,
        hopsAway: 2,
        rssi: undefined, // the node list keeps no RSSI
        position: { latitude: expect.closeTo(-33.8688, 7), longitude: expect.closeTo(151.2093, 7), time: 1_700_000_100_000 },
      }),
    ]);
    expect(session.device).toMatchObject({
      batteryLevel: 87,
      voltage: expect.closeTo(4.01, 5),
      position: { latitude: expect.closeTo(46.6863, 7), longitude: expect.closeTo(7.8632, 7), altitude: 570, time: 1_700_000_000_000 },
    });
  });

  it('updates a node from Position and DeviceMetrics packets and remembers the RSSI of the last packet heard', async () => {
    const { radio, nodes, session } = await readySession();
    radio.meshPacket({ from: 0x77, to: BROADCAST_NODE, portnum: PORT.position, rxSnr: 3.5, rxRssi: -104, payload: positionPayload({ latitudeI: 466_900_000, longitudeI: 78_700_000, altitude: 812, time: 1_700_000_000, precisionBits: 13 }) });
    expect(nodes.at(-1)).toMatchObject({ nodeNum: 0x77, snr: 3.5, rssi: -104, position: { latitude: expect.closeTo(46.69, 7), longitude: expect.closeTo(7.87, 7), altitude: 812, time: 1_700_000_000_000, precisionBits: 13 } });
    radio.meshPacket({ from: 0x77, to: BROADCAST_NODE, portnum: PORT.telemetry, rxRssi: -98, payload: metricsPayload({ batteryLevel: 64, voltage: 3.81, channelUtilization: 12.5, airUtilTx: 1.25, uptimeSeconds: 7200 }) });
    expect(nodes.at(-1)).toMatchObject({ rssi: -98, batteryLevel: 64, voltage: expect.closeTo(3.81, 5), channelUtilization: 12.5, airUtilTx: 1.25, uptimeSeconds: 7200 });
    // A report that leaves a field out keeps its last value.
    radio.meshPacket({ from: 0x77, to: BROADCAST_NODE, portnum: PORT.telemetry, payload: metricsPayload({ batteryLevel: 63 }) });
    expect(nodes.at(-1)).toMatchObject({ batteryLevel: 63, voltage: expect.closeTo(3.81, 5), uptimeSeconds: 7200, rssi: -98 });
    const user = encode(Mesh.UserSchema, { longName: 'Ridge', shortName: 'RG', role: Config.Config_DeviceConfig_Role.CLIENT_MUTE });
    radio.meshPacket({ from: 0x77, to: BROADCAST_NODE, portnum: PORT.nodeInfo, payload: user });
    expect(session.nodes()[0]).toMatchObject({ role: 'CLIENT_MUTE', longName: 'Ridge' });
  });

  it('leaves a node as it was for a malformed, empty or impossible position', async () => {
    const { radio, session } = await readySession();
    const good = positionPayload({ latitudeI: 466_900_000, longitudeI: 78_700_000 });
    radio.meshPacket({ from: 0x77, to: BROADCAST_NODE, portnum: PORT.position, payload: good });
    const before = session.nodes()[0]!.position;
    expect(before).toEqual({ latitude: expect.closeTo(46.69, 7), longitude: expect.closeTo(7.87, 7) });
    for (const payload of [
      Uint8Array.of(0x0d, 0x01), // truncated fixed32 field: fails to decode
      positionPayload({ latitudeI: 0, longitudeI: 0, time: 5 }), // the firmware's "no fix"
      positionPayload({ time: 1_700_000_000 }), // no coordinates at all
      positionPayload({ latitudeI: 950_000_000, longitudeI: 10 }), // 95° north
    ]) {
      radio.meshPacket({ from: 0x77, to: BROADCAST_NODE, portnum: PORT.position, payload });
      expect(session.nodes()[0]!.position).toEqual(before);
    }
    radio.meshPacket({ from: 0x77, to: BROADCAST_NODE, portnum: PORT.telemetry, payload: Uint8Array.of(0x12, 0x05, 0x08) });
    expect(session.nodes()[0]!.batteryLevel).toBeUndefined();
    expect(session.state).toBe('ready');
  });

  it('takes its own radio’s position and voltage from the device’s copies of its own broadcasts', async () => {
    const { radio, devices, session } = await readySession();
    radio.meshPacket({ from: OWN, to: BROADCAST_NODE, portnum: PORT.position, payload: positionPayload({ latitudeI: 466_863_000, longitudeI: 78_632_000, altitude: 570 }) });
    radio.meshPacket({ from: OWN, to: BROADCAST_NODE, portnum: PORT.telemetry, payload: metricsPayload({ batteryLevel: 55, voltage: 3.76 }) });
    expect(devices.at(-1)).toMatchObject({ batteryLevel: 55, voltage: expect.closeTo(3.76, 5), position: { latitude: expect.closeTo(46.6863, 7), altitude: 570 } });
    expect(session.nodes()).toEqual([]);
  });
});

describe('DeviceSession node data from the simulated firmware', () => {
  it('fills every node field from what simulated radios broadcast', async () => {
    const scheduler = new VirtualScheduler();
    const mesh = createSimMesh({ scheduler, nodes: 3, seed: 4, topology: 'line', announceWithinMs: 500, switchedOnAtMs: (index) => (2 - index) * 3_000, positionPrecisionBits: 32, role: (index) => (index === 2 ? 'CLIENT_MUTE' : 'CLIENT') });
    scheduler.advanceBy(10_000); // all have announced
    const clock = virtualClock(scheduler);
    let id = 1;
    const device = new DeviceSession({ transport: plugIntoSim(mesh.devices[0]!).transport, clock, nextId: () => id++ });
    const result = await device.start();
    if (!result.ok) throw result.error;
    expect(result.device.position?.latitude).toBeCloseTo(mesh.devices[0]!.position!.latitude, 6);
    expect(result.device.batteryLevel).toBe(101);
    scheduler.advanceBy(2 * 60_000); // positions at 45 s, telemetry at 60 s after switch-on
    const nodes = new Map(device.nodes().map((node) => [node.nodeNum, node]));
    for (const [index, sim] of mesh.devices.entries()) {
      if (index === 0) continue;
      const node = nodes.get(sim.nodeNum)!;
      expect(node).toMatchObject({ longName: `Sim node ${index + 1}`, role: index === 2 ? 'CLIENT_MUTE' : 'CLIENT', hopsAway: index - 1, hardware: 'PORTDUINO' });
      expect(node.snr).toEqual(expect.any(Number));
      expect(node.rssi).toBeLessThan(0);
      expect(node.batteryLevel).toBeLessThanOrEqual(100);
      expect(node.voltage).toBeGreaterThan(3.1);
      expect(node.uptimeSeconds).toBeGreaterThanOrEqual(60);
      expect(node.channelUtilization).toBeGreaterThan(0);
      expect(node.position?.latitude).toBeCloseTo(sim.position!.latitude, 6);
      expect(node.position?.longitude).toBeCloseTo(sim.position!.longitude, 6);
      expect(node.position?.precisionBits).toBe(32);
    }
    expect(device.device?.channelUtilization).toBeGreaterThan(0);
  });
});
