import { describe, expect, it } from 'vitest';
import { ALL_CLEAR_TEXT_MAX_BYTES, EMERGENCY_TEXT_MAX_BYTES } from '../../../shared/contract/index.ts';
import { EmergencyInbox, EmergencyOutbox } from '../../../electron/node/lora/emergency.ts';
import {
  EMERGENCY_CLEAR_TEXT_MAX_BYTES,
  EMERGENCY_TEXT_MAX_BYTES as WIRE_TEXT_MAX_BYTES,
  decodeBuiltinBody,
  encodeBuiltinBody,
  type EmergencyMessage,
} from '../../../electron/node/lora/messages.ts';
import { ackDelay } from '../../../electron/node/lora/emergency-desk.ts';
import { RollCall } from '../../../electron/node/lora/roll-call.ts';
import { MAX_FRAME_BYTES } from '../../../electron/node/lora/wire.ts';
import { NOW, receiver, senderFor } from './lora-fixtures.ts';

const KEY = new Uint8Array(32).fill(7);

describe('RollCall', () => {
  const members = [
    { node: 1, keyId: 'aaaaaaaaaaaaaaaa' },
    { node: 2, keyId: undefined },
    { node: 3, keyId: undefined },
  ];

  it('moves each radio up from silent to delivered, received and seen, never down', () => {
    const call = new RollCall(members, NOW);
    expect(call.answer({ node: 2 }, 'delivered', NOW + 1)).toBe(true);
    expect(call.answer({ keyId: 'aaaaaaaaaaaaaaaa' }, 'seen', NOW + 2)).toBe(true);
    expect(call.answer({ node: 1 }, 'received', NOW + 3)).toBe(false); // a late ack does not undo "seen"
    const answers = Object.fromEntries(call.view().members.map((member) => [member.node, member.answer]));
    expect(answers).toEqual({ 1: 'seen', 2: 'delivered', 3: 'silent' });
    expect(call.view().members[0]).toMatchObject({ node: 3, answer: 'silent' }); // who still owes an answer first
  });

  it('learns a radio’s key from its answer, and lists a radio that answered without being expected', () => {
    const call = new RollCall(members, NOW);
    expect(call.answer({ node: 3, keyId: 'cccccccccccccccc' }, 'received', NOW)).toBe(true);
    expect(call.answer({ node: 9, keyId: 'dddddddddddddddd' }, 'received', NOW)).toBe(true);
    const view = call.view().members;
    expect(view.find((member) => member.node === 3)?.keyId).toBe('cccccccccccccccc');
    expect(view.find((member) => member.node === 9)).toMatchObject({ answer: 'received', asks: 0 });
  });

  it('asks the silent again with doubling pauses, a few per round, until they answer or it is stopped', () => {
    const many = Array.from({ length: 6 }, (_, index) => ({ node: index + 1, keyId: undefined }));
    const call = new RollCall(many, NOW, { firstAskAfterMs: 60_000, maxAskIntervalMs: 240_000, asksPerRound: 4, roundGapMs: 20_000 });
    expect(call.due(NOW + 59_999)).toEqual([]);
    expect(call.wakeAt()).toBe(NOW + 60_000);
    expect(call.due(NOW + 60_000).map((member) => member.node)).toEqual([1, 2, 3, 4]);
    expect(call.due(NOW + 60_001)).toEqual([]); // the rest of the crowd after the round gap
    expect(call.wakeAt()).toBe(NOW + 80_000);
    expect(call.due(NOW + 80_000).map((member) => member.node)).toEqual([5, 6]);
    call.answer({ node: 1 }, 'received', NOW + 81_000);
    // Next asks 120 s after the first, then 240 s (the cap), then 240 s again.
    expect(call.due(NOW + 180_000).map((member) => member.node)).toEqual([2, 3, 4]);
    expect(call.due(NOW + 200_000).map((member) => member.node)).toEqual([5, 6]);
    expect(call.due(NOW + 419_999)).toEqual([]);
    expect(call.due(NOW + 420_000).map((member) => [member.node, member.asks])).toEqual([[2, 3], [3, 3], [4, 3]]);
    expect(call.view().repeating).toBe(true);
    expect(call.stop()).toBe(true);
    expect(call.due(NOW + 10_000_000)).toEqual([]);
    expect(call.wakeAt()).toBeUndefined();
    expect(call.view().repeating).toBe(false);
    expect(call.view().members.every((member) => member.nextAskAt === undefined)).toBe(true);
  });

  it('after the all-clear, sends it to each radio that had the emergency until its radio confirms it, and no longer asks the silent', () => {
    const call = new RollCall(members, NOW, { firstAskAfterMs: 60_000, maxAskIntervalMs: 240_000, asksPerRound: 4, roundGapMs: 20_000 });
    call.answer({ node: 1 }, 'seen', NOW + 1_000);
    call.answer({ node: 2 }, 'delivered', NOW + 2_000);
    call.stop(); // the operator had stopped the repeats: the all-clear is a new message, sent all the same
    const closedAt = NOW + 100_000;
    call.close(closedAt);
    expect(call.view().members.map((member) => [member.node, member.cleared])).toEqual([[3, undefined], [2, false], [1, false]]);
    expect(call.view().repeating).toBe(true);
    expect(call.due(closedAt + 59_999)).toEqual([]); // the floods go first
    expect(call.due(closedAt + 60_000).map((member) => member.node)).toEqual([1, 2]); // never the silent 3
    expect(call.cleared(1)).toBe(true);
    expect(call.cleared(1)).toBe(false);
    expect(call.cleared(3)).toBe(false); // it had no alert to close
    expect(call.wakeAt()).toBe(closedAt + 180_000);
    expect(call.due(closedAt + 180_000).map((member) => [member.node, member.asks])).toEqual([[2, 2]]);
    expect(call.cleared(2)).toBe(true);
    expect(call.wakeAt()).toBeUndefined();
    expect(call.view()).toMatchObject({ repeating: false });
    expect(call.view().members.map((member) => [member.node, member.cleared])).toEqual([[3, undefined], [2, true], [1, true]]);
  });

  it('resumes sending the all-clear after a restart to the radios that did not confirm it', () => {
    const restarted = NOW + 3_600_000;
    const call = RollCall.resume(
      [
        { node: 1, keyId: 'aaaaaaaaaaaaaaaa', answer: 'seen', answeredAt: NOW + 5, asks: 2, cleared: true },
        { node: 2, keyId: undefined, answer: 'delivered', answeredAt: NOW + 9, asks: 3, cleared: false },
        { node: 3, keyId: undefined, answer: 'silent', answeredAt: undefined, asks: 5, cleared: undefined },
      ],
      restarted,
      { firstAskAfterMs: 60_000, maxAskIntervalMs: 240_000 },
    );
    expect(call.wakeAt()).toBe(restarted + 60_000);
    expect(call.due(restarted + 60_000).map((member) => member.node)).toEqual([2]);
  });

  it('resumes after a restart: answers kept, the silent asked again after their backoff from now, no burst', () => {
    const restarted = NOW + 3_600_000;
    const call = RollCall.resume(
      [
        { node: 1, keyId: 'aaaaaaaaaaaaaaaa', answer: 'seen', answeredAt: NOW + 5, asks: 0, cleared: undefined },
        { node: 2, keyId: undefined, answer: 'silent', answeredAt: undefined, asks: 3, cleared: undefined },
      ],
      restarted,
      { firstAskAfterMs: 60_000, maxAskIntervalMs: 240_000 },
    );
    expect(call.view().members.map((member) => [member.node, member.answer, member.asks])).toEqual([[2, 'silent', 3], [1, 'seen', 0]]);
    expect(call.due(restarted)).toEqual([]);
    expect(call.wakeAt()).toBe(restarted + 240_000);
    expect(call.due(restarted + 240_000).map((member) => member.asks)).toEqual([4]);
  });

  it('spreads a receiver’s ack over a window that grows with the radios it hears, within bounds', () => {
    expect(ackDelay(3)).toEqual({ min: 2_000, spread: 8_000 }); // a small line answers within seconds
    expect(ackDelay(19).spread).toBe(38_000); // a 20-radio mesh: about 2 s of window per answering radio
    expect(ackDelay(500).spread).toBe(60_000); // and at most a minute, whatever the crowd
  });

  it('is done repeating once everyone answered', () => {
    const call = new RollCall([{ node: 1, keyId: undefined }], NOW);
    call.answer({ node: 1 }, 'delivered', NOW);
    expect(call.view().repeating).toBe(false);
    expect(call.wakeAt()).toBeUndefined();
  });
});

