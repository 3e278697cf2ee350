import { describe, expect, it } from 'vitest';
import {
  BROADCAST_NUM,
  DEDUPE_WINDOW_MS,
  MAX_TRANSMISSIONS,
  TX_QUEUE_SLOTS,
  VirtualScheduler,
  createSimMesh,
  type SimMeshOptions,
} from '../../../electron/sim/index.ts';
import { StreamClient } from './stream-client.ts';

const ROUTING = { NONE: 0, MAX_RETRANSMIT: 5, TOO_LARGE: 7, DUTY_CYCLE_LIMIT: 9 };

function setup(options: Partial<SimMeshOptions> & { nodes: number }) {
  const scheduler = new VirtualScheduler();
  const mesh = createSimMesh({ scheduler, announceWithinMs: false, seed: 7, ...options });
  const clients = mesh.devices.map((device) => new StreamClient(device));
  clients.forEach((client, i) => client.wantConfig(1000 + i));
  clients.forEach((client) => client.clear());
  return { scheduler, mesh, clients };
}
const bytes = (length: number, fill = 0xab): Uint8Array => new Uint8Array(length).fill(fill);

describe('SimDevice stream API', () => {
  it('prints boot log text, then answers want_config_id with the full handshake ending in the nonce', () => {
    const scheduler = new VirtualScheduler();
    const mesh = createSimMesh({ scheduler, nodes: 2, seed: 3 });
    scheduler.advanceBy(30_000); // both announce themselves (Position follows at 45 s), so each knows the other
    const client = new StreamClient(mesh.devices[0]!);
    expect(client.logLines.some((line) => line.includes('Meshtastic firmware 2.6.11.60ec05e'))).toBe(true);
    expect(client.received).toEqual([]);
    client.wantConfig(0xdeadbeef);
    const cases = client.cases();
    expect(cases.slice(0, 3)).toEqual(['myInfo', 'nodeInfo', 'metadata']);
    expect(cases.filter((c) => c === 'channel')).toHaveLength(8);
    expect(cases.filter((c) => c === 'config').length).toBeGreaterThanOrEqual(7);
    expect(cases.filter((c) => c === 'moduleConfig').length).toBeGreaterThanOrEqual(10);
    expect(cases.filter((c) => c === 'nodeInfo')).toHaveLength(2); // own + the other device
    // config_complete_id closes the config; the NodeInfo packet heard while unplugged follows it
    const complete = cases.indexOf('configCompleteId');
    expect(client.received[complete]!.payloadVariant.value).toBe(0xdeadbeef);
    expect(cases.slice(complete + 1)).toEqual(['packet']);
    expect(cases.lastIndexOf('nodeInfo')).toBeLessThan(complete);
    const metadata = client.received[2]!.payloadVariant.value as { firmwareVersion: string };
    expect(metadata.firmwareVersion).toBe('2.6.11.60ec05e');
    const lora = client.received
      .flatMap((m) => (m.payloadVariant.case === 'config' ? [m.payloadVariant.value as { payloadVariant: { case: string; value: { region: number; modemPreset: number } } }] : []))
      .find((config) => config.payloadVariant.case === 'lora')!;
    expect(lora.payloadVariant.value.region).toBe(3); // EU_868
    expect(lora.payloadVariant.value.modemPreset).toBe(0); // LONG_FAST
    // FromRadio ids count up
    expect(client.received.map((m) => m.id)).toEqual(client.received.map((_, i) => client.received[0]!.id + i));
  });

  it('answers a heartbeat with a QueueStatus', () => {
    const { clients } = setup({ nodes: 1 });
    clients[0]!.sendToRadio({ payloadVariant: { case: 'heartbeat', value: { nonce: 1 } } });
    expect(clients[0]!.queueStatuses()).toEqual([expect.objectContaining({ free: TX_QUEUE_SLOTS, maxlen: TX_QUEUE_SLOTS })]);
  });

  it('delivers a text to another device with signal figures', () => {
    const { scheduler, mesh, clients } = setup({ nodes: 2 });
    const [a, b] = mesh.devices;
    clients[0]!.sendPacket({ to: b!.nodeNum, id: 42, portnum: 1, payload: new TextEncoder().encode('hello'), hopLimit: 3 });
    // the packet holds a queue slot while it waits its random transmit delay
    expect(clients[0]!.queueStatuses()).toMatchObject([{ res: 0, free: TX_QUEUE_SLOTS - 1, maxlen: 16, meshPacketId: 42 }]);
    expect(a!.txQueueLength).toBe(1);
    scheduler.advanceBy(10_000);
    expect(a!.txQueueLength).toBe(0);
    const [text] = clients[1]!.appPackets(1);
    expect(text).toMatchObject({ from: a!.nodeNum, to: b!.nodeNum, id: 42, hopStart: 3, hopLimit: 3 });
    expect(new TextDecoder().decode((text!.payloadVariant.value as { payload: Uint8Array }).payload)).toBe('hello');
    expect(text!.rxRssi).toBeLessThan(0);
  });

  it('drops a payload over 233 bytes silently, NAKs one that does not fit the frame, sends 231', () => {
    const { scheduler, mesh, clients } = setup({ nodes: 2 });
    const to = mesh.devices[1]!.nodeNum;
    const client = clients[0]!;
    client.sendPacket({ to, id: 1, payload: bytes(234), wantAck: true });
    expect(client.received).toEqual([]);
    client.sendPacket({ to, id: 2, payload: bytes(232), wantAck: true });
    expect(client.routingReplies()).toEqual([{ from: mesh.devices[0]!.nodeNum, requestId: 2, errorReason: ROUTING.TOO_LARGE }]);
    client.sendPacket({ to, id: 3, payload: bytes(230), wantAck: true, wantResponse: true });
    expect(client.routingReplies().at(-1)).toMatchObject({ requestId: 3, errorReason: ROUTING.TOO_LARGE });
    client.sendPacket({ to, id: 4, payload: bytes(231), wantAck: true });
    scheduler.advanceBy(30_000);
    expect(clients[1]!.appPackets().map((p) => p.id)).toEqual([4]);
    expect(mesh.medium.stats.transmissions).toBe(2); // the packet and its end-to-end ack
  });

  it('silently drops a packet reusing one of the last 20 ids', () => {
    const { mesh, clients } = setup({ nodes: 2 });
    const to = mesh.devices[1]!.nodeNum;
    const client = clients[0]!;
    client.sendPacket({ to, id: 500, payload: bytes(10), hopLimit: 0 });
    for (let id = 1; id <= 19; id += 1) client.sendPacket({ to, id, payload: bytes(10), hopLimit: 0 });
    const before = client.queueStatuses().length;
    client.sendPacket({ to, id: 500, payload: bytes(10), hopLimit: 0 });
    expect(client.queueStatuses().length).toBe(before);
    client.sendPacket({ to, id: 20, payload: bytes(10), hopLimit: 0 }); // id 500 leaves the window
    client.sendPacket({ to, id: 500, payload: bytes(10), hopLimit: 0 });
    expect(client.queueStatuses().map((q) => q.meshPacketId).slice(-2)).toEqual([20, 500]);
  });

  it('refuses packets beyond the 16-slot TX queue', () => {
    const { clients, mesh, scheduler } = setup({ nodes: 2 });
    const send = (id: number): void => clients[0]!.sendPacket({ to: mesh.devices[1]!.nodeNum, id, payload: bytes(50), hopLimit: 0 });
    for (let id = 1; id <= TX_QUEUE_SLOTS + 2; id += 1) send(id);
    const statuses = clients[0]!.queueStatuses();
    // nothing goes on air before its transmit delay: 16 wait, the 17th and 18th find the queue full
    expect(statuses.slice(0, TX_QUEUE_SLOTS).map((status) => status.res)).toEqual(new Array(TX_QUEUE_SLOTS).fill(0));
    expect(statuses[TX_QUEUE_SLOTS - 1]).toMatchObject({ res: 0, free: 0 });
    expect(statuses.slice(TX_QUEUE_SLOTS)).toMatchObject([
      { res: 32, free: 0, meshPacketId: TX_QUEUE_SLOTS + 1 },
      { res: 32, free: 0, meshPacketId: TX_QUEUE_SLOTS + 2 },
    ]);
    // once the first has gone on air, its slot takes a new packet
    while (mesh.medium.stats.transmissions === 0) scheduler.advanceBy(100);
    send(TX_QUEUE_SLOTS + 3);
    expect(clients[0]!.queueStatuses().at(-1)).toMatchObject({ res: 0, free: 0, meshPacketId: TX_QUEUE_SLOTS + 3 });
  });

  it('never transmits with region UNSET', () => {
    const { scheduler, mesh, clients } = setup({ nodes: 2, region: 'UNSET', announceWithinMs: 1000 });
    clients[0]!.sendPacket({ to: BROADCAST_NUM, id: 9, payload: bytes(10), wantAck: true });
    scheduler.advanceBy(60_000);
    expect(clients[0]!.queueStatuses()).toEqual([expect.objectContaining({ res: 34, meshPacketId: 9 })]);
    expect(mesh.medium.stats.transmissions).toBe(0);
  });
});

