// The radio layer over real pseudo-terminals (socat) opened with serialport's native binding,
// against the simulator's firmware: what a USB T-Beam looks like to the app.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../electron/node/clock.ts';
import { RadioLink, type DeliveryReport } from '../../electron/node/radio/link.ts';
import { DeviceSession, type ReceivedPacket } from '../../electron/node/radio/session.ts';
import { openSerialTransport } from '../../electron/node/radio/transports/serial.ts';
import { openTcpTransport } from '../../electron/node/radio/transports/tcp.ts';
import { ScaledRealTimeScheduler, createSimMesh, exposeTcpAsPty, serveDeviceOverTcp, type DeviceTcpServer } from '../../electron/sim/index.ts';

const TIME_SCALE = 20;
const NOBODY = 65534;
const repoRoot = resolve(import.meta.dirname, '..', '..');

async function waitFor(condition: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('radio over a serial PTY against the simulator', () => {
  let dir: string;
  let scheduler: ScaledRealTimeScheduler;
  const cleanups: (() => unknown)[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pakit-radio-serial-'));
    chmodSync(dir, 0o755); // the permission test's unprivileged child must reach the PTY link
    scheduler = new ScaledRealTimeScheduler(TIME_SCALE);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    scheduler.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function deviceOnPty(name: string, nodes = 2) {
    const mesh = createSimMesh({ nodes, scheduler, preset: 'SHORT_FAST', seed: 4, announceWithinMs: 1_000, epochMs: Date.now() });
    const servers: DeviceTcpServer[] = [];
    for (const device of mesh.devices) {
      const server = await serveDeviceOverTcp(device);
      cleanups.push(() => server.close());
      servers.push(server);
    }
    const path = join(dir, name);
    let pty = await exposeTcpAsPty(servers[0]!.port, path);
    cleanups.push(() => pty.close());
    return {
      mesh,
      servers,
      path,
      unplug: () => pty.close(),
      replug: async () => {
        pty = await exposeTcpAsPty(servers[0]!.port, path);
      },
    };
  }

  function newLink() {
    const link = new RadioLink({ dataDir: dir, clock: systemClock, reconnectInitialDelayMs: 50, reconnectMaxDelayMs: 400, retryDelayMs: 200 });
    cleanups.push(() => link.disconnect());
    const deliveries: DeliveryReport[] = [];
    link.on('delivery', (report) => deliveries.push(report));
    return { link, deliveries };
  }

  it('handshakes over the PTY and builds the node list', async () => {
    const { mesh, path } = await deviceOnPty('t-beam');
    await new Promise((resolve) => setTimeout(resolve, 1_000 / TIME_SCALE + 150)); // the others announced themselves
    const { link } = newLink();
    const result = await link.connect({ kind: 'serial', path });
    expect(result).toMatchObject({ ok: true, device: { nodeNum: mesh.devices[0]!.nodeNum, transport: 'serial', address: path, firmware: '2.6.11.60ec05e' } });
    expect(link.nodes().map((node) => node.nodeNum)).toEqual([mesh.devices[1]!.nodeNum]);
  });

  it('reports an unplug, reconnects when the radio is back, and sends every queued packet once with a truthful report', async () => {
    const { mesh, servers, path, unplug, replug } = await deviceOnPty('t-beam');
    const receiver = new DeviceSession({ transport: await openTcpTransport({ host: '127.0.0.1', port: servers[1]!.port }), clock: systemClock, nextId: () => 1 + Math.floor(Math.random() * 0xfffffff0) });
    cleanups.push(() => receiver.close());
    const received: string[] = [];
    receiver.on('packet', (packet: ReceivedPacket) => received.push(new TextDecoder().decode(packet.payload)));
    await receiver.start();

    const { link, deliveries } = newLink();
    await link.connect({ kind: 'serial', path });
    const to = mesh.devices[1]!.nodeNum;
    const send = (id: string) => link.enqueue({ messageId: id, to, payload: new TextEncoder().encode(id) });
    for (let i = 0; i < 5; i += 1) send(`first-${i}`);
    await waitFor(() => deliveries.length === 5, 5_000, 'first deliveries');

    await unplug();
    await waitFor(() => link.state.status === 'reconnecting', 3_000, 'unplug noticed');
    expect(link.state).toMatchObject({ status: 'reconnecting', error: { code: 'unplugged' } });
    for (let i = 0; i < 8; i += 1) send(`queued-${i}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect(link.state).toMatchObject({ status: 'reconnecting', error: { code: 'device_not_found' } });

    await replug();
    await waitFor(() => link.state.status === 'ready', 3_000, 'reconnected');
    await waitFor(() => deliveries.length === 13, 10_000, 'queued deliveries');
    await new Promise((resolve) => setTimeout(resolve, 200)); // room for a duplicate to show up
    const expected = [...Array.from({ length: 5 }, (_, i) => `first-${i}`), ...Array.from({ length: 8 }, (_, i) => `queued-${i}`)];
    // Nothing arrives twice, and every packet has one report, which is the truth. The radio's own
    // contention is modelled: rarely, the destination's acks and the burst of queued packets collide
    // three times over, and the device gives up on a packet (MAX_RETRANSMIT) that may or may not
    // have arrived. A packet the link lost or sent twice across the unplug would show here.
    expect(new Set(received).size).toBe(received.length);
    expect(deliveries.map((report) => report.messageId).sort()).toEqual([...expected].sort());
    const unconfirmed = deliveries.filter((report) => !(report.ok && report.delivery === 'delivered'));
    for (const report of unconfirmed) expect(report).toMatchObject({ ok: false, error: { code: 'routing_error', message: expect.stringContaining('no acknowledgement') } });
    const confirmed = deliveries.filter((report) => !unconfirmed.includes(report)).map((report) => report.messageId);
    for (const id of confirmed) expect(received).toContain(id);
    for (const id of received) expect(expected).toContain(id);
    expect(unconfirmed.length).toBeLessThan(deliveries.length / 2);
  });

  it('reports port_busy when another program holds the port', async () => {
    const { path } = await deviceOnPty('busy', 1);
    const holder = await openSerialTransport(path);
    cleanups.push(() => holder.close());
    await expect(openSerialTransport(path)).rejects.toMatchObject({ code: 'port_busy', fix: expect.stringContaining('Close the other program') });
  });

  it('reports device_not_found for a port that does not exist', async () => {
    await expect(openSerialTransport(join(dir, 'ttyUSB9'))).rejects.toMatchObject({ code: 'device_not_found' });
  });

  it('reports not_meshtastic for a serial device that never answers', async () => {
    const silent = join(dir, 'silent');
    const socat: ChildProcess = spawn('socat', [`pty,raw,echo=0,link=${silent}`, `pty,raw,echo=0,link=${join(dir, 'silent-other-end')}`], { stdio: 'ignore' });
    cleanups.push(() => socat.kill());
    await waitFor(() => existsSync(silent), 3_000, 'socat PTY');
    const link = new RadioLink({ dataDir: dir, clock: systemClock, session: { handshakeTimeoutMs: 500 } });
    cleanups.push(() => link.disconnect());
    expect(await link.connect({ kind: 'serial', path: silent })).toMatchObject({ ok: false, error: { code: 'not_meshtastic' } });
  });

  it('reports permission_denied with the dialout fix (real EACCES)', async () => {
    const { path } = await deviceOnPty('locked', 1);
    chmodSync(path, 0o000);
    let outcome: { code?: string; fix?: string };
    if (process.getuid?.() !== 0) {
      outcome = await openSerialTransport(path).then(
        (transport) => (transport.close(), {}),
        (error: { code: string; fix: string }) => error,
      );
    } else {
      // Root ignores file modes, so the open runs in a child that drops to `nobody` and meets the
      // kernel's real EACCES on the chmod-000 PTY. It imports the code first, as root: a clone in a
      // private folder is not readable by `nobody`, and reading code is not what this test is about.
      const script = [
        `const { openSerialTransport } = await import(${JSON.stringify(join(repoRoot, 'electron/node/radio/transports/serial.ts'))});`,
        `process.setgid(${NOBODY}); process.setuid(${NOBODY});`,
        `try { (await openSerialTransport(${JSON.stringify(path)})).close(); console.log('{}'); }`,
        `catch (error) { console.log(JSON.stringify({ code: error.code, fix: error.fix })); }`,
      ].join('\n');
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: repoRoot, encoding: 'utf8', timeout: 10_000 });
      expect(child.status, child.stderr).toBe(0);
      outcome = JSON.parse(child.stdout.trim().split('\n').at(-1)!);
    }
    expect(outcome.code).toBe('permission_denied');
    expect(outcome.fix).toContain('sudo usermod -aG dialout $USER');
  });
});