describe('roll-call on the wire', () => {
  it('keeps the contract’s text limits equal to what one frame holds', () => {
    expect(EMERGENCY_TEXT_MAX_BYTES).toBe(WIRE_TEXT_MAX_BYTES);
    expect(ALL_CLEAR_TEXT_MAX_BYTES).toBe(EMERGENCY_CLEAR_TEXT_MAX_BYTES);
  });

  it('carries a position in an emergency, to 1e-7 degrees, and fits the longest text in one frame', () => {
    const message: EmergencyMessage = { type: 'emergency', priority: 'urgent', hopLimit: 7, text: 'x'.repeat(WIRE_TEXT_MAX_BYTES), publicKey: KEY, position: { latitude: -33.8688197, longitude: 151.2092955 } };
    expect(decodeBuiltinBody('emergency', encodeBuiltinBody(message))).toEqual(message);
    const { publicKey: _key, ...unkeyed } = message; // the sender puts in its own
    const frames = senderFor(1).encode(unkeyed, NOW).frames;
    expect(frames).toHaveLength(1);
    expect(frames[0]!.length).toBe(MAX_FRAME_BYTES);
    const { position: _position, ...without } = message;
    expect(decodeBuiltinBody('emergency', encodeBuiltinBody(without))).toEqual(without);
  });

  it('refuses a position off the globe, and says so', () => {
    expect(() => encodeBuiltinBody({ type: 'emergency', priority: 'urgent', hopLimit: 7, text: 'x', publicKey: KEY, position: { latitude: 91, longitude: 0 } })).toThrow(/90 degrees/);
    const body = encodeBuiltinBody({ type: 'emergency', priority: 'urgent', hopLimit: 7, text: 'x', publicKey: KEY, position: { latitude: 0, longitude: 0 } });
    body.set([0x7f, 0xff, 0xff, 0xff], 34); // latitude 214.7 degrees
    expect(decodeBuiltinBody('emergency', body)).toMatchObject({ ok: false, reason: 'bad_field', detail: 'position outside the globe' });
  });

  it('round-trips seen-acks and all-clears, and refuses them cut short', () => {
    const seen = { type: 'emergency-seen', emergencyKeyId: '0123456789abcdef', emergencySeq: 42, publicKey: KEY } as const;
    expect(decodeBuiltinBody('emergency-seen', encodeBuiltinBody(seen))).toEqual(seen);
    const clear = { type: 'emergency-clear', emergencySeq: 42, hopLimit: 7, text: 'Found safe', publicKey: KEY } as const;
    const body = encodeBuiltinBody(clear);
    expect(decodeBuiltinBody('emergency-clear', body)).toEqual(clear);
    expect(decodeBuiltinBody('emergency-clear', body.subarray(0, 20))).toMatchObject({ ok: false, reason: 'truncated' });
    expect(decodeBuiltinBody('emergency-seen', encodeBuiltinBody(seen).subarray(0, 43))).toMatchObject({ ok: false });
  });

  it('a person’s "seen" and the author’s all-clear verify at a receiver that never heard their keys announced', () => {
    const author = senderFor(1);
    const helper = senderFor(2);
    const sent = new EmergencyOutbox({ sender: author }).send({ text: 'Bridge out', priority: 'urgent' }, NOW);
    if (!sent.ok) throw new Error(sent.reason);
    const seq = Number(sent.id.split(':')[1]);
    const far = receiver(); // knows no keys
    const seenFrames = helper.encode({ type: 'emergency-seen', emergencyKeyId: author.keyId, emergencySeq: seq }, NOW).frames;
    expect(far.receive(seenFrames[0]!, 2, NOW)).toMatchObject({ ok: true, status: 'delivered', delivery: { auth: 'verified', signer: { keyId: helper.keyId } } });
    const clearFrames = author.encode({ type: 'emergency-clear', emergencySeq: seq, hopLimit: 7, text: '' }, NOW).frames;
    expect(far.receive(clearFrames[0]!, 1, NOW)).toMatchObject({ ok: true, delivery: { auth: 'verified', message: { type: 'emergency-clear', emergencySeq: seq } } });
  });
});

