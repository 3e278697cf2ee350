// Text messages end to end, interoperable with stock Meshtastic apps: a real Pakit node on one
// simulated radio (TCP, like port 4403), a scripted stock app on the far radio of a line, a bare
// relay radio between them. The stock app speaks the device protocol itself (StockClient).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagesEvent } from '../../shared/contract/index.ts';
import { MAX_TEXT_PART_BYTES } from '../../shared/contract/index.ts';
import type { PakitNode } from '../../electron/node/node.ts';
import { BlockStore } from '../../electron/node/storage/index.ts';
import { createSimMesh, ScaledRealTimeScheduler, serveDeviceOverTcp, type DeviceTcpServer, type SimMesh } from '../../electron/sim/index.ts';
import { StockClient, type StockRouting, type StockText } from '../../electron/sim/stock-client.ts';
import { createTestNode } from '../helpers/test-node.ts';

const utf8 = (text: string) => new TextEncoder().encode(text).length;

describe('messages with a stock Meshtastic app over the simulated mesh', { timeout: 90_000 }, () => {
  const scheduler = new ScaledRealTimeScheduler(20);
  const servers: DeviceTcpServer[] = [];
  let mesh: SimMesh;
  let node: PakitNode;
  let stock: StockClient;
  const stockTexts: StockText[] = [];
  const stockRouting: StockRouting[] = [];
  const events: MessagesEvent[] = [];
  let stockId: string;

  beforeAll(async () => {
    // A line switched on from the far end, so the three announcements do not collide at the middle.
    mesh = createSimMesh({ nodes: 3, scheduler, topology: 'line', epochMs: Date.now(), announceWithinMs: 200, switchedOnAtMs: (index) => (2 - index) * 3_000 });
    for (const device of mesh.devices) servers.push(await serveDeviceOverTcp(device));
    node = await createTestNode();
    node.hub.subscribe((name, payload) => name === 'messages' && events.push(payload as MessagesEvent));
    stock = await StockClient.connect({ host: '127.0.0.1', port: servers[2]!.port });
    stock.on('text', (text) => stockTexts.push(text));
    stock.on('routing', (routing) => stockRouting.push(routing));
    // Wait for the announcements (radio time ~8 s) before the node connects: then its radio knows the others.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await node.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: servers[0]!.port })).ok).toBe(true);
    stockId = `!${stock.nodeNum.toString(16).padStart(8, '0')}`;
    for (let waited = 0; !node.radio.nodes().some((known) => known.nodeId === stockId); waited += 100) {
      if (waited > 10_000) throw new Error('the node’s radio never heard the stock app’s radio');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  afterAll(async () => {
    stock?.close();
    await node?.stop();
    await Promise.all(servers.map((server) => server.close()));
    scheduler.stop();
  });

  it('stores a stock app’s channel message, counts it unread and emits it', async () => {
    stock.sendText('Anyone on the ridge? Reply on LongFast 📡');
    await expect.poll(() => node.messages.list({ conversation: 'channel:0', limit: 10 }).map((message) => message.text), { timeout: 20_000 }).toContain(
      'Anyone on the ridge? Reply on LongFast 📡',
    );
    const [message] = node.messages.list({ conversation: 'channel:0', limit: 1 });
    expect(message).toMatchObject({ direction: 'in', from: stockId, channel: 0, unread: true });
    expect(message?.hops).toBe(1); // relayed once by the middle radio
    const channel = node.messages.conversations().find((conversation) => conversation.id === 'channel:0');
    expect(channel).toMatchObject({ kind: 'channel', name: 'LongFast', unread: 1 });
    expect(events.some((event) => event.message.id === message?.id && event.conversation.unread === 1)).toBe(true);
    expect(node.messages.markRead('channel:0').unread).toBe(0);
  });

  it('stores a direct message under the sender, named as the radio announced it; the device acknowledges it to the stock app', async () => {
    const id = stock.sendText('Pakit, do you copy?', { to: node.radio.device!.nodeNum });
    await expect.poll(() => node.messages.list({ conversation: stockId, limit: 10 }).map((message) => message.text), { timeout: 20_000 }).toEqual(['Pakit, do you copy?']);
    expect(node.messages.conversations().find((conversation) => conversation.id === stockId)).toMatchObject({ kind: 'direct', name: 'Sim node 3', shortName: 'S3', unread: 1 });
    // What the stock app shows as "delivered": an ack from the destination itself.
    await expect.poll(() => stockRouting.some((routing) => routing.requestId === id && routing.from === node.radio.device!.nodeNum && routing.errorReason === 0), { timeout: 20_000 }).toBe(true);
  });

  it('sends a channel message the stock app shows, and reports it relayed (implicit ack)', async () => {
    const sent = node.messages.send({ text: 'Pakit here, copy you on LongFast' });
    expect(sent.ok).toBe(true);
    if (!sent.ok) return;
    expect(sent.messages[0]).toMatchObject({ state: 'queued', conversation: 'channel:0', channel: 0 });
    await expect.poll(() => stockTexts.find((text) => text.text === 'Pakit here, copy you on LongFast'), { timeout: 20_000 }).toMatchObject({ direct: false, channel: 0 });
    await expect.poll(() => node.messages.store.get(sent.messages[0]!.id)?.state, { timeout: 20_000 }).toBe('relayed');
    const states = events.filter((event) => event.message.id === sent.messages[0]!.id).map((event) => event.message.state);
    expect(states).toEqual(['queued', 'sent', 'relayed']);
  });

  it('sends a direct message that reaches "delivered" through the destination’s own ack, after the relay’s implicit one', async () => {
    const sent = node.messages.send({ text: 'Copy, two hops away', to: stockId });
    if (!sent.ok) throw new Error(sent.error.message);
    await expect.poll(() => stockTexts.find((text) => text.text === 'Copy, two hops away'), { timeout: 20_000 }).toMatchObject({ direct: true, to: stock.nodeNum });
    await expect.poll(() => node.messages.store.get(sent.messages[0]!.id)?.state, { timeout: 30_000 }).toBe('delivered');
    const states = events.filter((event) => event.message.id === sent.messages[0]!.id).map((event) => event.message.state);
    expect(states).toEqual(['queued', 'sent', 'relayed', 'delivered']);
  });

  it('splits a long text by UTF-8 bytes, never inside a character, and the stock app gets every part', { timeout: 120_000 }, async () => {
    const long = `${'Água potável no ponto 3 🚰 '.repeat(15)}fim.`;
    expect(utf8(long)).toBeGreaterThan(2 * MAX_TEXT_PART_BYTES);
    const sent = node.messages.send({ text: long, to: stockId });
    if (!sent.ok) throw new Error(sent.error.message);
    expect(sent.messages.length).toBe(3);
    expect(sent.messages.map((message) => message.part)).toEqual([1, 2, 3].map((index) => ({ index, count: 3 })));
    for (const message of sent.messages) expect(utf8(message.text)).toBeLessThanOrEqual(MAX_TEXT_PART_BYTES);
    const parts = sent.messages.map((message) => message.text);
    expect(parts.join('')).toBe(long);
    // Every part, each once, in order: a part goes when the stock radio acked the one before (or 30 s
    // after the relay's implicit ack, when that ack is lost). Sent
    // together, a part's relayed copy collided with the stock radio's ack of the one before, and the
    // firmware stopped retrying it when it heard the relay: that part was lost for good.
    await expect.poll(() => stockTexts.filter((text) => parts.includes(text.text)).map((text) => text.text), { timeout: 70_000 }).toEqual(parts);
    // Each part ends delivered (the stock radio's ack came back) or relayed: an ack lost across the
    // relay is not repaired by the firmware, and a resend would need a fresh id (a second copy on the
    // stock app's screen), so the part honestly stays relayed, as it would in a stock app.
    const ids = sent.messages.map((message) => message.id);
    await expect.poll(() => ids.every((id) => ['delivered', 'relayed'].includes(node.messages.store.get(id)?.state ?? '')), { timeout: 30_000 }).toBe(true);
    const stateAt = (id: string, state: string) => events.findIndex((event) => event.message.id === id && event.message.state === state);
    // The first of relayed and delivered: the next part waits for the ack or, after the relay's implicit ack, 30 s at most.
    const settledAt = (id: string) => Math.min(...['relayed', 'delivered'].map((state) => stateAt(id, state)).filter((at) => at >= 0));
    for (const [index, id] of ids.entries()) {
      if (index === 0) continue;
      expect(stateAt(id, 'sent')).toBeGreaterThan(settledAt(ids[index - 1]!));
    }
  });

  it('refuses bad input with a fix, and loses nothing', () => {
    const tooLong = node.messages.send({ text: 'x'.repeat(801) });
    expect(tooLong).toMatchObject({ ok: false, error: { code: 'invalid_input', reason: 'too_long' } });
    const unknown = node.messages.send({ text: 'hello?', to: '!0badc0de' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found', reason: 'unknown_node' } });
    const noChannel = node.messages.send({ text: 'hello?', channel: 3 });
    expect(noChannel).toMatchObject({ ok: false, error: { code: 'invalid_input', reason: 'no_such_channel' } });
    if (!noChannel.ok) expect(noChannel.error.message).toContain('0 (LongFast)');
    for (const refused of [tooLong, unknown, noChannel]) if (!refused.ok) expect(refused.error.fix).toBeTruthy();
  });

  it('answers contract errors through the API too', async () => {
    const result = await node.api.call('messages.send', { text: 'hi', to: '!XYZ' });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const unknown = await node.api.call('messages.send', { text: 'hi', to: '!0badc0de' });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found', reason: 'unknown_node' } });
  });

  it('keeps messages across a restart, and sends one queued while the radio was unplugged exactly once after it', async () => {
    node.radio.disconnect();
    const sent = node.messages.send({ text: 'Written while unplugged', to: stockId });
    if (!sent.ok) throw new Error(sent.error.message);
    expect(node.messages.store.get(sent.messages[0]!.id)?.state).toBe('queued');
    const before = node.messages.list({ limit: 1000 });
    const dataDir = node.options.dataDir;
    await node.stop();

    node = await createTestNode({ dataDir, store: await BlockStore.open(join(dataDir, 'store-after-restart')) });
    expect(node.messages.list({ limit: 1000 })).toEqual(before);
    expect(node.messages.conversations().find((conversation) => conversation.id === stockId)).toMatchObject({ name: 'Sim node 3', unread: 1 });
    expect((await node.radio.connect({ kind: 'tcp', host: '127.0.0.1', port: servers[0]!.port })).ok).toBe(true);
    await expect.poll(() => node.messages.store.get(sent.messages[0]!.id)?.state, { timeout: 30_000 }).toBe('delivered');
    await new Promise((resolve) => setTimeout(resolve, 500)); // 10 s of radio time: a second copy would have arrived
    expect(stockTexts.filter((text) => text.text === 'Written while unplugged').length).toBe(1);
  });

  it('reports a direct message nobody acknowledges as failed, with the routing error in words', async () => {
    mesh.devices[1]!.kill(); // the relay is gone: the node's radio hears nobody repeat it
    const sent = node.messages.send({ text: 'Anyone?', to: stockId });
    if (!sent.ok) throw new Error(sent.error.message);
    await expect.poll(() => node.messages.store.get(sent.messages[0]!.id)?.state, { timeout: 40_000 }).toBe('failed');
    expect(node.messages.store.get(sent.messages[0]!.id)?.error).toMatchObject({
      reason: 'routing_error',
      message: expect.stringContaining('sent the packet 3 times and heard no acknowledgement'),
      fix: expect.any(String),
    });
  });
});
