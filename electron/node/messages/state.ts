// How an outgoing message's delivery state moves as the radio reports on it. Pure: the service
// feeds in what the link says; reports can arrive late or twice (an implicit ack after the
// destination's, the link's summary after the ACK itself), so a state only moves forward.
import type { DeliveryState } from '../../../shared/contract/messages.ts';

export type DeliveryStep = 'accepted' | 'sent' | 'relayed' | 'delivered' | 'failed';

const RANK: Readonly<Record<Exclude<DeliveryState, 'failed'>, number>> = { queued: 0, sent: 1, relayed: 2, delivered: 3 };

/** The state after `step`, or undefined when the step changes nothing. */
export function nextDeliveryState(current: DeliveryState, step: DeliveryStep): DeliveryState | undefined {
  const target: DeliveryState = step === 'accepted' ? 'sent' : step;
  if (current === 'delivered') return undefined; // the destination said it has it: nothing outranks that
  if (target === 'delivered') return 'delivered'; // even after a failure: the destination's ack is proof
  if (current === 'failed') return undefined;
  if (target === 'failed') return 'failed';
  return RANK[target] > RANK[current] ? target : undefined;
}
