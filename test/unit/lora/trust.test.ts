import { describe, expect, it } from 'vitest';
import { LoraSender, keyIdOf, type LoraMessage } from '../../../electron/node/lora/index.ts';
import { seededRandom } from '../../../electron/sim/random.ts';
import { NETWORK, NOW, feed, identity, only, receiver, senderFor } from './lora-fixtures.ts';

const emergency: LoraMessage = { type: 'emergency', priority: 'urgent', hopLimit: 7, text: 'Flooding at the bridge' };
/** Signed, and (unlike an emergency) without its author's key: verifiable only once the key is known. */
const indexAnnounce: LoraMessage = { type: 'index-announce', version: 3, blockCount: 10, rootHash: 'ab'.repeat(32) };
const MINUTE = 60_000;

describe('signatures', () => {
  it('refuses a forged signature and reports it against the sender', () => {
    const rx = receiver();
    rx.keys.add(identity(1).publicKey);
    const frame = senderFor(1).encode(emergency, NOW).frames[0]!;
    const forged = Uint8Array.from(frame);
    forged[forged.length - 1]! ^= 0x01;
    const result = rx.receive(forged, 0xabc, NOW);
    expect(result).toMatchObject({ ok: false, reason: 'bad_signature', keyId: keyIdOf(identity(1).publicKey), from: 0xabc });
    expect(rx.rejectionsOf(0xabc).bad_signature).toBe(1);
    // The genuine message is still accepted: a forgery does not burn its sequence number.
    expect(rx.receive(frame, 0xabc, NOW)).toMatchObject({ ok: true, status: 'delivered', delivery: { auth: 'verified' } });
  });

  it('refuses a message whose body was altered under a valid signature', () => {
    const rx = receiver();
    rx.keys.add(identity(1).publicKey);
    const altered = Uint8Array.from(senderFor(1).encode(emergency, NOW).frames[0]!);
    altered[4 + 14 + 2 + 32]! ^= 0x20; // first text byte, after priority, hop limit and key
    expect(rx.receive(altered, 1, NOW)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a message signed for another network even with the right tag', () => {
    const other = new LoraSender({ networkId: 'other', signer: identity(1), random: seededRandom(1) });
    const frame = Uint8Array.from(other.encode(emergency, NOW).frames[0]!);
    frame.set(senderFor(1).encode({ type: 'nack', transferId: 0, chunks: [] }, NOW).frames[0]!.subarray(0, 3));
    const rx = receiver();
    rx.keys.add(identity(1).publicKey);
    expect(rx.receive(frame, 1, NOW)).toMatchObject({ ok: false, reason: 'bad_signature' });
  });

  it('refuses a key-announce whose key does not hash to the sender id', () => {
    const frame = Uint8Array.from(senderFor(1).encode({ type: 'key-announce', publicKey: identity(1).publicKey }, NOW).frames[0]!);
    frame.set(identity(2).publicKey, 4 + 14);
    expect(receiver().receive(frame, 1, NOW)).toMatchObject({ ok: false, reason: 'key_mismatch' });
  });
});

describe('unknown keys', () => {
  it('verifies an emergency from an unknown sender on arrival: it carries its key, and learns it', () => {
    const rx = receiver();
    const delivery = only(feed(rx, senderFor(1).encode(emergency, NOW).frames, 1).deliveries);
    expect(delivery).toMatchObject({ auth: 'verified', message: { ...emergency, publicKey: identity(1).publicKey } });
    expect(rx.keys.has(keyIdOf(identity(1).publicKey))).toBe(true);
  });

  it('refuses an emergency whose carried key is not the signer’s', () => {
    const frame = Uint8Array.from(senderFor(1).encode(emergency, NOW).frames[0]!);
    frame.set(identity(2).publicKey, 4 + 14 + 2);
    expect(receiver().receive(frame, 1, NOW)).toMatchObject({ ok: false, reason: 'key_mismatch' });
  });

  it('delivers unverified, then verifies when the key-announce arrives', () => {
    const tx = senderFor(1);
    const rx = receiver();
    const first = only(feed(rx, tx.encode(indexAnnounce, NOW).frames, 1).deliveries);
    expect(first.auth).toBe('unverified');
    // A relayed copy of the same message is not delivered twice.
    expect(rx.receive(tx.relay(first.bytes)[0]!, 2, NOW)).toMatchObject({ ok: false, reason: 'duplicate' });
    const announce = rx.receive(tx.encode({ type: 'key-announce', publicKey: identity(1).publicKey }, NOW + 1000).frames[0]!, 1, NOW + 1000);
    expect(announce.ok && announce.status === 'delivered' && announce.delivery.auth).toBe('verified');
    const settled = announce.ok && announce.status === 'delivered' ? announce.settled : [];
    expect(settled).toHaveLength(1);
    expect(settled[0]).toMatchObject({ ok: true, auth: 'verified', message: indexAnnounce, from: 1 });
    expect(rx.retained().heldUnverified).toBe(0);
  });

  it('reports held messages that fail once the key is known', () => {
    const rx = receiver();
    const forged = Uint8Array.from(senderFor(1).encode(indexAnnounce, NOW).frames[0]!);
    forged[forged.length - 5]! ^= 0xff;
    expect(rx.receive(forged, 66, NOW)).toMatchObject({ ok: true, delivery: { auth: 'unverified' } });
    const announce = rx.receive(senderFor(1).encode({ type: 'key-announce', publicKey: identity(1).publicKey }, NOW).frames[0]!, 1, NOW);
    const settled = announce.ok && announce.status === 'delivered' ? announce.settled : [];
    expect(settled).toEqual([expect.objectContaining({ ok: false, reason: 'bad_signature', from: 66 })]);
    expect(rx.rejectionsOf(66).bad_signature).toBe(1);
  });

  it('holds a bounded number of unverified messages', () => {
    const rx = receiver({ limits: { maxHeldUnverified: 10, maxHeldPerKey: 3 } });
    for (let n = 1; n <= 20; n++) {
      const tx = senderFor(n);
      for (let i = 0; i < 5; i++) rx.receive(tx.encode(indexAnnounce, NOW + i * 1000).frames[0]!, n, NOW);
    }
    expect(rx.retained().heldUnverified).toBe(10);
  });
});

describe('replay refusal', () => {
  it('refuses an emergency replayed after it was accepted', () => {
    const rx = receiver();
    rx.keys.add(identity(1).publicKey);
    const frame = senderFor(1).encode(emergency, NOW).frames[0]!;
    expect(rx.receive(frame, 1, NOW)).toMatchObject({ ok: true, status: 'delivered' });
    expect(rx.receive(frame, 9, NOW + 5 * MINUTE)).toMatchObject({ ok: false, reason: 'duplicate', from: 9 });
    // Long after, when the seen-set no longer holds it, the time window still refuses it,
    // and so does a receiver that never saw it (e.g. after a restart).
    expect(rx.receive(frame, 9, NOW + 31 * MINUTE)).toMatchObject({ ok: false, reason: 'replay' });
    const fresh = receiver();
    fresh.keys.add(identity(1).publicKey);
    expect(fresh.receive(frame, 9, NOW + 31 * MINUTE)).toMatchObject({ ok: false, reason: 'replay' });
    expect(rx.rejectionsOf(9)).toMatchObject({ duplicate: 1, replay: 1 });
  });

  it('accepts messages of one sender out of order, but below its window only once', () => {
    const rx = receiver({ limits: { replaySeqsPerSender: 4 } });
    rx.keys.add(identity(1).publicKey);
    const tx = senderFor(1);
    const frames = Array.from({ length: 6 }, (_, i) => tx.encode(emergency, NOW + i * 1000).frames[0]!);
    for (const index of [1, 0, 3, 2, 4, 5]) expect(rx.receive(frames[index]!, 1, NOW + 6000)).toMatchObject({ ok: true });
    expect(rx.receive(frames[0]!, 1, NOW + 6000)).toMatchObject({ ok: false, reason: 'replay' });
    expect(rx.receive(frames[5]!, 1, NOW + 6000)).toMatchObject({ ok: false, reason: 'duplicate' });
  });

  it('refuses messages from too far in the future', () => {
    const rx = receiver();
    rx.keys.add(identity(1).publicKey);
    const frame = senderFor(1).encode(emergency, NOW + 11 * MINUTE).frames[0]!;
    expect(rx.receive(frame, 1, NOW)).toMatchObject({ ok: false, reason: 'clock_skew' });
  });

  it('keeps sequence numbers increasing within one second and across a restart', () => {
    const tx = senderFor(1);
    const seqs = [0, 1, 2].map(() => tx.encode(emergency, NOW).seq!);
    expect(seqs[1]).toBe(seqs[0]! + 1);
    const restarted = new LoraSender({ networkId: NETWORK, signer: identity(1), random: seededRandom(2), lastSeq: tx.lastSeq });
    expect(restarted.encode(emergency, NOW).seq).toBe(seqs[2]! + 1);
  });
});
