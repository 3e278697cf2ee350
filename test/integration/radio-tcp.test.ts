// The radio layer against the simulator's firmware served on real TCP sockets (like port 4403).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../electron/node/clock.ts';
import { RadioLink, type DeliveryReport, type LinkState } from '../../electron/node/radio/link.ts';
import { DeviceSession, type ReceivedPacket } from '../../electron/node/radio/session.ts';
import { openTcpTransport } from '../../electron/node/radio/transports/tcp.ts';
import {
  RadioMedium,
  ScaledRealTimeScheduler,
  SimDevice,
  createSimMesh,
  seededRandom,
  serveDeviceOverTcp,
  type DeviceTcpServer,
  type MeshAirFrame,
} from '../../electron/sim/index.ts';
import { MODEM_PRESETS } from '../../electron/node/radio/index.ts';

/** Radio time runs 20x faster than the wall clock, so acks and relays take milliseconds. */
const TIME_SCALE = 20;

async function waitFor(condition: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('radio over TCP against the simulator', () => {
  let dataDir: string;
  let scheduler: ScaledRealTimeScheduler;
  const cleanups: (() => unknown)[] = [];

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pakit-radio-tcp-'));
    scheduler = new ScaledRealTimeScheduler(TIME_SCALE);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    scheduler.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function serve(device: SimDevice, port?: number): Promise<DeviceTcpServer> {
    const server = await serveDeviceOverTcp(device, port === undefined ? {} : { port });
    cleanups.push(() => server.close());
    return server;
  }

  function newLink(): { link: RadioLink; states: LinkState[]; deliveries: DeliveryReport[] } {
    const link = new RadioLink({ dataDir, clock: systemClock, reconnectInitialDelayMs: 50, reconnectMaxDelayMs: 400, retryDelayMs: 200 });
    cleanups.push(() => link.disconnect());
    const states: LinkState[] = [];
    const deliveries: DeliveryReport[] = [];
    link.on('state', (state) => states.push(state));
    link.on('delivery', (report) => deliveries.push(report));
    return { link, states, deliveries };
  }

  /** A plain session on device B that records every PRIVATE_APP payload it receives. */
  async function receiverOn(server: DeviceTcpServer): Promise<string[]> {
    const session = new DeviceSession({ transport: await openTcpTransport({ host: server.host, port: server.port }), clock: systemClock, nextId: () => 1 + Math.floor(Math.random() * 0xfffffff0) });
    cleanups.push(() => session.close());
    const received: string[] = [];
    session.on('packet', (packet: ReceivedPacket) => received.push(new TextDecoder().decode(packet.payload)));
    expect(await session.start()).toMatchObject({ ok: true });
    return received;
  }

  it('handshakes and builds the node list', async () => {
    const mesh = createSimMesh({ nodes: 3, scheduler, preset: 'SHORT_FAST', seed: 5, announceWithinMs: 2_000, epochMs: Date.now() });
    await new Promise((resolve) => setTimeout(resolve, 2_000 / TIME_SCALE + 150)); // every device announced itself
    const server = await serve(mesh.devices[0]!);
    const { link } = newLink();
    const logs: string[] = [];
    link.on('log', (line) => logs.push(line.message));
    const result = await link.connect({ kind: 'tcp', host: server.host, port: server.port });
    expect(result).toMatchObject({
      ok: true,
      device: { nodeNum: mesh.devices[0]!.nodeNum, longName: 'Sim node 1', firmware: '2.6.11.60ec05e', region: 'EU_868', preset: 'SHORT_FAST', transport: 'tcp' },
    });
    expect(link.nodes().map((node) => node.nodeNum).sort()).toEqual([mesh.devices[1]!.nodeNum, mesh.devices[2]!.nodeNum].sort());
    expect(link.nodes().map((node) => node.longName).sort()).toEqual(['Sim node 2', 'Sim node 3']);
    // The boot log printed between frames arrives as log lines, colour codes removed.
    expect(logs).toContain('INFO  | 00:00:01 1 [Main] Meshtastic firmware 2.6.11.60ec05e (simulated)');
  });

  it('fails plainly when nothing listens on the port', async () => {
    const server = await serveDeviceOverTcp(createSimMesh({ nodes: 1, scheduler, announceWithinMs: false }).devices[0]!);
    const port = server.port;
    await server.close();
    const { link } = newLink();
    expect(await link.connect({ kind: 'tcp', host: '127.0.0.1', port })).toMatchObject({ ok: false, error: { code: 'device_not_found' } });
  });

  it('refuses firmware older than 2.3.0', async () => {
    const random = seededRandom(3);
    const medium = new RadioMedium<MeshAirFrame>({ scheduler, random, modem: MODEM_PRESETS.LONG_FAST });
    const old = new SimDevice({ nodeNum: 0x2222, medium, scheduler, random, firmwareVersion: '2.2.24.9f2d2b5', announceWithinMs: false });
    const server = await serve(old);
    const { link } = newLink();
    const result = await link.connect({ kind: 'tcp', host: server.host, port: server.port });
    expect(result).toMatchObject({ ok: false, error: { code: 'firmware_too_old' } });
    expect(result.ok === false && result.error.message).toContain('2.2.24.9f2d2b5');
    expect(link.state).toMatchObject({ status: 'failed' });
  });

  it('refuses an oversize payload in the link, before anything is sent', async () => {
    const mesh = createSimMesh({ nodes: 2, scheduler, preset: 'SHORT_FAST', announceWithinMs: false });
    const [serverA, serverB] = [await serve(mesh.devices[0]!), await serve(mesh.devices[1]!)];
    const received = await receiverOn(serverB);
    const { link, deliveries } = newLink();
    await link.connect({ kind: 'tcp', host: serverA.host, port: serverA.port });
    const result = link.enqueue({ messageId: 'too-big', to: mesh.devices[1]!.nodeNum, payload: new Uint8Array(232) });
    expect(result).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
    expect(result.ok === false && result.error.toContractError()).toMatchObject({ code: 'invalid_input' });
    expect(mesh.devices[0]!.txQueueLength).toBe(0);
    link.enqueue({ messageId: 'fits', to: mesh.devices[1]!.nodeNum, payload: new TextEncoder().encode('fits') });
    await waitFor(() => deliveries.length === 1, 5_000, 'delivery');
    expect(received).toEqual(['fits']);
  });

  it('survives an unplug: reconnects to the same device and delivers every queued packet exactly once', async () => {
    const mesh = createSimMesh({ nodes: 2, scheduler, preset: 'SHORT_FAST', seed: 9, announceWithinMs: false });
    const serverA = await serve(mesh.devices[0]!);
    const received = await receiverOn(await serve(mesh.devices[1]!));
    const { link, states, deliveries } = newLink();
    await link.connect({ kind: 'tcp', host: serverA.host, port: serverA.port });
    const to = mesh.devices[1]!.nodeNum;
    const send = (id: string) => expect(link.enqueue({ messageId: id, to, payload: new TextEncoder().encode(id), wantAck: false })).toMatchObject({ ok: true });

    for (let i = 0; i < 20; i += 1) send(`before-${i}`);
    // The device goes away (cable pulled: the socket resets and nobody listens for a while).
    const port = serverA.port;
    await serverA.close();
    await waitFor(() => link.state.status === 'reconnecting', 2_000, 'reconnecting');
    for (let i = 0; i < 10; i += 1) send(`during-${i}`);
    send('during-3'); // the caller repeats itself: still sent once
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(states.filter((state) => state.status === 'reconnecting').length).toBeGreaterThan(1); // it kept trying
    expect(link.outbox().length).toBeGreaterThanOrEqual(10);

    await serve(mesh.devices[0]!, port); // plugged back in
    await waitFor(() => link.state.status === 'ready', 3_000, 'ready again');
    const expected = [...Array.from({ length: 20 }, (_, i) => `before-${i}`), ...Array.from({ length: 10 }, (_, i) => `during-${i}`)];
    await waitFor(() => received.length >= expected.length && link.outbox().length === 0, 10_000, 'all packets');
    await new Promise((resolve) => setTimeout(resolve, 200)); // room for a duplicate to show up
    expect([...received].sort()).toEqual(expected.sort());
    expect(deliveries.filter((report) => report.ok)).toHaveLength(expected.length);
    expect(link.device?.nodeNum).toBe(mesh.devices[0]!.nodeNum);
  });
});
