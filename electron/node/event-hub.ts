import type { EventName, EventPayload } from '../../shared/contract/index.ts';

export type HubListener = <E extends EventName>(name: E, payload: EventPayload<E>) => void;

/** The node's one event bus: services publish contract events, console connections subscribe. */
export class EventHub {
  #listeners = new Set<HubListener>();
  #counts = new Map<EventName, number>();

  emit<E extends EventName>(name: E, payload: EventPayload<E>): void {
    this.#counts.set(name, (this.#counts.get(name) ?? 0) + 1);
    for (const listener of this.#listeners) listener(name, payload);
  }

  subscribe(listener: HubListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Events emitted since start, optionally leaving some streams out (the dashboard's event rate). */
  countSince(except: readonly EventName[] = []): number {
    let total = 0;
    for (const [name, count] of this.#counts) if (!except.includes(name)) total += count;
    return total;
  }
}
