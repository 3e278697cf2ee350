import { describe, expect, it } from 'vitest';
import { nextDeliveryState } from '../../../electron/node/messages/state.ts';

describe('delivery state of an outgoing message', () => {
  it('moves forward as the firmware reports: queued, sent, relayed, delivered', () => {
    expect(nextDeliveryState('queued', 'accepted')).toBe('sent');
    expect(nextDeliveryState('sent', 'relayed')).toBe('relayed');
    expect(nextDeliveryState('relayed', 'delivered')).toBe('delivered');
    expect(nextDeliveryState('queued', 'delivered')).toBe('delivered'); // an ack before the queue status
  });

  it('ignores reports that arrive late or twice', () => {
    expect(nextDeliveryState('relayed', 'accepted')).toBeUndefined();
    expect(nextDeliveryState('delivered', 'relayed')).toBeUndefined();
    expect(nextDeliveryState('sent', 'sent')).toBeUndefined();
    expect(nextDeliveryState('delivered', 'failed')).toBeUndefined();
  });

  it('fails from any state short of delivered, and only the destination’s ack overrides a failure', () => {
    for (const state of ['queued', 'sent', 'relayed'] as const) expect(nextDeliveryState(state, 'failed')).toBe('failed');
    expect(nextDeliveryState('failed', 'relayed')).toBeUndefined();
    expect(nextDeliveryState('failed', 'accepted')).toBeUndefined();
    expect(nextDeliveryState('failed', 'delivered')).toBe('delivered');
  });
});
