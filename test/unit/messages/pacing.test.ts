// A direct message's parts go one at a time: the next waits for the destination's ack of the one
// before (or a failure), and at most RELAYED_PART_WAIT_MS after the relay's implicit ack. The radio
// link is scripted here (what it reports is driven by the test); the store is the real SQLite one.
// The whole path over the simulated mesh is in test/integration/messages.test.ts.
import { EventEmitter } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeDatabase } from '../../../electron/node/db/index.ts';
import { MessagesService, RELAYED_PART_WAIT_MS, type MessagesLink } from '../../../electron/node/messages/service.ts';
import { MessageStore } from '../../../electron/node/messages/store.ts';
import type { EnqueueResult, LinkEvents, OutboxPacket } from '../../../electron/node/radio/link.ts';
import { VirtualScheduler } from '../../../electron/sim/index.ts';
import type { Clock } from '../../../electron/node/clock.ts';

const OWN = 0x1234;
const FAR = 0xbeef;
const FAR_ID = '!0000beef';
const LONG = 'word '.repeat(100).trim(); // 499 bytes: 3 parts

class ScriptedLink extends EventEmitter<LinkEvents> {
  readonly sent: OutboxPacket[] = [];
  readonly waiting: OutboxPacket[] = [];
  refuse = false;
  readonly #packetIds = new Map<string, number>();
  device = { nodeNum: OWN, nodeId: '!00001234', preset: 'LONG_FAST' } as MessagesLink['device'];
  enqueue(packet: OutboxPacket): EnqueueResult {
    if (this.refuse) return { ok: false, error: { code: 'disconnected', message: 'No radio is connected.' } as never };
    this.sent.push(packet);
    return { ok: true, duplicate: false };
  }
  outbox(): OutboxPacket[] {
    return this.waiting;
  }
  nodes() {
    return [{ nodeId: FAR_ID, nodeNum: FAR }] as ReturnType<MessagesLink['nodes']>;
  }
  channels() {
    return [{ index: 0, role: 'PRIMARY' as const, name: '', encryption: 'default' as const }];
  }
  /** The device took the packet (ids 1, 2, …) and the firmware reported `from`'s ack. */
  report(messageId: string, from: 'relay' | 'destination' | 'failure'): void {
    const packetId = this.#packetIds.get(messageId) ?? this.#packetIds.size + 1;
    this.#packetIds.set(messageId, packetId);
    this.emit('accepted', { messageId, packetId });
    if (from === 'failure') this.emit('delivery', { messageId, ok: false, error: { code: 'routing_error', message: 'No ack (MAX_RETRANSMIT).' } as never });
    else this.emit('routing', { requestId: packetId, from: from === 'relay' ? OWN : FAR, error: undefined });
  }
}

function setUp(file = join(mkdtempSync(join(tmpdir(), 'pakit-pacing-')), 'pakit.db'), link = new ScriptedLink()) {
  const scheduler = new VirtualScheduler();
  const clock: Clock = { now: () => scheduler.now(), setTimeout: (callback, ms) => scheduler.setTimer(ms, callback), clearTimeout: (id) => scheduler.clearTimer(id as never) };
  const { database } = NodeDatabase.open(file);
  const service = new MessagesService({ link: link as unknown as MessagesLink, store: new MessageStore(database), clock, log: () => undefined });
  return { file, link, scheduler, database, service };
}

const sentIds = (link: ScriptedLink) => link.sent.map((packet) => packet.messageId);

describe('direct message parts, one at a time', () => {
  it('sends the next part when the destination acked the one before, not when the relay did', () => {
    const { link, scheduler, service } = setUp();
    const sent = service.send({ text: LONG, to: FAR_ID });
    if (!sent.ok) throw new Error(sent.error.message);
    const [first, second, third] = sent.messages.map((message) => message.id);
    expect(sent.messages.map((message) => message.state)).toEqual(['queued', 'queued', 'queued']);
    expect(sentIds(link)).toEqual([first]);
    link.report(first!, 'relay');
    scheduler.advanceBy(RELAYED_PART_WAIT_MS - 1);
    expect(sentIds(link)).toEqual([first]);
    link.report(first!, 'destination');
    expect(sentIds(link)).toEqual([first, second]);
    link.report(second!, 'failure');
    expect(sentIds(link)).toEqual([first, second, third]);
    expect(service.store.get(second!)?.state).toBe('failed');
  });

  it('sends the next part at most RELAYED_PART_WAIT_MS after the relay’s ack, once', () => {
    const { link, scheduler, service } = setUp();
    const sent = service.send({ text: LONG, to: FAR_ID });
    if (!sent.ok) throw new Error(sent.error.message);
    const [first, second] = sent.messages.map((message) => message.id);
    link.report(first!, 'relay');
    scheduler.advanceBy(RELAYED_PART_WAIT_MS);
    expect(sentIds(link)).toEqual([first, second]);
    link.report(first!, 'destination'); // the late ack releases nothing more
    expect(sentIds(link)).toEqual([first, second]);
  });

  it('fails every part at once when the radio link refuses them, and channel messages are not held', () => {
    const { link, service } = setUp();
    link.refuse = true;
    const direct = service.send({ text: LONG, to: FAR_ID });
    if (!direct.ok) throw new Error(direct.error.message);
    expect(direct.messages.map((message) => service.store.get(message.id)?.state)).toEqual(['failed', 'failed', 'failed']);
    link.refuse = false;
    const channel = service.send({ text: LONG });
    if (!channel.ok) throw new Error(channel.error.message);
    expect(sentIds(link)).toEqual(channel.messages.map((message) => message.id));
  });

  it('after a restart, the parts still queued wait behind the first of them again', () => {
    const first = setUp();
    const sent = first.service.send({ text: LONG, to: FAR_ID });
    if (!sent.ok) throw new Error(sent.error.message);
    const ids = sent.messages.map((message) => message.id);
    first.service.stop();
    first.database.close();

    const link = new ScriptedLink();
    link.waiting.push(first.link.sent[0]!); // the first part was still in the radio link's outbox
    const again = setUp(first.file, link);
    expect(sentIds(link)).toEqual([]);
    link.report(ids[0]!, 'destination');
    expect(sentIds(link)).toEqual([ids[1]]);
    link.report(ids[1]!, 'destination');
    expect(sentIds(link)).toEqual([ids[1], ids[2]]);
    again.service.stop();
  });
});
