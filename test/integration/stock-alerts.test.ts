// Emergencies with the stock Meshtastic world, through the simulator's stream protocol: Pakit node A
// on the first radio of a line, Pakit node B on the middle one, and a scripted stock app on the far
// radio. A stock alert reaches the Pakit banner marked not signed; a Pakit emergency reaches the stock
// app as ALERT_APP, and Pakit nodes show it once, signed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmergencyRecord } from '../../shared/contract/index.ts';
import type { PakitNode } from '../../electron/node/node.ts';
import { createSimMesh, ScaledRealTimeScheduler, serveDeviceOverTcp, type DeviceTcpServer } from '../../electron/sim/index.ts';
import { answerDirectMessages, StockClient, type StockText } from '../../electron/sim/stock-client.ts';
import { createTestNode, testMeshSettings } from '../helpers/test-node.ts';

describe('emergencies with a stock Meshtastic app', { timeout: 180_000 }, () => {
  const scheduler = new ScaledRealTimeScheduler(20);
  const servers: DeviceTcpServer[] = [];
  const nodes: PakitNode[] = [];
  const raised: EmergencyRecord[][] = [[], []];
  /** ALERT_APP texts each node's radio delivered. */
  const radioAlerts: string[][] = [[], []];
  let stock: StockClient;
  const stockAlerts: StockText[] = [];
  let stockId: string;

  beforeAll(async () => {
    const mesh = createSimMesh({ nodes: 3, scheduler, topology: 'line', epochMs: Date.now(), announceWithinMs: 200, switchedOnAtMs: (index) => (2 - index) * 3_000 });
    for (const device of mesh.devices) servers.push(await serveDeviceOverTcp(device));
    stock = await StockClient.connect({ host: '127.0.0.1', port: servers[2]!.port });
    stock.on('alert', (alert) => stockAlerts.push(alert));
    answerDirectMessages(stock); // as in the demo: an alert gets a reply on its channel
    stockId = `!${stock.nodeNum.toString(16).padStart(8, '0')}`;
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const [index, server] of servers.slice(0, 2).entries()) {
      const node = await createTestNode({ mesh: { ...testMeshSettings, enabled: false } });
      node.radio.on('alert', (alert) => radioAlerts[index]!.push(alert.text));
      node.lora.emergencies.on('alert', (record) => raised[index]!.push(record));
      expect((await node.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: server.port })).ok).toBe(true);
      nodes.push(node);
    }
  });
  afterAll(async () => {
    stock?.close();
    for (const node of nodes) await node.stop();
    await Promise.all(servers.map((server) => server.close()));
    scheduler.stop();
  });

  it('a stock app’s ALERT_APP raises the banner on both Pakit nodes, marked not signed', async () => {
    stock.sendAlert('Flood at the low bridge, keep away');
    for (const index of [0, 1]) {
      await expect.poll(() => raised[index]!.map((record) => record.text), { timeout: 30_000 }).toContain('Flood at the low bridge, keep away');
    }
    const record = nodes[0]!.lora.emergencies.history().find((entry) => entry.text === 'Flood at the low bridge, keep away')!;
    expect(record).toMatchObject({ direction: 'received', signed: false, verified: false, fromNode: stockId, acknowledged: false, hops: 1 });
  });

  it('a stock text that starts with the bell is an alert too (and stays in the messages)', async () => {
    stock.sendText('\u0007Smoke seen north of camp');
    await expect.poll(() => raised[0]!.map((record) => record.text), { timeout: 30_000 }).toContain('Smoke seen north of camp');
    expect(nodes[0]!.messages.list({ conversation: 'channel:0', limit: 10 }).map((message) => message.text)).toContain('\u0007Smoke seen north of camp');
  });

  it('a Pakit emergency reaches the stock app as ALERT_APP; the other Pakit node shows it once, signed', async () => {
    const sent = nodes[0]!.lora.emergencies.send({ text: 'Medical help needed at checkpoint 3', priority: 'life_threatening', confirmedAgain: false });
    expect(sent.ok).toBe(true);
    // The sender's radio has a fix: the stock text says where, as the signed message does.
    const { latitude, longitude } = nodes[0]!.radio.device!.position!;
    const alertText = `EMERGENCY (LIFE-THREATENING): Medical help needed at checkpoint 3 [at ${latitude.toFixed(5)}, ${longitude.toFixed(5)}]`;
    // One broadcast two hops away can be lost; the roll-call repeats it to the stock radio as a direct message a minute later.
    await expect.poll(() => stockAlerts.map((alert) => alert.text), { timeout: 90_000 }).toContain(alertText);
    await expect.poll(() => nodes[1]!.lora.emergencies.history().filter((entry) => entry.text === 'Medical help needed at checkpoint 3').length, { timeout: 60_000 }).toBe(1);
    // The demo's stock app says on the channel that it saw the alert: what an operator sees in Messages.
    await expect
      .poll(() => nodes[0]!.messages.list({ conversation: 'channel:0', limit: 20 }).map((message) => message.text), { timeout: 60_000 })
      .toContain(`Alert seen on my phone: "${alertText}"`);
    // Both copies reached B, in whichever order; it keeps one record, the signed one.
    await expect.poll(() => radioAlerts[1], { timeout: 30_000 }).toContain(alertText);
    const shown = nodes[1]!.lora.emergencies.history().filter((entry) => entry.fromNode === nodes[0]!.radio.device!.nodeId);
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ text: 'Medical help needed at checkpoint 3', priority: 'life_threatening' });
    expect(shown[0]!.position?.latitude).toBeCloseTo(latitude, 6); // 1e-7 degrees on the wire
    expect(shown[0]!.position?.longitude).toBeCloseTo(longitude, 6);
    expect(shown[0]!.signed).toBeUndefined();
  });
});
