import { events, type EventName, type EventMessage } from '../../../shared/contract/index.ts';

export type Timers = {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

export const realTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Where a connection's events go; `congested` lets a slow console hold delivery without growing memory. */
export interface EventSink {
  send(message: EventMessage): void;
  congested?(): boolean;
}

type Stream = { items: unknown[]; dropped: number; timer: unknown };

/**
 * Shapes one console's event traffic by each event's delivery policy in the contract: `latest`
 * streams keep only the newest value, `batch` streams keep at most `maxBatch` items. Memory per
 * connection is therefore bounded whatever the mesh does, and a congested sink only delays.
 */
export class EventPump {
  #sink: EventSink;
  #timers: Timers;
  #streams = new Map<EventName, Stream>();
  #closed = false;

  constructor(sink: EventSink, timers: Timers = realTimers) {
    this.#sink = sink;
    this.#timers = timers;
  }

  push(name: EventName, payload: unknown): void {
    if (this.#closed) return;
    const delivery = events[name].delivery;
    let stream = this.#streams.get(name);
    if (!stream) {
      stream = { items: [], dropped: 0, timer: undefined };
      this.#streams.set(name, stream);
    }
    if (delivery.mode === 'latest') {
      stream.dropped += stream.items.length;
      stream.items = [payload];
    } else {
      stream.items.push(payload);
      if (stream.items.length > delivery.maxBatch) {
        stream.items.shift();
        stream.dropped += 1;
      }
    }
    // An idle stream sends a state snapshot at once and batches after one interval.
    if (stream.timer === undefined) this.#schedule(name, stream, delivery.mode === 'latest' ? 0 : delivery.intervalMs);
  }

  close(): void {
    this.#closed = true;
    for (const stream of this.#streams.values()) {
      if (stream.timer !== undefined) this.#timers.clearTimeout(stream.timer);
    }
    this.#streams.clear();
  }

  #schedule(name: EventName, stream: Stream, delayMs: number): void {
    stream.timer = this.#timers.setTimeout(() => this.#flush(name, stream), delayMs);
  }

  #flush(name: EventName, stream: Stream): void {
    stream.timer = undefined;
    if (this.#closed || stream.items.length === 0) return;
    const { intervalMs } = events[name].delivery;
    if (this.#sink.congested?.()) {
      this.#schedule(name, stream, intervalMs);
      return;
    }
    this.#sink.send({ kind: 'event', event: name, data: stream.items, dropped: stream.dropped });
    stream.items = [];
    stream.dropped = 0;
    // Hold the stream for one interval so a burst right after a flush is coalesced, not sent at once.
    this.#schedule(name, stream, intervalMs);
  }
}
