import { create, fromBinary, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { Mesh, Telemetry } from '@meshtastic/protobufs';
import { describe, expect, it } from 'vitest';
import { radioErrors } from '../../../electron/node/radio/errors.ts';
import { FrameDecoder } from '../../../electron/node/radio/framing.ts';
import {
  BROADCAST_NODE,
  DeviceSession,
  HEARTBEAT_INTERVAL_MS,
  isFirmwareSupported,
  parseFirmwareVersion,
  type DeviceLogLine,
  type MeshNode,
  type ReceivedPacket,
  type SendResult,
  type SessionOptions,
  type TextMessage,
} from '../../../electron/node/radio/session.ts';
import { VirtualScheduler } from '../../../electron/sim/index.ts';
import { ScriptedRadio, plugIntoSim, simMesh, virtualClock } from './radio-fakes.ts';

const counter = (start = 1) => {
  let next = start;
  return () => next++;
};

function scripted(options: Partial<SessionOptions> = {}) {
  const scheduler = new VirtualScheduler();
  const radio = new ScriptedRadio();
  const session = new DeviceSession({ transport: radio, clock: virtualClock(scheduler), nextId: counter(100), ...options });
  return { scheduler, radio, session };
}

async function readyScripted(options: Partial<SessionOptions> = {}) {
  const setup = scripted(options);
  const started = setup.session.start();
  setup.radio.handshake();
  const result = await started;
  if (!result.ok) throw result.error;
  return setup;
}

/** Two simulated devices A and B, each with a session on virtual time. */
async function twoSims(deviceOptions: Parameters<typeof simMesh>[0] = [{}, {}]) {
  const mesh = simMesh(deviceOptions);
  const ids = counter(5000);
  const sessions = mesh.devices.map((device) => new DeviceSession({ transport: plugIntoSim(device).transport, clock: mesh.clock, nextId: ids }));
  const results = await Promise.all(sessions.map((session) => session.start()));
  return { ...mesh, sessions, results };
}

const bytes = (length: number, fill = 0x5a) => new Uint8Array(length).fill(fill);

describe('firmware version check', () => {
  it('compares the first three parts as integers', () => {
    expect(parseFirmwareVersion('2.6.11.60ec05e')).toEqual([2, 6, 11]);
    expect(parseFirmwareVersion('banana')).toBeUndefined();
    expect(isFirmwareSupported('2.3.0')).toBe(true);
    expect(isFirmwareSupported('2.2.24.abcdef')).toBe(false);
    expect(isFirmwareSupported('2.10.0.aaaa')).toBe(true); // a float compare says 2.1 < 2.3
    expect(isFirmwareSupported('3.0.0')).toBe(true);
    expect(isFirmwareSupported('1.3.48')).toBe(false);
  });
});

describe('DeviceSession handshake against the simulated firmware', () => {
  it('is ready at config_complete_id with device info, node list and the boot log', async () => {
    const mesh = simMesh([{ longName: 'Base camp', shortName: 'BC' }, { longName: 'Ridge relay', shortName: 'RR' }]);
    mesh.devices[1]!.dropClient();
    // B announces itself so A knows it before we connect.
    const announce = new DeviceSession({ transport: plugIntoSim(mesh.devices[1]!).transport, clock: mesh.clock, nextId: counter(900) });
    await announce.start();
    await announce.send({ to: BROADCAST_NODE, payload: bytes(10), wantAck: false });
    mesh.scheduler.advanceBy(5_000);

    const { transport, sent } = plugIntoSim(mesh.devices[0]!);
    const session = new DeviceSession({ transport, clock: mesh.clock, nextId: counter(1) });
    const logs: DeviceLogLine[] = [];
    session.on('log', (line) => logs.push(line));
    const result = await session.start();

    expect(result).toMatchObject({
      ok: true,
      device: {
        nodeNum: 0x1000,
        nodeId: '!00001000',
        longName: 'Base camp',
        shortName: 'BC',
        firmware: '2.6.11.60ec05e',
        region: 'EU_868',
        preset: 'SHORT_FAST',
        channelIndex: 0,
        sendBlockedBy: undefined,
        transport: 'serial',
      },
    });
    expect(session.nodes()).toEqual([expect.objectContaining({ nodeNum: 0x1001, nodeId: '!00001001', hopsAway: 0 })]);
    expect(session.nodes()[0]!.snr).toBeGreaterThan(0);
    // the wake-up bytes go first, then the want_config_id frame
    expect([...sent[0]!]).toEqual(new Array(32).fill(0xc3));
    expect(logs.some((line) => line.message.includes('Meshtastic firmware 2.6.11.60ec05e (simulated)') && !line.message.includes('\u001b'))).toBe(true);
    expect(logs.find((line) => line.message.includes('Start receive'))?.level).toBe('debug');
  });

  it('waits for its own nonce and never counts frames', async () => {
    const { radio, session } = scripted();
    let settled = false;
    const started = session.start().then((result) => {
      settled = true;
      return result;
    });
    radio.handshake({ complete: radio.nonce() + 1 }); // someone else's handshake
    for (let i = 0; i < 40; i += 1) radio.fromRadio({ case: 'moduleConfig', value: create(Mesh.MyNodeInfoSchema as DescMessage) });
    await Promise.resolve();
    expect(settled).toBe(false);
    radio.fromRadio({ case: 'configCompleteId', value: radio.nonce() });
    expect(await started).toMatchObject({ ok: true });
  });

  it('reports not_meshtastic when nothing answers, and closes the transport', async () => {
    const { scheduler, radio, session } = scripted({ handshakeTimeoutMs: 3_000 });
    const started = session.start();
    radio.log('garbage from some other serial device');
    scheduler.advanceBy(3_000);
    const result = await started;
    expect(result.ok === false && result.error.code).toBe('not_meshtastic');
    expect(radio.closedWith).toMatchObject({ code: 'not_meshtastic' });
    expect(session.state).toBe('closed');
  });

  it('reports a timeout when the device starts answering but never completes', async () => {
    const { scheduler, radio, session } = scripted();
    const started = session.start();
    radio.fromRadio({ case: 'myInfo', value: create(Mesh.MyNodeInfoSchema as DescMessage, { myNodeNum: 5 } as never) });
    scheduler.advanceBy(8_000);
    const result = await started;
    expect(result.ok === false && result.error.code).toBe('timeout');
  });

  it('refuses firmware older than 2.3.0', async () => {
    const { results, sessions } = await twoSims([{ firmwareVersion: '2.2.24.9f2d2b5' }]);
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'firmware_too_old' } });
    expect(results[0]!.ok === false && results[0]!.error.message).toContain('2.2.24.9f2d2b5');
    expect(sessions[0]!.state).toBe('closed');
  });

  it('connects with region UNSET but refuses to send, saying why', async () => {
    const { results, sessions } = await twoSims([{ region: 'UNSET' }]);
    expect(results[0]).toMatchObject({ ok: true, device: { region: 'UNSET', sendBlockedBy: { code: 'region_unset' } } });
    const sent = await sessions[0]!.send({ to: BROADCAST_NODE, payload: bytes(4) });
    expect(sent).toMatchObject({ ok: false, error: { code: 'region_unset' }, accepted: false });
  });

  it('connects when our channel index is not enabled but refuses to send on it', async () => {
    const mesh = simMesh([{}]);
    const session = new DeviceSession({ transport: plugIntoSim(mesh.devices[0]!).transport, clock: mesh.clock, nextId: counter(), channelIndex: 2 });
    expect(await session.start()).toMatchObject({ ok: true, device: { channelIndex: 2, sendBlockedBy: { code: 'channel_missing' } } });
    expect(await session.send({ to: BROADCAST_NODE, payload: bytes(4) })).toMatchObject({ ok: false, error: { code: 'channel_missing' } });
  });
});

