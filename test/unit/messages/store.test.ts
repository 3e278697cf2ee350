import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeDatabase } from '../../../electron/node/db/index.ts';
import { MessageStore } from '../../../electron/node/messages/store.ts';

const openStore = (file: string) => {
  const { database } = NodeDatabase.open(file);
  return { database, store: new MessageStore(database) };
};

describe('message store in SQLite', () => {
  it('keeps messages, states, errors, unread counts and names across a reopen', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pakit-messages-')), 'pakit.db');
    const first = openStore(file);
    first.store.insert({ id: 'in-1', conversation: '!0000beef', direction: 'in', from: '!0000beef', to: '!00001234', channel: 0, text: 'ping', at: 1_000, hops: 2, snr: 4.5, unread: true, packetId: 77 });
    first.store.insert({ id: 'out-1', conversation: '!0000beef', direction: 'out', to: '!0000beef', channel: 0, text: 'pong', at: 2_000, state: 'queued', part: { index: 1, count: 2 } });
    first.store.setState('out-1', 'failed', { packetId: 99, error: { code: 'unavailable', message: 'No ack', fix: 'Move closer', reason: 'routing_error' } });
    first.store.rememberNames([{ key: '!0000beef', name: 'Base camp', shortName: 'BC' }]);
    first.database.close();

    const second = openStore(file);
    expect(second.store.list({ limit: 10 })).toEqual([
      { id: 'in-1', conversation: '!0000beef', direction: 'in', from: '!0000beef', to: '!00001234', channel: 0, text: 'ping', at: 1_000, hops: 2, snr: 4.5, unread: true },
      {
        id: 'out-1', conversation: '!0000beef', direction: 'out', to: '!0000beef', channel: 0, text: 'pong', at: 2_000, state: 'failed',
        error: { code: 'unavailable', message: 'No ack', fix: 'Move closer', reason: 'routing_error' }, part: { index: 1, count: 2 },
      },
    ]);
    expect(second.store.byPacketId(99)?.id).toBe('out-1');
    expect(second.store.conversations()).toEqual([{ id: '!0000beef', kind: 'direct', nodeId: '!0000beef', name: 'Base camp', shortName: 'BC', unread: 1, lastAt: 2_000, lastText: 'pong' }]);
    expect(second.store.markRead('!0000beef')).toBe(1);
    expect(second.store.conversation('!0000beef').unread).toBe(0);
    second.database.close();
  });

  it('stores a received packet once, however often the radio passes it on', () => {
    const { store, database } = openStore(join(mkdtempSync(join(tmpdir(), 'pakit-messages-')), 'pakit.db'));
    const received = { conversation: 'channel:0', direction: 'in' as const, from: '!0000beef', channel: 0, text: 'hi', at: 5, unread: true, packetId: 5 };
    expect(store.insert({ id: 'a', ...received })).toBe(true);
    expect(store.insert({ id: 'b', ...received })).toBe(false);
    expect(store.insert({ id: 'c', ...received, from: '!0000cafe' })).toBe(true); // same id, another sender
    expect(store.list({ conversation: 'channel:0', limit: 10 }).map((message) => message.id)).toEqual(['a', 'c']);
    database.close();
  });

  it('pages back in time, oldest first within a page, and lists everything in time order for export', () => {
    const { store, database } = openStore(join(mkdtempSync(join(tmpdir(), 'pakit-messages-')), 'pakit.db'));
    for (let i = 0; i < 10; i += 1) {
      store.insert({ id: `m${i}`, conversation: i % 2 ? 'channel:0' : 'channel:1', direction: 'out', channel: i % 2 ? 0 : 1, text: `#${i}`, at: 1_000 - i * 10, state: 'sent' });
    }
    expect(store.list({ limit: 3 }).map((message) => message.at)).toEqual([980, 990, 1_000]);
    expect(store.list({ before: 980, limit: 3 }).map((message) => message.at)).toEqual([950, 960, 970]);
    expect(store.list({ conversation: 'channel:0', limit: 100 }).map((message) => message.id)).toEqual(['m9', 'm7', 'm5', 'm3', 'm1']);
    expect([...store.allInTimeOrder()].map((message) => message.at)).toEqual([910, 920, 930, 940, 950, 960, 970, 980, 990, 1_000]);
    database.close();
  });
});
