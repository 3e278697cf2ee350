import { describe, expect, it } from 'vitest';
import { DEFAULT_AIRTIME_SHARE, LoraScheduler, MAX_FRAME_BYTES, frameAirtimeMs, type QueuedFrame, type ScheduleDecision } from '../../../electron/node/lora/index.ts';
import { MODEM_PRESETS } from '../../../electron/node/radio/airtime.ts';

const full = (tag = 0) => new Uint8Array(MAX_FRAME_BYTES).fill(tag);
const FULL_FRAME_MS = frameAirtimeMs(MODEM_PRESETS.LONG_FAST, MAX_FRAME_BYTES);

/**
 * Runs the scheduler in radio time, as a driver would: send, or sleep until told. The device
 * accepts each frame into an otherwise empty queue and answers with QueueStatus free = 15.
 */
function drain(scheduler: LoraScheduler, start: number, limit = 10_000): { sent: (QueuedFrame & { at: number })[]; end: number } {
  const sent: (QueuedFrame & { at: number })[] = [];
  let now = start;
  for (let i = 0; i < limit; i++) {
    const decision: ScheduleDecision = scheduler.next(now);
    if (decision.kind === 'send') {
      sent.push({ ...decision.frame, at: now });
      scheduler.reportDeviceQueue(15);
    } else if (decision.kind === 'wait') now = decision.until;
    else break;
  }
  return { sent, end: now };
}

