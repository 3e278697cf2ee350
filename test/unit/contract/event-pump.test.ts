import { describe, expect, it } from 'vitest';
import type { EventMessage, LogEntry, NodeStatus } from '../../../shared/contract/index.ts';
import { events } from '../../../shared/contract/index.ts';
import { EventPump, type Timers } from '../../../electron/node/api/event-pump.ts';

/** Timers that run only when the test advances time. */
function manualTimers() {
  let now = 0;
  let queue: { at: number; callback: () => void; handle: number }[] = [];
  let nextHandle = 1;
  const timers: Timers = {
    setTimeout: (callback, ms) => {
      const handle = nextHandle++;
      queue.push({ at: now + ms, callback, handle });
      return handle;
    },
    clearTimeout: (handle) => {
      queue = queue.filter((entry) => entry.handle !== handle);
    },
  };
  const advance = (ms: number) => {
    const until = now + ms;
    for (;;) {
      queue.sort((a, b) => a.at - b.at);
      const next = queue[0];
      if (!next || next.at > until) break;
      queue.shift();
      now = next.at;
      next.callback();
    }
    now = until;
  };
  return { timers, advance };
}

const status = (n: number): NodeStatus => ({ sampledAt: n, uptimeS: n, rssBytes: 0, heapUsedBytes: 0, heapTotalBytes: 0, eventsPerSecond: 0, eventsTotal: n, consoleConnections: 1 });
const entry = (seq: number): LogEntry => ({ seq, at: seq, level: 'info', source: 'test', message: `entry ${seq}` });

describe('EventPump', () => {
  it('sends a state snapshot at once, then at most one per interval, keeping only the newest', () => {
    const { timers, advance } = manualTimers();
    const sent: EventMessage[] = [];
    const pump = new EventPump({ send: (message) => sent.push(message) }, timers);
    pump.push('node.status', status(1));
    advance(0);
    expect(sent).toHaveLength(1);
    for (let n = 2; n <= 50; n += 1) pump.push('node.status', status(n));
    advance(events['node.status'].delivery.intervalMs - 1);
    expect(sent).toHaveLength(1);
    advance(1);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({ event: 'node.status', data: [status(50)], dropped: 48 });
  });

  it('batches a flood of log entries and bounds memory by dropping the oldest', () => {
    const { timers, advance } = manualTimers();
    const sent: EventMessage[] = [];
    const pump = new EventPump({ send: (message) => sent.push(message) }, timers);
    const { maxBatch, intervalMs } = events['log.entry'].delivery as { maxBatch: number; intervalMs: number };
    for (let seq = 1; seq <= maxBatch + 100; seq += 1) pump.push('log.entry', entry(seq));
    advance(intervalMs);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.data).toHaveLength(maxBatch);
    expect(sent[0]?.dropped).toBe(100);
    expect((sent[0]?.data[0] as LogEntry).seq).toBe(101);
  });

  it('holds delivery while the console is congested, then sends the coalesced result', () => {
    const { timers, advance } = manualTimers();
    const sent: EventMessage[] = [];
    let congested = true;
    const pump = new EventPump({ send: (message) => sent.push(message), congested: () => congested }, timers);
    for (let n = 1; n <= 10; n += 1) {
      pump.push('node.status', status(n));
      advance(1000);
    }
    expect(sent).toHaveLength(0);
    congested = false;
    advance(1000);
    expect(sent).toEqual([{ kind: 'event', event: 'node.status', data: [status(10)], dropped: 9 }]);
  });

  it('sends nothing after close', () => {
    const { timers, advance } = manualTimers();
    const sent: EventMessage[] = [];
    const pump = new EventPump({ send: (message) => sent.push(message) }, timers);
    pump.push('log.entry', entry(1));
    pump.close();
    pump.push('log.entry', entry(2));
    advance(10_000);
    expect(sent).toEqual([]);
  });
});
