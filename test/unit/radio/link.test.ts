import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { radioErrors } from '../../../electron/node/radio/errors.ts';
import { RadioLink, type DeliveryReport, type LinkState, type PortDescriptor } from '../../../electron/node/radio/link.ts';
import { DeviceSession, type ReceivedPacket, type RoutingReport, type TextMessage } from '../../../electron/node/radio/session.ts';
import type { SimDevice } from '../../../electron/sim/index.ts';
import { plugIntoSim, simMesh } from './radio-fakes.ts';

const PORT: PortDescriptor = { kind: 'serial', path: '/dev/serial/by-id/usb-sim-if00' };
/** Lets the link's awaits (open, handshake) run after virtual time moved. */
const settle = () => new Promise((resolve) => setImmediate(resolve));
const payloadOf = (messageId: string) => new TextEncoder().encode(messageId);

/** Device A carries our link; device B has a plain session that counts what arrives. */
function bench(deviceOptions: Parameters<typeof simMesh>[0] = [{}, {}]) {
  const mesh = simMesh(deviceOptions);
  const [a, b] = mesh.devices as [SimDevice, SimDevice];
  let plugged = true;
  let opened = 0;
  const openTransport = async () => {
    if (!plugged) throw radioErrors.deviceNotFound(PORT.kind === 'serial' ? PORT.path : '');
    opened += 1;
    return plugIntoSim(a).transport;
  };
  const received: string[] = [];
  const receiver = b && new DeviceSession({ transport: plugIntoSim(b).transport, clock: mesh.clock, nextId: () => 1 + Math.floor(Math.random() * 1e9) });
  receiver?.on('packet', (packet: ReceivedPacket) => received.push(new TextDecoder().decode(packet.payload)));
  const texts: TextMessage[] = [];
  receiver?.on('text', (text) => texts.push(text));
  return {
    ...mesh,
    a,
    b,
    openTransport,
    received,
    texts,
    receiver,
    receiverReady: receiver?.start(),
    opened: () => opened,
    unplug: () => {
      plugged = false;
      a.dropClient();
    },
    replug: () => {
      plugged = true;
    },
  };
}