describe('LoraScheduler', () => {
  it('defaults to about one full frame per 5 s on LONG_FAST', () => {
    const scheduler = new LoraScheduler();
    for (let i = 0; i < 60; i++) scheduler.enqueue(full(), 'bulk');
    const { sent } = drain(scheduler, 0);
    const span = sent.at(-1)!.at - sent[0]!.at;
    expect(span / (sent.length - 1)).toBeGreaterThan(4900);
    expect(span / (sent.length - 1)).toBeLessThan(5100);
    expect(FULL_FRAME_MS / DEFAULT_AIRTIME_SHARE).toBeCloseTo(5000, 6);
  });

  it('pays our share for every copy the mesh makes: frames crossing one relay go half as often', () => {
    const scheduler = new LoraScheduler({ region: 'EU_868' });
    for (let i = 0; i < 30; i++) scheduler.enqueue(full(), 'bulk', 'relayed', 2);
    const { sent } = drain(scheduler, 0);
    const span = sent.at(-1)!.at - sent[0]!.at;
    expect(span / (sent.length - 1)).toBeGreaterThan(9800);
    expect(span / (sent.length - 1)).toBeLessThan(10_200);
    expect(sent.every((frame) => frame.copies === 2 && frame.airtimeMs === Math.ceil(FULL_FRAME_MS))).toBe(true);
  });

  it('serves classes by strict priority', () => {
    const scheduler = new LoraScheduler({ airtimeShare: 1 });
    scheduler.enqueue(full(4), 'bulk');
    scheduler.enqueue(full(3), 'index');
    scheduler.enqueue(full(2), 'control');
    scheduler.enqueue(full(1), 'emergency');
    expect(drain(scheduler, 0).sent.map((frame) => frame.trafficClass)).toEqual(['emergency', 'control', 'index', 'bulk']);
  });

  it('takes turns between concurrent transfers in a class', () => {
    const scheduler = new LoraScheduler({ airtimeShare: 1 });
    for (let i = 0; i < 6; i++) scheduler.enqueue(full(), 'bulk', 'transfer-a');
    for (let i = 0; i < 3; i++) scheduler.enqueue(full(), 'bulk', 'transfer-b');
    scheduler.enqueue(full(), 'bulk', 'transfer-c');
    expect(drain(scheduler, 0).sent.map((frame) => frame.flow.at(-1)).join('')).toBe('abcababaaa');
  });

  it('a held flow sends nothing until released, and the other flows of its class go meanwhile', () => {
    const scheduler = new LoraScheduler({ airtimeShare: 1 });
    for (let i = 0; i < 3; i++) scheduler.enqueue(full(), 'index', 'across-relay:a');
    for (let i = 0; i < 2; i++) scheduler.enqueue(full(), 'index', 'neighbour-b');
    const first = scheduler.next(0);
    expect(first).toMatchObject({ kind: 'send', frame: { flow: 'across-relay:a' } });
    scheduler.hold('across-relay:a');
    scheduler.reportDeviceQueue(15);
    const whileHeld = drain(scheduler, 0);
    expect(whileHeld.sent.map((frame) => frame.flow)).toEqual(['neighbour-b', 'neighbour-b']);
    expect(scheduler.next(whileHeld.end)).toEqual({ kind: 'idle' }); // only the held flow has frames
    expect(scheduler.depth().index).toBe(2);
    scheduler.release('across-relay:a');
    expect(drain(scheduler, whileHeld.end).sent.map((frame) => frame.flow)).toEqual(['across-relay:a', 'across-relay:a']);
  });

  it('lets an emergency preempt 200 queued bulk chunks: nothing but the frame on air goes first', () => {
    const scheduler = new LoraScheduler();
    for (let i = 0; i < 200; i++) scheduler.enqueue(full(), 'bulk', `transfer-${i % 3}`);
    const onAir = scheduler.next(1000);
    expect(onAir.kind).toBe('send');
    const emergency = scheduler.enqueue(new Uint8Array(120), 'emergency');
    const onAirUntil = 1000 + Math.ceil(FULL_FRAME_MS);
    expect(scheduler.next(1500)).toEqual({ kind: 'wait', until: onAirUntil, reason: 'radio_busy' });
    const next = scheduler.next(onAirUntil);
    // It goes as soon as the radio is free, overdrawing our share (never the region's limit).
    expect(next.kind === 'send' && next.frame.trafficClass).toBe('emergency');
    expect(next.kind === 'send' && emergency.ok && next.frame.id === emergency.id).toBe(true);
    expect(scheduler.depth()).toEqual({ emergency: 0, control: 0, index: 0, bulk: 199 });
  });

  it('keeps the region duty cycle: at most 10 % of any hour on EU_868', () => {
    const scheduler = new LoraScheduler({ region: 'EU_868', airtimeShare: 1 });
    for (let i = 0; i < 400; i++) scheduler.enqueue(full(), 'bulk');
    const { sent } = drain(scheduler, 0);
    const hour = 3_600_000;
    for (const frame of sent) {
      const inWindow = sent.filter((other) => other.at > frame.at - hour && other.at <= frame.at);
      expect(inWindow.reduce((sum, other) => sum + other.airtimeMs, 0)).toBeLessThanOrEqual(0.1 * hour + 1e-6);
    }
    expect(sent.filter((frame) => frame.at < hour)).toHaveLength(Math.floor((0.1 * hour) / Math.ceil(FULL_FRAME_MS)));
  });

  it('never sends when the region is unset', () => {
    const scheduler = new LoraScheduler({ region: 'UNSET' });
    const queued = scheduler.enqueue(full(), 'emergency');
    expect(scheduler.next(0)).toEqual({ kind: 'blocked', reason: 'region_unset' });
    expect(scheduler.eta(queued.ok ? queued.id : 0, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('sends what was queued while the region was unset once the radio gets one, airtime recounted for the preset', () => {
    const scheduler = new LoraScheduler({ region: 'UNSET', preset: 'LONG_FAST' });
    const first = scheduler.enqueue(full(), 'control');
    const second = scheduler.enqueue(full(), 'emergency');
    expect(scheduler.next(0).kind).toBe('blocked');
    scheduler.retune({ preset: 'SHORT_FAST', region: 'EU_868' });
    expect(scheduler.region).toBe('EU_868');
    const sent = scheduler.next(0);
    expect(sent).toMatchObject({ kind: 'send', frame: { id: second.ok ? second.id : -1, airtimeMs: Math.ceil(frameAirtimeMs(MODEM_PRESETS.SHORT_FAST, MAX_FRAME_BYTES)) } });
    expect(scheduler.eta(first.ok ? first.id : -1, 0)).toBeLessThan(Number.POSITIVE_INFINITY);
  });

  it('waits for device queue space', () => {
    const scheduler = new LoraScheduler({ airtimeShare: 1 });
    scheduler.enqueue(full(), 'control');
    scheduler.reportDeviceQueue(0);
    expect(scheduler.next(0)).toEqual({ kind: 'wait_for_device' });
    scheduler.reportDeviceQueue(3);
    expect(scheduler.next(0).kind).toBe('send');
  });

  it('reports depth per class and an ETA in radio time that the schedule keeps', () => {
    const scheduler = new LoraScheduler();
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) {
      const result = scheduler.enqueue(full(), 'bulk', i % 2 ? 'b' : 'a');
      if (result.ok) ids.push(result.id);
    }
    const control = scheduler.enqueue(new Uint8Array(20), 'control');
    expect(scheduler.depth()).toEqual({ emergency: 0, control: 1, index: 0, bulk: 5 });
    const etas = new Map(ids.map((id) => [id, scheduler.eta(id, 0)!]));
    expect(scheduler.eta(control.ok ? control.id : 0, 0)).toBe(0);
    const { sent } = drain(scheduler, 0);
    for (const frame of sent.filter((f) => f.trafficClass === 'bulk')) expect(frame.at).toBe(etas.get(frame.id));
    expect(scheduler.eta(ids[0]!, 0)).toBeUndefined();
  });

  it('cancels a flow and bounds the queue', () => {
    const scheduler = new LoraScheduler({ maxQueued: 3 });
    scheduler.enqueue(full(), 'bulk', 'x');
    scheduler.enqueue(full(), 'bulk', 'x');
    scheduler.enqueue(full(), 'bulk', 'y');
    expect(scheduler.enqueue(full(), 'bulk', 'z')).toEqual({ ok: false, reason: 'queue_full' });
    expect(scheduler.enqueue(new Uint8Array(232), 'bulk')).toEqual({ ok: false, reason: 'too_large' });
    expect(scheduler.cancelFlow('x')).toBe(2);
    expect(scheduler.depth().bulk).toBe(1);
  });
});
