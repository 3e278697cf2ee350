import type { LogEntry, LogLevel } from '../../shared/contract/index.ts';
import type { Clock } from './clock.ts';
import type { EventHub } from './event-hub.ts';

const levelRank: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** The node's log: a bounded ring the console can read back, published live, mirrored to a sink. */
export class NodeLog {
  #entries: LogEntry[] = [];
  #capacity: number;
  #seq = 0;
  #hub: EventHub;
  #clock: Clock;
  #sink: ((entry: LogEntry) => void) | undefined;

  constructor(options: { hub: EventHub; clock: Clock; capacity?: number; sink?: (entry: LogEntry) => void }) {
    this.#hub = options.hub;
    this.#clock = options.clock;
    this.#capacity = options.capacity ?? 5000;
    this.#sink = options.sink;
  }

  write(level: LogLevel, source: string, message: string): void {
    const entry: LogEntry = { seq: ++this.#seq, at: this.#clock.now(), level, source, message };
    this.#entries.push(entry);
    if (this.#entries.length > this.#capacity) this.#entries.splice(0, this.#entries.length - this.#capacity);
    this.#sink?.(entry);
    this.#hub.emit('log.entry', entry);
  }

  readonly debug = (source: string, message: string) => this.write('debug', source, message);
  readonly info = (source: string, message: string) => this.write('info', source, message);
  readonly warn = (source: string, message: string) => this.write('warn', source, message);
  readonly error = (source: string, message: string) => this.write('error', source, message);

  recent(limit: number, minLevel: LogLevel = 'debug'): LogEntry[] {
    const wanted = this.#entries.filter((entry) => levelRank[entry.level] >= levelRank[minLevel]);
    return wanted.slice(-limit);
  }
}

export function formatLogLine(entry: LogEntry): string {
  return `${new Date(entry.at).toISOString()} ${entry.level.toUpperCase().padEnd(5)} ${entry.source}: ${entry.message}`;
}