describe('RadioLink', () => {
  let dataDir: string;
  let ids: number;
  const nextId = () => (ids += 1);

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'pakit-link-'));
    ids = 100;
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  function link(setup: ReturnType<typeof bench>, extra: Partial<ConstructorParameters<typeof RadioLink>[0]> = {}) {
    const radio = new RadioLink({ dataDir, clock: setup.clock, openTransport: setup.openTransport, nextId, retryDelayMs: 5_000, ...extra });
    const states: LinkState[] = [];
    const deliveries: DeliveryReport[] = [];
    radio.on('state', (state) => states.push(state));
    radio.on('delivery', (report) => deliveries.push(report));
    return { radio, states, deliveries };
  }

  it('connects, reports device and nodes, and remembers the device for the next start', async () => {
    const setup = bench();
    await setup.receiverReady;
    const { radio, states } = link(setup);
    const devices: unknown[] = [];
    radio.on('device', (device) => devices.push(device));
    const result = await radio.connect(PORT);
    expect(result).toMatchObject({ ok: true, device: { nodeNum: setup.a.nodeNum } });
    expect(states.map((state) => state.status)).toEqual(['connecting', 'ready']);
    expect(devices).toHaveLength(1);
    expect(radio.lastDevice()).toEqual(PORT);
    radio.disconnect();
    expect(radio.state).toEqual({ status: 'idle' });

    const again = link(setup).radio;
    expect(await again.resume()).toMatchObject({ ok: true });
    again.disconnect();
  });

  it('at start keeps trying the last device until it answers, and notices a different radio there', async () => {
    const setup = bench();
    let device: SimDevice | undefined;
    const opener = async () => {
      if (!device) throw radioErrors.deviceNotFound('/dev/ttyUSB0');
      return plugIntoSim(device).transport;
    };
    device = setup.a;
    await link(setup, { openTransport: opener }).radio.connect(PORT); // remembered from an earlier run
    device = undefined;

    const { radio, states } = link(setup, { openTransport: opener });
    const logs: string[] = [];
    radio.on('log', (line) => line.source === 'radio' && logs.push(line.message));
    expect(await radio.resume()).toMatchObject({ ok: false, error: { code: 'device_not_found' } });
    expect(radio.state).toMatchObject({ status: 'reconnecting', retryInMs: 2_000 });
    device = setup.b; // someone plugged another radio into the same port
    setup.scheduler.advanceBy(2_000);
    await settle();
    expect(radio.state).toEqual({ status: 'ready', port: PORT });
    expect(states.map((state) => state.status)).toEqual(['connecting', 'reconnecting', 'connecting', 'ready']);
    expect(logs).toEqual([]); // this link never saw another radio
    setup.b.dropClient();
    device = setup.a;
    setup.scheduler.advanceBy(1_000);
    await settle();
    expect(radio.device?.nodeNum).toBe(setup.a.nodeNum);
    expect(logs.at(-1)).toContain('A different radio (!00001000) now answers');
    radio.disconnect();
  });

  it('refuses an oversize payload before it reaches the outbox or the radio', async () => {
    const setup = bench();
    const { radio } = link(setup);
    await radio.connect(PORT);
    const result = radio.enqueue({ messageId: 'big', to: setup.b.nodeNum, payload: new Uint8Array(232) });
    expect(result).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
    expect(radio.outbox()).toEqual([]);
    expect(radio.enqueue({ messageId: 'max', to: setup.b.nodeNum, payload: new Uint8Array(231) })).toEqual({ ok: true, duplicate: false });
    radio.disconnect();
  });

  it('keeps the outbox across an app restart and sends it once connected', async () => {
    const setup = bench();
    await setup.receiverReady;
    const before = link(setup).radio;
    for (const id of ['m1', 'm2', 'm3']) before.enqueue({ messageId: id, to: setup.b.nodeNum, payload: payloadOf(id) });
    expect(JSON.parse(readFileSync(join(dataDir, 'radio-outbox.json'), 'utf8')).entries).toHaveLength(3);

    const { radio, deliveries } = link(setup); // the app restarted
    expect(radio.outbox().map((packet) => packet.messageId)).toEqual(['m1', 'm2', 'm3']);
    await radio.connect(PORT);
    setup.scheduler.advanceBy(30_000);
    await settle();
    expect(setup.received.sort()).toEqual(['m1', 'm2', 'm3']);
    // Acks come back in the order the channel allows (a collision can delay one), not the send order.
    expect(deliveries.map((report) => [report.messageId, report.ok && report.delivery]).sort()).toEqual([
      ['m1', 'delivered'],
      ['m2', 'delivered'],
      ['m3', 'delivered'],
    ]);
    expect(radio.outbox()).toEqual([]);
    // A message id the radio already has is not sent again, even when queued after a restart.
    expect(link(setup).radio.enqueue({ messageId: 'm2', to: setup.b.nodeNum, payload: payloadOf('m2') })).toEqual({ ok: true, duplicate: true });
    radio.disconnect();
  });

  it('sends a packet on the port and channel it names (kept across a restart), and reports when the radio took it and every ack', async () => {
    const setup = bench();
    await setup.receiverReady;
    const text = new TextEncoder().encode('hello from a stock-app port');
    link(setup).radio.enqueue({ messageId: 'chat-1', to: setup.b.nodeNum, payload: text, portnum: 1, channel: 0 });
    expect(JSON.parse(readFileSync(join(dataDir, 'radio-outbox.json'), 'utf8')).entries[0]).toMatchObject({ messageId: 'chat-1', portnum: 1, channel: 0 });

    const { radio, deliveries } = link(setup); // restarted: the port and channel come from the file
    const accepted: { messageId: string; packetId: number }[] = [];
    const routing: RoutingReport[] = [];
    radio.on('accepted', (report) => accepted.push(report));
    radio.on('routing', (report) => routing.push(report));
    await radio.connect(PORT);
    setup.scheduler.advanceBy(30_000);
    await settle();
    expect(setup.texts.map((received) => [received.text, received.channel, received.to])).toEqual([['hello from a stock-app port', 0, setup.b.nodeNum]]);
    expect(setup.received).toEqual([]); // not on PRIVATE_APP
    expect(accepted).toEqual([{ messageId: 'chat-1', packetId: expect.any(Number) }]);
    expect(deliveries).toEqual([{ messageId: 'chat-1', ok: true, delivery: 'delivered', packetId: accepted[0]!.packetId }]);
    expect(routing).toContainEqual({ requestId: accepted[0]!.packetId, from: setup.b.nodeNum, error: undefined });
    radio.disconnect();
  });

  it('refuses a packet for a channel the device has not enabled', async () => {
    const setup = bench();
    await setup.receiverReady;
    const result = await setup.receiver!.send({ to: setup.a.nodeNum, payload: new Uint8Array(4), channel: 2 });
    expect(result).toMatchObject({ ok: false, accepted: false, error: { code: 'channel_missing', message: expect.stringContaining('Channel 2') } });
    expect(setup.receiver!.channels()).toEqual([{ index: 0, role: 'PRIMARY', name: '', encryption: 'default' }]);
  });

  it('after an unplug reconnects with growing backoff and delivers every queued packet exactly once', async () => {
    const setup = bench();
    await setup.receiverReady;
    const { radio, states } = link(setup);
    await radio.connect(PORT);
    for (let i = 0; i < 30; i += 1) radio.enqueue({ messageId: `before-${i}`, to: setup.b.nodeNum, payload: payloadOf(`before-${i}`), wantAck: false });
    setup.scheduler.advanceBy(300); // some are on the device, most still in our outbox
    await settle();
    const handedOverBeforeUnplug = 30 - radio.outbox().length;
    expect(handedOverBeforeUnplug).toBeGreaterThan(0);
    expect(radio.outbox().length).toBeGreaterThan(0);

    setup.unplug();
    await settle();
    expect(radio.state).toMatchObject({ status: 'reconnecting', attempt: 1, retryInMs: 1_000, error: { code: 'unplugged' } });
    for (let i = 0; i < 5; i += 1) radio.enqueue({ messageId: `during-${i}`, to: setup.b.nodeNum, payload: payloadOf(`during-${i}`), wantAck: false });
    // Still unplugged: each failed attempt doubles the wait.
    for (let i = 0; i < 3; i += 1) {
      setup.scheduler.advanceBy((radio.state as { retryInMs: number }).retryInMs);
      await settle();
    }
    expect(radio.state).toMatchObject({ status: 'reconnecting', retryInMs: 8_000, error: { code: 'device_not_found' } });
    expect(radio.enqueue({ messageId: 'during-0', to: setup.b.nodeNum, payload: payloadOf('during-0') })).toEqual({ ok: true, duplicate: true });

    setup.replug();
    setup.scheduler.advanceBy(8_000);
    await settle();
    expect(radio.state).toEqual({ status: 'ready', port: PORT });
    for (let i = 0; i < 20; i += 1) {
      setup.scheduler.advanceBy(5_000);
      await settle();
    }
    const expected = [...Array.from({ length: 30 }, (_, i) => `before-${i}`), ...Array.from({ length: 5 }, (_, i) => `during-${i}`)];
    expect([...setup.received].sort()).toEqual(expected.sort()); // each once: no duplicates, none lost
    expect(radio.outbox()).toEqual([]);
    expect(states.filter((state) => state.status === 'ready')).toHaveLength(2);
    radio.disconnect();
  });

  it('reports an explicit connect that fails and does not retry it', async () => {
    const setup = bench([{ firmwareVersion: '2.1.0.aaaaaaa' }]);
    const { radio } = link(setup);
    const result = await radio.connect(PORT);
    expect(result).toMatchObject({ ok: false, error: { code: 'firmware_too_old' } });
    expect(radio.state).toMatchObject({ status: 'failed', error: { code: 'firmware_too_old', fix: expect.stringContaining('flasher') } });
    setup.scheduler.advanceBy(60_000);
    await settle();
    expect(setup.opened()).toBe(1);
  });

  it('holds the outbox while the radio cannot transmit (region unset)', async () => {
    const setup = bench([{ region: 'UNSET' }]);
    const { radio } = link(setup);
    expect(await radio.connect(PORT)).toMatchObject({ ok: true, device: { sendBlockedBy: { code: 'region_unset' } } });
    radio.enqueue({ messageId: 'wait', to: 0x1234, payload: payloadOf('wait') });
    setup.scheduler.advanceBy(60_000);
    await settle();
    expect(radio.outbox().map((packet) => packet.messageId)).toEqual(['wait']);
    radio.disconnect();
  });

  it('reports a packet the mesh could not deliver and drops it from the outbox', async () => {
    const setup = bench([{}]);
    const { radio, deliveries } = link(setup);
    await radio.connect(PORT);
    radio.enqueue({ messageId: 'lost', to: 0xdead, payload: payloadOf('lost') });
    setup.scheduler.advanceBy(120_000);
    await settle();
    expect(deliveries).toEqual([{ messageId: 'lost', ok: false, error: expect.objectContaining({ code: 'routing_error' }) }]);
    expect(radio.outbox()).toEqual([]);
    radio.disconnect();
  });

  it('sets an unreadable outbox file aside instead of losing or crashing on it', () => {
    writeFileSync(join(dataDir, 'radio-outbox.json'), '{"version": 1, "entries": [');
    const radio = link(bench([{}])).radio;
    expect(radio.outbox()).toEqual([]);
    expect(readdirSync(dataDir).some((name) => name.startsWith('radio-outbox.json.unreadable-'))).toBe(true);
    expect(existsSync(join(dataDir, 'radio-outbox.json'))).toBe(false);
  });
});
