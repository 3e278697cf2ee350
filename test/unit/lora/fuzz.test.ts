import { describe, expect, it } from 'vitest';
import { DEFAULT_RECEIVER_LIMITS, REJECT_REASONS } from '../../../electron/node/lora/index.ts';
import { fuzzFrames, primedReceiver } from './fuzz-corpus.ts';

describe('decoder fuzz', () => {
  it('turns 20,000 random and mutated frames into deliveries or typed rejections, with bounded state', () => {
    const rx = primedReceiver();
    const next = fuzzFrames(0xf022);
    const escaped: unknown[] = [];
    const outcomes = new Map<string, number>();
    let maxReassemblyBytes = 0;
    for (let i = 0; i < 20_000; i++) {
      const { frame, from, now } = next();
      try {
        const result = rx.receive(frame, from, now);
        const key = result.ok ? result.status : result.reason;
        if (!result.ok) expect(REJECT_REASONS).toContain(result.reason);
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      } catch (error) {
        escaped.push(error);
      }
      maxReassemblyBytes = Math.max(maxReassemblyBytes, rx.retained().reassemblyBytes);
    }
    expect(escaped).toEqual([]);
    const limits = DEFAULT_RECEIVER_LIMITS;
    const state = rx.retained();
    expect(state.reassemblies).toBeLessThanOrEqual(limits.maxReassemblies);
    expect(maxReassemblyBytes).toBeLessThanOrEqual(limits.maxReassemblies * limits.maxMessageBytes);
    expect(state.heldUnverified).toBeLessThanOrEqual(limits.maxHeldUnverified);
    expect(state.countedSenders).toBeLessThanOrEqual(64);
    // The mix reaches deep into the decoder, not only the network-tag check.
    for (const reason of ['wrong_network', 'bad_version', 'truncated', 'unknown_type', 'bad_fragment', 'duplicate', 'bad_signature']) {
      expect(outcomes.get(reason) ?? 0, reason).toBeGreaterThan(0);
    }
    expect(outcomes.get('delivered') ?? 0).toBeGreaterThan(0);
  });
});
