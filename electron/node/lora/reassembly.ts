// Reassembles fragmented messages under hard bounds: fragments per message, open reassemblies per
// sender and in total, and an inactivity timeout. A flood of partial messages evicts the least
// recently active ones; memory never exceeds maxReassemblies x maxMessageBytes.
import { FRAGMENT_DATA_BYTES, reject, type Rejection } from './wire.ts';

export type ReassemblyLimits = {
  readonly maxMessageBytes: number;
  readonly maxReassemblies: number;
  readonly maxReassembliesPerSender: number;
  /** A reassembly that receives nothing for this long is dropped. */
  readonly timeoutMs: number;
};

export type Fragment = { readonly nonce: number; readonly index: number; readonly count: number; readonly data: Uint8Array };
export type FragmentOutcome = { readonly status: 'partial' } | { readonly status: 'complete'; readonly bytes: Uint8Array } | Rejection;

type Reassembly = {
  readonly sender: number;
  readonly count: number;
  readonly parts: (Uint8Array | undefined)[];
  received: number;
  bytes: number;
  lastActivity: number;
};

export class Reassembler {
  readonly #limits: ReassemblyLimits;
  readonly #maxFragments: number;
  /** Ordered by last activity, oldest first: eviction and expiry take from the front. */
  readonly #open = new Map<string, Reassembly>();
  readonly #openPerSender = new Map<number, number>();
  #bufferedBytes = 0;
  evicted = 0;
  expired = 0;

  constructor(limits: ReassemblyLimits) {
    this.#limits = limits;
    this.#maxFragments = Math.ceil(limits.maxMessageBytes / FRAGMENT_DATA_BYTES);
  }

  get openCount(): number {
    return this.#open.size;
  }

  get bufferedBytes(): number {
    return this.#bufferedBytes;
  }

  add(sender: number, fragment: Fragment, now: number): FragmentOutcome {
    this.expire(now);
    if (fragment.count > this.#maxFragments) return reject('bad_length', `${fragment.count} fragments exceed the ${this.#limits.maxMessageBytes}-byte message limit`);
    const isLast = fragment.index === fragment.count - 1;
    // Only the last fragment may be short: the sender fills the others, which bounds each message.
    if (!isLast && fragment.data.length !== FRAGMENT_DATA_BYTES) return reject('bad_fragment', `fragment ${fragment.index} of ${fragment.count} is ${fragment.data.length} bytes, not ${FRAGMENT_DATA_BYTES}`);
    const key = `${sender}:${fragment.nonce}`;
    let entry = this.#open.get(key);
    if (entry && entry.count !== fragment.count) return reject('bad_fragment', `fragment count ${fragment.count} differs from ${entry.count} of the open message`);
    if (!entry) {
      this.#makeRoomFor(sender);
      entry = { sender, count: fragment.count, parts: new Array<Uint8Array | undefined>(fragment.count), received: 0, bytes: 0, lastActivity: now };
      this.#openPerSender.set(sender, (this.#openPerSender.get(sender) ?? 0) + 1);
    }
    if (entry.parts[fragment.index] !== undefined) {
      this.#touch(key, entry, now);
      return reject('duplicate', `fragment ${fragment.index} already received`);
    }
    entry.parts[fragment.index] = Uint8Array.from(fragment.data);
    entry.received += 1;
    entry.bytes += fragment.data.length;
    this.#bufferedBytes += fragment.data.length;
    if (entry.received < entry.count) {
      this.#touch(key, entry, now);
      return { status: 'partial' };
    }
    this.#remove(key, entry);
    if (entry.bytes > this.#limits.maxMessageBytes) return reject('bad_length', `message of ${entry.bytes} bytes exceeds ${this.#limits.maxMessageBytes}`);
    const bytes = new Uint8Array(entry.bytes);
    let at = 0;
    for (const part of entry.parts) {
      bytes.set(part!, at);
      at += part!.length;
    }
    return { status: 'complete', bytes };
  }

  /** Drops reassemblies idle for longer than the timeout; returns how many. */
  expire(now: number): number {
    let dropped = 0;
    for (const [key, entry] of this.#open) {
      if (now - entry.lastActivity < this.#limits.timeoutMs) break;
      this.#remove(key, entry);
      dropped += 1;
    }
    this.expired += dropped;
    return dropped;
  }

  #makeRoomFor(sender: number): void {
    if ((this.#openPerSender.get(sender) ?? 0) >= this.#limits.maxReassembliesPerSender) {
      for (const [key, entry] of this.#open) {
        if (entry.sender === sender) {
          this.#remove(key, entry);
          this.evicted += 1;
          break;
        }
      }
    }
    if (this.#open.size >= this.#limits.maxReassemblies) {
      const [key, entry] = this.#open.entries().next().value!;
      this.#remove(key, entry);
      this.evicted += 1;
    }
  }

  #touch(key: string, entry: Reassembly, now: number): void {
    entry.lastActivity = Math.max(entry.lastActivity, now);
    this.#open.delete(key);
    this.#open.set(key, entry);
  }

  #remove(key: string, entry: Reassembly): void {
    this.#open.delete(key);
    this.#bufferedBytes -= entry.bytes;
    const open = (this.#openPerSender.get(entry.sender) ?? 1) - 1;
    if (open === 0) this.#openPerSender.delete(entry.sender);
    else this.#openPerSender.set(entry.sender, open);
  }
}
