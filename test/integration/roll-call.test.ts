// Roll-call over a 5-radio line, through the simulator's stream protocol: Pakit nodes A (the sender),
// B and C, a stock Meshtastic app on D, and Pakit node E whose radio is switched off after the mesh
// heard it. A sees B received, C seen (its operator pressed the banner's button, while its radio was
// cut off for its first two sends: its node sends again until A's radio acks it), D delivered (its
// radio confirmed the repeat; a stock app cannot say more) and E silent, asked again and again; the
// signed all-clear closes the alert on B and C and tells the stock app in words; then it goes to each
// radio that had the emergency until that radio confirms it (a flood can be lost at the middle of
// the line, where B and D cannot hear each other), never to E.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PakitNode } from '../../electron/node/node.ts';
import { nodeIdOf } from '../../electron/node/radio/session.ts';
import { createSimMesh, ScaledRealTimeScheduler, serveDeviceOverTcp, type DeviceTcpServer, type SimMesh } from '../../electron/sim/index.ts';
import { StockClient, type StockText } from '../../electron/sim/stock-client.ts';
import { BUILTIN_CODES } from '../../electron/node/lora/messages.ts';
import { watchAir } from '../helpers/air.ts';
import { createTestNode, scaledClock, testMeshSettings } from '../helpers/test-node.ts';

const TIME_SCALE = 20;

