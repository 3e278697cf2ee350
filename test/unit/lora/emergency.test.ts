import { describe, expect, it } from 'vitest';
import { EMERGENCY_TEXT_MAX_BYTES, EmergencyInbox, EmergencyOutbox, emergencyIdOf, type Delivery } from '../../../electron/node/lora/index.ts';
import { NOW, feed, identity, only, receiver, senderFor } from './lora-fixtures.ts';

function deliveredEmergency(hops = 0): { delivery: Delivery; id: string; frame: Uint8Array } {
  const origin = new EmergencyOutbox({ sender: senderFor(1) });
  const sent = origin.send({ text: 'Rockfall, two injured', priority: 'life_threatening' }, NOW);
  if (!sent.ok) throw new Error(sent.reason);
  const rx = receiver();
  rx.keys.add(identity(1).publicKey);
  const frame = Uint8Array.from(sent.frames[0]!);
  frame[5] = hops; // the unsigned relay-hop byte
  return { delivery: only(feed(rx, [frame], 0x11).deliveries), id: sent.id, frame };
}

describe('EmergencyOutbox', () => {
  it('signs an emergency with the mesh-wide hop limit and a cool-down after it', () => {
    const outbox = new EmergencyOutbox({ sender: senderFor(1) });
    const first = outbox.send({ text: 'Need water at camp 3', priority: 'urgent' }, NOW);
    expect(first).toMatchObject({ ok: true, hopLimit: 7 });
    expect(outbox.send({ text: 'Again', priority: 'urgent' }, NOW + 10_000)).toEqual({ ok: false, reason: 'cooling_down', retryAt: NOW + 30_000 });
    expect(outbox.send({ text: 'Again', priority: 'urgent', confirmedAgain: true }, NOW + 10_000)).toMatchObject({ ok: true });
    expect(outbox.send({ text: 'Later', priority: 'urgent' }, NOW + 40_001)).toMatchObject({ ok: true });
  });

  it('refuses empty text and text that does not fit one frame', () => {
    const outbox = new EmergencyOutbox({ sender: senderFor(1) });
    expect(outbox.send({ text: '', priority: 'advisory' }, NOW)).toEqual({ ok: false, reason: 'bad_text', maxBytes: EMERGENCY_TEXT_MAX_BYTES });
    // 107 bytes: one frame with the signature, the author's key and room for a position.
    expect(outbox.send({ text: 'é'.repeat(54), priority: 'advisory' }, NOW)).toMatchObject({ ok: false, reason: 'bad_text' });
    expect(outbox.send({ text: 'é'.repeat(53), priority: 'advisory' }, NOW)).toMatchObject({ ok: true });
  });

  it('tallies acks per acker, once each', () => {
    const originSender = senderFor(1);
    const outbox = new EmergencyOutbox({ sender: originSender });
    const sent = outbox.send({ text: 'Bridge out', priority: 'urgent' }, NOW);
    if (!sent.ok) throw new Error(sent.reason);
    const rx = receiver();
    rx.keys.add(identity(1).publicKey);
    const delivery = only(feed(rx, sent.frames, 1).deliveries);
    const ackerRx = receiver();
    for (const n of [2, 3, 2]) {
      const inbox = new EmergencyInbox({ sender: senderFor(n) });
      const ack = inbox.handle(delivery, NOW).ack!;
      const ackDelivery = only(feed(ackerRx, ack, n).deliveries);
      outbox.noteAck(ackDelivery);
    }
    expect(outbox.ackersOf(sent.id)).toEqual([senderFor(2).keyId, senderFor(3).keyId]);
  });
});

describe('EmergencyInbox', () => {
  it('alerts, acks and relays a verified emergency once', () => {
    const { delivery, id } = deliveredEmergency();
    const inbox = new EmergencyInbox({ sender: senderFor(2) });
    const outcome = inbox.handle(delivery, NOW, 2);
    expect(outcome.alert).toMatchObject({ id, status: 'new', auth: 'verified', priority: 'life_threatening', text: 'Rockfall, two injured' });
    const ack = only(feed(receiver(), outcome.ack!, 2).deliveries).message;
    expect(ack).toEqual({ type: 'emergency-ack', emergencyKeyId: delivery.signer!.keyId, emergencySeq: delivery.signer!.seq, acker: senderFor(2).keyId });
    // Two mesh hops to reach us, ours is the third: 4 left of 7.
    expect(outcome.relay?.hopLimit).toBe(4);
    expect(inbox.handle(delivery, NOW + 1000, 0)).toEqual({});
  });

  it('relays a copy that others verify and recognise as the same emergency', () => {
    const { delivery, frame } = deliveredEmergency();
    const relay = new EmergencyInbox({ sender: senderFor(2) }).handle(delivery, NOW, 1).relay!;
    const far = receiver();
    far.keys.add(identity(1).publicKey);
    const relayed = only(feed(far, relay.frames, 0x22).deliveries);
    expect(relayed).toMatchObject({ auth: 'verified', message: delivery.message, signer: { hops: 2 } });
    // The original, heard later from its sender directly, is the same message.
    expect(far.receive(frame, 0x11, NOW)).toMatchObject({ ok: false, reason: 'duplicate' });
  });

  it('does not relay past the hop limit, and not at all when relaying is off', () => {
    const spent = deliveredEmergency(6).delivery;
    expect(new EmergencyInbox({ sender: senderFor(2) }).handle(spent, NOW, 1).relay).toBeUndefined();
    const fresh = deliveredEmergency().delivery;
    expect(new EmergencyInbox({ sender: senderFor(2), relay: false }).handle(fresh, NOW).relay).toBeUndefined();
  });

  it('sends no ack when the operator turned acks off', () => {
    const outcome = new EmergencyInbox({ sender: senderFor(2), acks: false }).handle(deliveredEmergency().delivery, NOW);
    expect(outcome.alert).toBeDefined();
    expect(outcome.ack).toBeUndefined();
  });

  it('ignores its own emergencies coming back', () => {
    expect(new EmergencyInbox({ sender: senderFor(1) }).handle(deliveredEmergency().delivery, NOW)).toEqual({});
  });

  it('shows an unverified emergency at once, and acks and relays it only once it is verified', () => {
    // Emergencies carry their key, so the receiver verifies them on arrival; the inbox still treats
    // a delivery it is handed as unverified as a claim, whatever transport produced it.
    const origin = senderFor(1);
    const outbox = new EmergencyOutbox({ sender: origin });
    const sent = outbox.send({ text: 'Lost child near the lake', priority: 'life_threatening' }, NOW);
    if (!sent.ok) throw new Error(sent.reason);
    const verified = only(feed(receiver(), sent.frames, 1).deliveries);
    expect(verified.auth).toBe('verified');
    const inbox = new EmergencyInbox({ sender: senderFor(2) });
    const early = inbox.handle({ ...verified, auth: 'unverified' }, NOW);
    expect(early.alert).toMatchObject({ auth: 'unverified', status: 'new', id: emergencyIdOf(origin.keyId, verified.signer!.seq) });
    expect(early.ack).toBeUndefined();
    expect(early.relay).toBeUndefined();
    const late = inbox.handle(verified, NOW + 5000);
    expect(late.alert).toMatchObject({ auth: 'verified', status: 'verified' });
    expect(late.ack).toBeDefined();
    expect(late.relay).toBeDefined();
  });
});
