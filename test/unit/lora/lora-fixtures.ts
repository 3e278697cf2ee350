// Shared fixtures for the LoRa protocol tests: fixed identities, a fixed time, sender/receiver pairs.
import { NodeIdentity } from '../../../electron/node/identity/index.ts';
import { LoraReceiver, LoraSender, type Delivery, type ReceiveResult, type ReceiverOptions } from '../../../electron/node/lora/index.ts';
import { seededRandom } from '../../../electron/sim/random.ts';

export const NETWORK = 'pakit-test';
export const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);

export function identity(n: number): NodeIdentity {
  return NodeIdentity.fromSeed(new Uint8Array(32).fill(n));
}

export function senderFor(n: number, seed = n): LoraSender {
  return new LoraSender({ networkId: NETWORK, signer: identity(n), random: seededRandom(seed) });
}

export function receiver(options: Partial<ReceiverOptions> = {}): LoraReceiver {
  return new LoraReceiver({ networkId: NETWORK, ...options });
}

/** Feeds frames in order and returns what was delivered (settled ones included). */
export function feed(rx: LoraReceiver, frames: readonly Uint8Array[], from: number, now = NOW): { results: ReceiveResult[]; deliveries: Delivery[] } {
  const results = frames.map((frame) => rx.receive(frame, from, now));
  const deliveries: Delivery[] = [];
  for (const result of results) {
    if (result.ok && result.status === 'delivered') {
      deliveries.push(result.delivery);
      for (const settled of result.settled) if (settled.ok) deliveries.push(settled);
    }
  }
  return { results, deliveries };
}

export function only<T>(items: readonly T[]): T {
  if (items.length !== 1) throw new Error(`expected exactly one item, got ${items.length}`);
  return items[0]!;
}