describe('emergency roll-call over a line of five radios, one switched off', { timeout: 240_000 }, () => {
  const scheduler = new ScaledRealTimeScheduler(TIME_SCALE);
  const epochMs = Date.now();
  const clock = scaledClock(scheduler, epochMs);
  let mesh: SimMesh;
  const servers: DeviceTcpServer[] = [];
  const pakit: PakitNode[] = [];
  let stock: StockClient;
  const stockHeard: StockText[] = [];
  /** Packet ids of "seen" answers put on air, by the radio that sent them (relays' copies keep the id). */
  const seenPackets = new Map<number, Set<number>>();
  /** "seen" transmissions (firmware retries included), by the radio that put them on air. */
  const seenTransmissions = new Map<number, number>();
  let a: PakitNode, b: PakitNode, c: PakitNode, e: PakitNode;

  beforeAll(async () => {
    mesh = createSimMesh({ nodes: 5, scheduler, topology: 'line', epochMs, announceWithinMs: 200, switchedOnAtMs: (index) => (4 - index) * 3_000 });
    watchAir(mesh, ({ from, frame, code }) => {
      if (code !== BUILTIN_CODES['emergency-seen']) return;
      seenPackets.set(frame.from, (seenPackets.get(frame.from) ?? new Set()).add(frame.id));
      seenTransmissions.set(from, (seenTransmissions.get(from) ?? 0) + 1);
    });
    for (const device of mesh.devices) servers.push(await serveDeviceOverTcp(device));
    stock = await StockClient.connect({ host: '127.0.0.1', port: servers[3]!.port });
    stock.on('alert', (alert) => stockHeard.push(alert));
    stock.on('text', (text) => stockHeard.push(text));
    for (const index of [0, 1, 2, 4]) {
      const node = await createTestNode({ clock, mesh: { ...testMeshSettings, enabled: false } });
      expect((await node.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: servers[index]!.port })).ok).toBe(true);
      pakit.push(node);
    }
    [a, b, c, e] = pakit as [PakitNode, PakitNode, PakitNode, PakitNode];
  });

  afterAll(async () => {
    stock?.close();
    for (const node of pakit) await node.stop();
    await Promise.all(servers.map((server) => server.close()));
    scheduler.stop();
  });

  it('shows received, seen, delivered and silent by radio, repeats to the silent, and the all-clear closes it everywhere', async () => {
    // A has heard every other radio (their NodeInfo floods reach four hops within the default three relays).
    await expect.poll(() => a.radio.nodes().filter((node) => node.lastHeard !== undefined).length, { timeout: 60_000 }).toBeGreaterThanOrEqual(4);
    const eRadio = e.radio.device!.nodeId;
    mesh.devices[4]!.kill(); // E's radio goes dark: the mesh still lists it
    const sent = a.lora.emergencies.send({ text: 'Hiker missing near the east trail', priority: 'urgent', confirmedAgain: false });
    if (!sent.ok) throw new Error(`not sent: ${sent.reason}`);
    const id = sent.record.id;
    const radio = (node: PakitNode) => node.radio.device!.nodeId;
    const members = () => a.lora.emergencies.history().find((record) => record.id === id)?.rollCall?.members ?? [];
    const answerOf = (nodeId: string) => members().find((member) => member.node === nodeId)?.answer;
    expect(members().map((member) => member.node).sort()).toEqual([radio(b), radio(c), nodeIdOf(stock.nodeNum), eRadio].sort());
    expect(members().every((member) => member.answer === 'silent')).toBe(true);

    // B and C got it and acked by themselves; C's operator then pressed "seen".
    await expect.poll(() => answerOf(radio(b)), { timeout: 30_000 }).toBe('received');
    await expect.poll(() => c.lora.emergencies.history().find((record) => record.id === id)?.verified, { timeout: 30_000 }).toBe(true);
    // C's radio is cut off while its first two "seen" go out, each with the firmware's two retries:
    // the roll-call does not ask a radio that answered "received" again, so only C's own resend
    // (until A's radio acks it, at most 4 sends) can still bring it.
    await expect.poll(() => answerOf(radio(c)), { timeout: 30_000 }).toBe('received');
    const cNum = c.radio.device!.nodeNum;
    mesh.medium.partition([[cNum], mesh.devices.map((device) => device.nodeNum).filter((num) => num !== cNum)]);
    expect(c.lora.emergencies.acknowledge(id)).toBe(true);
    await expect.poll(() => seenTransmissions.get(cNum) ?? 0, { timeout: 30_000 }).toBeGreaterThanOrEqual(6);
    mesh.medium.heal();
    await expect.poll(() => answerOf(radio(c)), { timeout: 30_000 }).toBe('seen');
    expect(seenPackets.get(cNum)!.size).toBeGreaterThanOrEqual(3);
    expect(seenPackets.get(cNum)!.size).toBeLessThanOrEqual(4);

    // The stock app got the alert; asked again directly, its radio confirms: delivered.
    await expect.poll(() => stockHeard.some((text) => text.text.startsWith('EMERGENCY (URGENT): Hiker missing')), { timeout: 30_000 }).toBe(true);
    await expect.poll(() => answerOf(nodeIdOf(stock.nodeNum)), { timeout: 90_000 }).toBe('delivered');

    // E stays silent and is asked again, with growing pauses; the sender saw its emergency relayed.
    await expect.poll(() => members().find((member) => member.node === eRadio)?.asks ?? 0, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);
    const record = a.lora.emergencies.history().find((entry) => entry.id === id)!;
    expect(answerOf(eRadio)).toBe('silent');
    expect(record.rollCall?.repeating).toBe(true);
    expect(record.air?.state).toBe('relayed');
    expect(record.air?.sends).toBeGreaterThanOrEqual(2); // the planned second copy went on air: resent

    // The all-clear: signed by A, it closes the alert on B and C; the stock app reads it as text.
    const cleared = a.lora.emergencies.allClear(id, 'Found safe at the hut');
    expect(cleared.ok).toBe(true);
    for (const node of [b, c]) {
      await expect.poll(() => node.lora.emergencies.history().find((entry) => entry.id === id)?.closed?.text, { timeout: 30_000 }).toBe('Found safe at the hut');
      expect(node.lora.emergencies.history().find((entry) => entry.id === id)?.acknowledged).toBe(true);
    }
    await expect.poll(() => stockHeard.map((text) => text.text), { timeout: 30_000 }).toContain('ALL CLEAR: Found safe at the hut (was: Hiker missing near the east trail)');
    const asksAtClear = members().find((member) => member.node === eRadio)!.asks;
    const clearedBy = () => Object.fromEntries(members().map((member) => [member.node, member.cleared]));
    await expect.poll(clearedBy, { timeout: 60_000 }).toEqual({ [radio(b)]: true, [radio(c)]: true, [nodeIdOf(stock.nodeNum)]: true, [eRadio]: undefined });
    expect(a.lora.emergencies.history().find((entry) => entry.id === id)?.rollCall?.repeating).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 10 * 60_000 / TIME_SCALE / 4)); // 2.5 min of radio time
    expect(members().find((member) => member.node === eRadio)!.asks).toBe(asksAtClear);
    // Only the author can close it.
    expect(b.lora.emergencies.allClear(id, '')).toEqual({ ok: false, reason: 'not_ours' });
  });
});