describe('DeviceSession sending', () => {
  it('refuses more than 231 bytes before anything reaches the radio', async () => {
    const { radio, session } = await readyScripted();
    const before = radio.sent.length;
    const result = await session.send({ to: 1, payload: bytes(232) });
    expect(result).toMatchObject({ ok: false, error: { code: 'payload_too_large' } });
    expect(result.ok === false && result.error.toContractError()).toMatchObject({ code: 'invalid_input' });
    expect(radio.sent.length).toBe(before);
  });

  it('sets hop_limit explicitly, never want_response, and reports end-to-end delivery', async () => {
    const { scheduler, sessions, devices } = await twoSims();
    const [a, b] = sessions;
    const received: ReceivedPacket[] = [];
    b!.on('packet', (packet) => received.push(packet));
    const pending = a!.send({ to: devices[1]!.nodeNum, payload: bytes(231) });
    scheduler.advanceBy(20_000);
    const result = await pending;
    expect(result).toMatchObject({ ok: true, delivery: 'delivered' });
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ from: devices[0]!.nodeNum, to: devices[1]!.nodeNum, channel: 0, hopStart: 3, hopLimit: 3, hops: 0 });
    expect(received[0]!.payload).toEqual(bytes(231));
    expect(received[0]!.rxRssi).toBeLessThan(0);
  });

  it('writes the MeshPacket as the firmware expects', async () => {
    const { radio, session } = await readyScripted({ hopLimit: 5 });
    void session.send({ to: 0x1234, payload: bytes(3), wantAck: false });
    const [packet] = radio.packets();
    expect(packet).toMatchObject({ to: 0x1234, channel: 0, hopLimit: 5, wantAck: false });
    expect(packet!.payloadVariant.value).toMatchObject({ portnum: 256, wantResponse: false });
  });

  it('counts a neighbour relaying a broadcast as an implicit ack (relayed)', async () => {
    const { scheduler, sessions } = await twoSims();
    const pending = sessions[0]!.send({ to: BROADCAST_NODE, payload: bytes(20) });
    scheduler.advanceBy(20_000);
    expect(await pending).toMatchObject({ ok: true, delivery: 'relayed' });
  });

  it('settles a packet without want_ack when the device queues it (sent)', async () => {
    const { sessions, devices } = await twoSims();
    expect(await sessions[0]!.send({ to: devices[1]!.nodeNum, payload: bytes(5), wantAck: false })).toMatchObject({ ok: true, delivery: 'sent' });
  });

  it('reports MAX_RETRANSMIT as a routing_error when nobody answers', async () => {
    const { scheduler, sessions } = await twoSims([{}]);
    const pending = sessions[0]!.send({ to: 0xdead, payload: bytes(5) });
    scheduler.advanceBy(120_000);
    const result = await pending;
    expect(result).toMatchObject({ ok: false, accepted: true, error: { code: 'routing_error', routingError: 'MAX_RETRANSMIT' } });
  });

  it('never overfills the device queue: 40 packets, none refused as queue full, all sent', async () => {
    const mesh = simMesh([{}, {}]);
    const { transport, sent } = plugIntoSim(mesh.devices[0]!);
    const session = new DeviceSession({ transport, clock: mesh.clock, nextId: counter(), queueRetryMs: 500 });
    await session.start();
    const outcomes: SendResult[] = [];
    const pending = Array.from({ length: 40 }, (_, i) =>
      session.send({ to: mesh.devices[1]!.nodeNum, payload: bytes(200, i), wantAck: false }).then((r) => outcomes.push(r)),
    );
    let fullest = 0;
    for (let t = 0; t < 400 && outcomes.length < 40; t += 1) {
      fullest = Math.max(fullest, mesh.devices[0]!.txQueueLength);
      mesh.scheduler.advanceBy(250);
    }
    await Promise.all(pending);
    expect(outcomes.every((outcome) => outcome.ok)).toBe(true);
    expect(fullest).toBeGreaterThan(8); // the queue really was used
    // Every packet went out exactly once: the device never answered "queue full".
    const decoder = new FrameDecoder();
    const packets = sent.flatMap((chunk) => decoder.push(chunk)).filter((item) => item.type === 'frame');
    const cases = packets.map((item) => (fromBinary(Mesh.ToRadioSchema as DescMessage, item.payload) as unknown as { payloadVariant: { case: string } }).payloadVariant.case);
    expect(cases.filter((c) => c === 'packet')).toHaveLength(40);
  });

  it('on queue full (res 32) waits and retries with a fresh packet id', async () => {
    const { scheduler, radio, session } = await readyScripted({ queueRetryMs: 1_000 });
    const pending = session.send({ to: 0x99, payload: bytes(8), wantAck: false });
    const first = radio.packets()[0]!;
    radio.queueStatus(first.id, 32, 0);
    expect(radio.packets()).toHaveLength(1); // waits
    scheduler.advanceBy(1_000);
    const second = radio.packets()[1]!;
    expect(second.id).not.toBe(first.id);
    radio.queueStatus(second.id, 0, 14);
    expect(await pending).toMatchObject({ ok: true, delivery: 'sent', packetId: second.id });
  });

  it('holds packets while the device reports no free slot, then probes', async () => {
    const { scheduler, radio, session } = await readyScripted({ queueRetryMs: 500 });
    void session.send({ to: 1, payload: bytes(1), wantAck: false });
    radio.queueStatus(radio.packets()[0]!.id, 0, 0); // accepted, and now full
    void session.send({ to: 1, payload: bytes(1), wantAck: false });
    void session.send({ to: 1, payload: bytes(1), wantAck: false });
    expect(radio.packets()).toHaveLength(1);
    scheduler.advanceBy(500);
    expect(radio.packets()).toHaveLength(2); // one probe, not both
    radio.queueStatus(radio.packets()[1]!.id, 0, 5);
    expect(radio.packets()).toHaveLength(3);
  });

  it('maps NAKs to routing errors and acks by sender', async () => {
    const { radio, session } = await readyScripted();
    const duty = session.send({ to: 0x55, payload: bytes(8) });
    const dutyId = radio.packets()[0]!.id;
    radio.routing(0xabc, dutyId, 9);
    expect(await duty).toMatchObject({ ok: false, accepted: false, error: { code: 'routing_error', routingError: 'DUTY_CYCLE_LIMIT' } });

    const relayed = session.send({ to: 0x55, payload: bytes(8) });
    const relayedId = radio.packets()[1]!.id;
    radio.queueStatus(relayedId);
    radio.routing(0x77, 4242, 0); // someone else's ack is ignored
    radio.routing(0xabc, relayedId, 0);
    expect(await relayed).toMatchObject({ ok: true, delivery: 'relayed', packetId: relayedId });
  });

  it('times out an ack that never comes, and a packet the device never answers', async () => {
    const { scheduler, radio, session } = await readyScripted({ ackTimeoutMs: 5_000, queueStatusTimeoutMs: 1_000 });
    const noStatus = session.send({ to: 0x55, payload: bytes(8) });
    scheduler.advanceBy(1_000);
    expect(await noStatus).toMatchObject({ ok: false, accepted: false, error: { code: 'timeout' } });
    const noAck = session.send({ to: 0x55, payload: bytes(8) });
    radio.queueStatus(radio.packets()[1]!.id);
    scheduler.advanceBy(5_000);
    expect(await noAck).toMatchObject({ ok: false, accepted: true, error: { code: 'timeout' } });
  });

  it('settles every pending send when the device goes away', async () => {
    const { radio, session } = await readyScripted();
    const closed: unknown[] = [];
    session.on('closed', (error) => closed.push(error));
    const a = session.send({ to: 1, payload: bytes(1) });
    radio.queueStatus(radio.packets()[0]!.id);
    radio.drop(radioErrors.unplugged('/dev/ttyUSB0'));
    expect(await a).toMatchObject({ ok: false, accepted: true, error: { code: 'unplugged' } });
    expect(await session.send({ to: 1, payload: bytes(1) })).toMatchObject({ ok: false, error: { code: 'closed' } });
    expect(closed).toEqual([expect.objectContaining({ code: 'unplugged' })]);
  });
});