describe('SimDevice routing', () => {
  it('hop limit 0 is never relayed; 1 reaches two hops', () => {
    const { scheduler, clients } = setup({ nodes: 3, topology: 'line' });
    clients[0]!.sendPacket({ to: BROADCAST_NUM, id: 1, payload: bytes(20), hopLimit: 0 });
    scheduler.advanceBy(60_000);
    expect(clients[1]!.appPackets().map((p) => p.id)).toEqual([1]);
    expect(clients[2]!.appPackets()).toEqual([]);
    clients[0]!.sendPacket({ to: BROADCAST_NUM, id: 2, payload: bytes(20), hopLimit: 1 });
    scheduler.advanceBy(60_000);
    expect(clients[2]!.appPackets()).toMatchObject([{ id: 2, hopStart: 1, hopLimit: 0 }]);
  });

  it('fills in hop limit 3 for want_ack with hop limit 0', () => {
    const { scheduler, clients } = setup({ nodes: 3, topology: 'line' });
    clients[0]!.sendPacket({ to: BROADCAST_NUM, id: 3, payload: bytes(20), hopLimit: 0, wantAck: true });
    scheduler.advanceBy(60_000);
    expect(clients[2]!.appPackets()).toMatchObject([{ id: 3, hopStart: 3, hopLimit: 2 }]);
  });

  it('acks a broadcast implicitly (from == own node) when a neighbour relays it', () => {
    const { scheduler, mesh, clients } = setup({ nodes: 3, topology: 'line' });
    clients[0]!.sendPacket({ to: BROADCAST_NUM, id: 77, payload: bytes(20), hopLimit: 3, wantAck: true });
    scheduler.advanceBy(60_000);
    expect(clients[0]!.routingReplies()).toEqual([{ from: mesh.devices[0]!.nodeNum, requestId: 77, errorReason: ROUTING.NONE }]);
  });

  it('gets an end-to-end ack (from == destination) across two hops', () => {
    const { scheduler, mesh, clients } = setup({ nodes: 3, topology: 'line' });
    const destination = mesh.devices[2]!.nodeNum;
    clients[0]!.sendPacket({ to: destination, id: 78, payload: bytes(20), hopLimit: 3, wantAck: true });
    scheduler.advanceBy(120_000);
    const replies = clients[0]!.routingReplies();
    expect(replies).toContainEqual({ from: destination, requestId: 78, errorReason: ROUTING.NONE });
    expect(clients[2]!.appPackets().map((p) => p.id)).toEqual([78]);
  });

  it('transmits 3 times without an ack, then NAKs MAX_RETRANSMIT', () => {
    const { scheduler, mesh, clients } = setup({ nodes: 2 });
    const [a, b] = mesh.devices;
    mesh.medium.partition([[a!.nodeNum], [b!.nodeNum]]);
    clients[0]!.sendPacket({ to: b!.nodeNum, id: 90, payload: bytes(100), hopLimit: 3, wantAck: true });
    scheduler.advanceBy(10 * 60_000);
    expect(mesh.medium.stats.transmissions).toBe(MAX_TRANSMISSIONS);
    expect(clients[0]!.routingReplies()).toEqual([{ from: a!.nodeNum, requestId: 90, errorReason: ROUTING.MAX_RETRANSMIT }]);
    expect(mesh.medium.airtimeUsedMs(a!.nodeNum)).toBeCloseTo(MAX_TRANSMISSIONS * mesh.medium.airtimeMs({ payloadBytes: 108 }), 6);
  });

  it('floods a broadcast once per device, with managed flooding cancelling redundant relays', () => {
    const { scheduler, mesh, clients } = setup({ nodes: 6, topology: 'full' });
    clients[0]!.sendPacket({ to: BROADCAST_NUM, id: 5, payload: bytes(40), hopLimit: 3 });
    scheduler.advanceBy(120_000);
    for (const client of clients.slice(1)) expect(client.appPackets().map((p) => p.id)).toEqual([5]);
    // everyone hears the original, so the first relay makes the other four cancel theirs
    expect(mesh.medium.stats.transmissions).toBeLessThan(6);
  });

  it('on a 3-node line, ends announcing together collide at the middle; switched on one after another from the far end, the first radio learns both', () => {
    const knownAfter = (seed: number, options: Partial<SimMeshOptions>): number[] => {
      const scheduler = new VirtualScheduler();
      const mesh = createSimMesh({ scheduler, nodes: 3, topology: 'line', preset: 'LONG_FAST', seed, ...options });
      scheduler.advanceBy(8_000);
      return mesh.devices.map((device) => device.knownNodes().length);
    };
    const seeds = Array.from({ length: 20 }, (_, index) => index + 1);
    const together = seeds.map((seed) => knownAfter(seed, { announceWithinMs: 5_000 }));
    expect(together.filter((known) => known[1] === 0).length).toBeGreaterThan(0);
    const oneAfterAnother = seeds.map((seed) => knownAfter(seed, { announceWithinMs: 200, switchedOnAtMs: (index) => (2 - index) * 3_000 }));
    expect(oneAfterAnother.map((known) => known[0])).toEqual(seeds.map(() => 2));
  });

  it('forgets (from, id) after 10 minutes', () => {
    const { scheduler, mesh, clients } = setup({ nodes: 2 });
    const to = mesh.devices[1]!.nodeNum;
    let filler = 1;
    // The sending device itself drops ids among its client's last 20: push 1234 out of that window.
    const sendFresh = (): void => {
      for (let batch = 0; batch < 2; batch += 1) {
        for (let n = 0; n < 10; n += 1) clients[0]!.sendPacket({ to, id: filler++, payload: bytes(1), hopLimit: 0 });
        scheduler.advanceBy(30_000);
      }
      clients[0]!.sendPacket({ to, id: 1234, payload: bytes(10), hopLimit: 0 });
      scheduler.advanceBy(30_000);
    };
    sendFresh();
    sendFresh();
    expect(clients[1]!.appPackets().filter((p) => p.id === 1234)).toHaveLength(1); // the second copy is a duplicate
    scheduler.advanceBy(DEDUPE_WINDOW_MS);
    sendFresh();
    expect(clients[1]!.appPackets().filter((p) => p.id === 1234)).toHaveLength(2);
  });

  it('answers DUTY_CYCLE_LIMIT once 10 % of the hour is used in EU_868, never in US', () => {
    for (const region of ['EU_868', 'US']) {
      const { mesh, clients, scheduler } = setup({ nodes: 2, region });
      const to = mesh.devices[1]!.nodeNum;
      let id = 1;
      // 200 full frames of ~2.16 s in 20 minutes: 432 s of airtime > 360 s allowed per hour
      for (let round = 0; round < 200; round += 1) {
        clients[0]!.sendPacket({ to, id: id++, payload: bytes(231), hopLimit: 0 });
        scheduler.advanceBy(6_000);
      }
      const naks = clients[0]!.routingReplies().filter((r) => r.errorReason === ROUTING.DUTY_CYCLE_LIMIT);
      const airtime = mesh.medium.airtimeUsedMs(mesh.devices[0]!.nodeNum);
      if (region === 'EU_868') {
        expect(naks.length).toBeGreaterThan(0);
        expect(airtime).toBeLessThanOrEqual(360_000);
        expect(mesh.devices[0]!.airtimeLastHourMs()).toBeGreaterThan(350_000);
      } else {
        expect(naks).toEqual([]);
        expect(airtime).toBeGreaterThan(400_000);
      }
    }
  });
});