describe('EmergencyInbox answers', () => {
  it('answers a repeat again (rate-limited) with the ack and, once a person saw it, the seen-ack; not after the all-clear', () => {
    const author = senderFor(1);
    const here = senderFor(2);
    const sent = new EmergencyOutbox({ sender: author }).send({ text: 'Bridge out', priority: 'urgent' }, NOW);
    if (!sent.ok) throw new Error(sent.reason);
    const rx = receiver();
    const delivered = rx.receive(sent.frames[0]!, 1, NOW);
    if (!delivered.ok || delivered.status !== 'delivered') throw new Error('not delivered');
    const inbox = new EmergencyInbox({ sender: here, relay: false, reanswerEveryMs: 20_000 });
    expect(inbox.handle(delivered.delivery, NOW).ack).toHaveLength(1);
    const [keyId, seq] = [author.keyId, Number(sent.id.split(':')[1])];
    // The same frame again is a replay: the receiver says which message it repeats.
    expect(rx.receive(sent.frames[0]!, 1, NOW + 1)).toMatchObject({ ok: false, reason: 'duplicate', keyId, repeats: { seq } });
    const counts = (answers: { ack: Uint8Array[]; seen: Uint8Array[] }) => [answers.ack.length, answers.seen.length];
    expect(counts(inbox.reanswer(keyId, seq, NOW + 1_000))).toEqual([0, 0]); // just answered
    expect(counts(inbox.reanswer(keyId, seq, NOW + 20_000))).toEqual([1, 0]);
    expect(inbox.markSeen(sent.id, NOW + 21_000)).toHaveLength(1);
    expect(inbox.markSeen(sent.id, NOW + 22_000)).toBeUndefined(); // once
    expect(counts(inbox.reanswer(keyId, seq, NOW + 40_000))).toEqual([1, 1]);
    inbox.acks = false;
    expect(counts(inbox.reanswer(keyId, seq, NOW + 60_000))).toEqual([0, 1]); // the person's "seen" still goes
    expect(inbox.close(sent.id)).toBe(true);
    expect(counts(inbox.reanswer(keyId, seq, NOW + 80_000))).toEqual([0, 0]);
  });
});