describe('DeviceSession keep-alive and reports', () => {
  it('sends heartbeats at the transport interval', async () => {
    const { scheduler, radio } = await readyScripted();
    scheduler.advanceBy(HEARTBEAT_INTERVAL_MS.serial - 1);
    expect(radio.sentCases()).not.toContain('heartbeat');
    scheduler.advanceBy(1);
    scheduler.advanceBy(HEARTBEAT_INTERVAL_MS.serial);
    expect(radio.sentCases().filter((c) => c === 'heartbeat')).toHaveLength(2);
    expect(HEARTBEAT_INTERVAL_MS.tcp).toBeLessThan(60_000);
    expect(HEARTBEAT_INTERVAL_MS.serial).toBeLessThan(15 * 60_000);
  });

  it('reports texts, node updates, own metrics and log records', async () => {
    const { session, radio } = await readyScripted();
    const texts: TextMessage[] = [];
    const nodes: MeshNode[] = [];
    const logs: DeviceLogLine[] = [];
    const devices: unknown[] = [];
    session.on('text', (text) => texts.push(text));
    session.on('node', (node) => nodes.push(node));
    session.on('log', (line) => logs.push(line));
    session.on('device', (device) => devices.push(device));

    radio.meshPacket({ from: 0x77, to: BROADCAST_NODE, portnum: 1, payload: new TextEncoder().encode('water at the ford'), hopStart: 3, hopLimit: 1, rxSnr: 4.5 });
    expect(texts).toEqual([expect.objectContaining({ from: 0x77, text: 'water at the ford', hops: 2, rxSnr: 4.5 })]);
    expect(nodes.at(-1)).toMatchObject({ nodeNum: 0x77, hopsAway: 2, snr: 4.5 });

    const user = toBinary(Mesh.UserSchema as DescMessage, create(Mesh.UserSchema as DescMessage, { longName: 'Ridge', shortName: 'RG' } as never));
    radio.meshPacket({ from: 0x77, to: BROADCAST_NODE, portnum: 4, payload: user });
    expect(nodes.at(-1)).toMatchObject({ nodeNum: 0x77, longName: 'Ridge', shortName: 'RG' });

    const telemetry = (batteryLevel: number) =>
      toBinary(
        Telemetry.TelemetrySchema as DescMessage,
        create(Telemetry.TelemetrySchema as DescMessage, {
          variant: { case: 'deviceMetrics', value: create(Telemetry.DeviceMetricsSchema as DescMessage, { batteryLevel, channelUtilization: 12.5, airUtilTx: 1.25 } as never) },
        } as never),
      );
    radio.meshPacket({ from: 0x77, to: BROADCAST_NODE, portnum: 67, payload: telemetry(64) });
    expect(nodes.at(-1)).toMatchObject({ nodeNum: 0x77, batteryLevel: 64 });
    radio.meshPacket({ from: 0xabc, to: BROADCAST_NODE, portnum: 67, payload: telemetry(90) });
    expect(session.device).toMatchObject({ batteryLevel: 90, channelUtilization: 12.5, airUtilTx: 1.25 });
    expect(devices).toHaveLength(1);

    radio.fromRadio({ case: 'logRecord', value: create(Mesh.LogRecordSchema as DescMessage, { message: 'Low battery', level: 30 } as never) });
    radio.log('\u001b[31mERROR\u001b[0m | 12:00:01 9 [Router] oops'.replace(/\u001b\[[0-9;]*m/g, ''));
    expect(logs.map((line) => [line.level, line.message])).toEqual([
      ['warn', 'Low battery'],
      ['error', 'ERROR | 12:00:01 9 [Router] oops'],
    ]);
    expect(session.nodes().map((node) => node.nodeNum)).toEqual([0x77]); // not itself
  });

  it('ignores PRIVATE_APP packets on other channels', async () => {
    const { session, radio } = await readyScripted();
    const packets: ReceivedPacket[] = [];
    session.on('packet', (packet) => packets.push(packet));
    radio.meshPacket({ from: 0x77, to: 0xabc, portnum: 256, payload: bytes(3), channel: 1 });
    radio.meshPacket({ from: 0x77, to: 0xabc, portnum: 256, payload: bytes(3), channel: 0 });
    expect(packets).toHaveLength(1);
  });

  it('closes with device_restarted when the device reboots', async () => {
    const { session, radio } = await readyScripted();
    radio.fromRadio({ case: 'rebooted', value: true });
    expect(session.state).toBe('closed');
    expect(radio.closedWith).toMatchObject({ code: 'device_restarted' });
  });

  it('says goodbye on a deliberate close', async () => {
    const { session, radio } = await readyScripted();
    session.close();
    expect(radio.sentCases().at(-1)).toBe('disconnect');
    expect(radio.closedWith).toBeUndefined();
  });
});
