// The one outbound queue in front of the radio. Strict priority between traffic classes
// (emergency > control > index > bulk), round robin between flows (e.g. concurrent transfers)
// inside a class, and three gates before a frame goes out: the radio is idle (one frame at a time,
// so an emergency never waits behind frames already handed over), the device reports queue space,
// and the airtime budget allows it (our channel share, and the region's duty cycle per rolling
// hour). Pure: the caller asks what may go now, with the current time, and reports QueueStatus.
import {
  DEFAULT_MODEM_PRESET,
  DUTY_CYCLE_WINDOW_MS,
  MESH_HEADER_BYTES,
  MODEM_PRESETS,
  airtimeBudgetPerHourMs,
  regionRules,
  timeOnAirMs,
  type ModemPreset,
  type ModemPresetName,
  type RegionName,
} from '../radio/airtime.ts';
import { MAX_FRAME_BYTES } from './wire.ts';

export type TrafficClass = 'emergency' | 'control' | 'index' | 'bulk';
/** Highest priority first. */
export const TRAFFIC_CLASSES: readonly TrafficClass[] = ['emergency', 'control', 'index', 'bulk'];

const PORTNUM_FIELD_BYTES = 3; // tag + varint(256)
const BITFIELD_FIELD_BYTES = 2; // the firmware sets Data.bitfield before encoding

/** Airtime of one PRIVATE_APP packet carrying `payloadBytes`: mesh header + encoded Data. */
export function frameAirtimeMs(modem: ModemPreset, payloadBytes: number): number {
  const lengthVarint = payloadBytes < 0x80 ? 1 : 2;
  const encodedData = PORTNUM_FIELD_BYTES + 1 + lengthVarint + payloadBytes + BITFIELD_FIELD_BYTES;
  return timeOnAirMs(modem, MESH_HEADER_BYTES + encodedData);
}

/** About one full frame every 5 s on LONG_FAST (~43 % of the channel): the rest is for others. */
export const DEFAULT_AIRTIME_SHARE = frameAirtimeMs(MODEM_PRESETS.LONG_FAST, MAX_FRAME_BYTES) / 5000;
/** Meshtastic's `QueueStatus.maxlen`. */
export const DEVICE_QUEUE_SLOTS = 16;

export type SchedulerOptions = {
  readonly preset?: ModemPresetName;
  /** The device's region: UNSET never transmits; EU_868 & co. cap airtime per rolling hour. */
  readonly region?: RegionName;
  /** Share of channel time we allow ourselves (0..1], as a token bucket. */
  readonly airtimeShare?: number;
  /** Bucket depth in full frames: how much unused share may be saved up for a burst. */
  readonly burstFrames?: number;
  readonly maxQueued?: number;
};

export type QueuedFrame = {
  readonly id: number;
  readonly payload: Uint8Array;
  readonly trafficClass: TrafficClass;
  readonly flow: string;
  readonly airtimeMs: number;
  /** Transmissions of it the mesh makes (ours, and each relay's): our channel share pays for all of them. */
  readonly copies: number;
};

export type EnqueueResult = { readonly ok: true; readonly id: number } | { readonly ok: false; readonly reason: 'queue_full' | 'too_large' };

export type ScheduleDecision =
  | { readonly kind: 'send'; readonly frame: QueuedFrame }
  | { readonly kind: 'wait'; readonly until: number; readonly reason: 'radio_busy' | 'airtime_budget' | 'duty_cycle' }
  /** The device reported no free queue slots: wait for its next QueueStatus. */
  | { readonly kind: 'wait_for_device' }
  | { readonly kind: 'idle' }
  | { readonly kind: 'blocked'; readonly reason: 'region_unset' };

type SendRecord = { readonly at: number; readonly airtimeMs: number };

type State = {
  /** Per class: flows in round-robin order, each a FIFO of frames. */
  queues: Record<TrafficClass, Map<string, QueuedFrame[]>>;
  queued: number;
  /** When the frame last handed to the radio finishes on air. */
  radioBusyUntil: number;
  tokensMs: number;
  tokensAt: number;
  /** Sends inside the rolling duty-cycle hour, oldest first. */
  dutyLog: SendRecord[];
  dutyUsedMs: number;
  deviceFree: number;
  /** Flows whose next frame waits until the caller releases them (the frame before is still crossing a relay). */
  held: Set<string>;
};

const DEFAULT_FLOW = '';

export class LoraScheduler {
  #modem: ModemPreset;
  #region: RegionName | undefined;
  readonly #share: number;
  readonly #burstFrames: number;
  #bucketMs: number;
  #dutyBudgetMs: number;
  #mayTransmit: boolean;
  readonly #maxQueued: number;
  #state: State;
  #nextId = 1;

  constructor(options: SchedulerOptions = {}) {
    this.#share = options.airtimeShare ?? DEFAULT_AIRTIME_SHARE;
    if (!(this.#share > 0 && this.#share <= 1)) throw new RangeError(`airtime share must be in (0, 1], got ${this.#share}`);
    this.#burstFrames = options.burstFrames ?? 1;
    this.#modem = MODEM_PRESETS[options.preset ?? DEFAULT_MODEM_PRESET];
    this.#region = options.region;
    this.#bucketMs = this.#burstFrames * Math.ceil(frameAirtimeMs(this.#modem, MAX_FRAME_BYTES));
    this.#dutyBudgetMs = options.region === undefined ? Number.POSITIVE_INFINITY : airtimeBudgetPerHourMs(options.region);
    this.#mayTransmit = options.region === undefined || regionRules(options.region).mayTransmit;
    this.#maxQueued = options.maxQueued ?? 2000;
    this.#state = {
      queues: { emergency: new Map(), control: new Map(), index: new Map(), bulk: new Map() },
      queued: 0,
      radioBusyUntil: Number.NEGATIVE_INFINITY,
      tokensMs: this.#bucketMs,
      tokensAt: Number.NEGATIVE_INFINITY,
      dutyLog: [],
      dutyUsedMs: 0,
      deviceFree: DEVICE_QUEUE_SLOTS,
      held: new Set(),
    };
  }

  get modem(): ModemPreset {
    return this.#modem;
  }

  get region(): RegionName | undefined {
    return this.#region;
  }

  /**
   * The radio's preset or region changed (a region set on a radio that had none, a preset changed in
   * a stock app): budgets follow it, and what is queued stays queued, its airtime recounted. Airtime
   * already spent stays in the rolling hour.
   */
  retune(radio: { preset: ModemPresetName; region: RegionName }): void {
    this.#modem = MODEM_PRESETS[radio.preset];
    this.#region = radio.region;
    this.#bucketMs = this.#burstFrames * Math.ceil(frameAirtimeMs(this.#modem, MAX_FRAME_BYTES));
    this.#dutyBudgetMs = airtimeBudgetPerHourMs(radio.region);
    this.#mayTransmit = regionRules(radio.region).mayTransmit;
    this.#state.tokensMs = Math.min(this.#state.tokensMs, this.#bucketMs);
    for (const flows of Object.values(this.#state.queues)) {
      for (const [flow, queue] of flows) {
        flows.set(flow, queue.map((frame) => ({ ...frame, airtimeMs: Math.ceil(frameAirtimeMs(this.#modem, frame.payload.length)) })));
      }
    }
  }

  /**
   * `copies`: how many times the mesh puts the frame on air (1 + the relays it crosses). Our share of
   * the channel pays for every copy, so a frame crossing a relay leaves twice the gap after it and the
   * relay's copy does not meet our next frame; the region's duty cycle counts our own transmission only.
   */
  enqueue(payload: Uint8Array, trafficClass: TrafficClass, flow = DEFAULT_FLOW, copies = 1): EnqueueResult {
    if (payload.length > MAX_FRAME_BYTES) return { ok: false, reason: 'too_large' };
    if (this.#state.queued >= this.#maxQueued) return { ok: false, reason: 'queue_full' };
    // Whole milliseconds, rounded up: keeps the duty-cycle arithmetic exact.
    const airtimeMs = Math.ceil(frameAirtimeMs(this.#modem, payload.length));
    const frame: QueuedFrame = { id: this.#nextId++, payload, trafficClass, flow, airtimeMs, copies: Math.max(1, copies) };
    const flows = this.#state.queues[trafficClass];
    const queue = flows.get(flow);
    if (queue) queue.push(frame);
    else flows.set(flow, [frame]);
    this.#state.queued += 1;
    return { ok: true, id: frame.id };
  }

  /** Free slots from the device's latest QueueStatus. */
  reportDeviceQueue(free: number): void {
    this.#state.deviceFree = Math.max(0, free);
  }

  /**
   * What to do now. A `send` hands the frame to the radio: it leaves the queue and its airtime is
   * charged. Ask again at `until` (or when something is enqueued or the device reports).
   */
  next(now: number): ScheduleDecision {
    return this.#decide(this.#state, now);
  }

  /** The flow sends nothing more until `release`: other flows go meanwhile. */
  hold(flow: string): void {
    this.#state.held.add(flow);
  }

  release(flow: string): void {
    this.#state.held.delete(flow);
  }

  /** Removes a flow's queued frames (a cancelled transfer); returns how many. */
  cancelFlow(flow: string, trafficClass?: TrafficClass): number {
    let removed = 0;
    for (const cls of trafficClass ? [trafficClass] : TRAFFIC_CLASSES) {
      removed += this.#state.queues[cls].get(flow)?.length ?? 0;
      this.#state.queues[cls].delete(flow);
    }
    this.#state.queued -= removed;
    return removed;
  }

  depth(): Record<TrafficClass, number> {
    const depth = { emergency: 0, control: 0, index: 0, bulk: 0 };
    for (const cls of TRAFFIC_CLASSES) for (const queue of this.#state.queues[cls].values()) depth[cls] += queue.length;
    return depth;
  }

  /**
   * When a queued frame should go on air if nothing else arrives and the device keeps up: the
   * schedule replayed on a copy. Undefined if not queued, Infinity if the region forbids sending.
   */
  eta(id: number, now: number): number | undefined {
    if (!TRAFFIC_CLASSES.some((cls) => [...this.#state.queues[cls].values()].some((queue) => queue.some((frame) => frame.id === id)))) return undefined;
    if (!this.#mayTransmit) return Number.POSITIVE_INFINITY;
    const copy = this.#copyState();
    copy.deviceFree = Number.POSITIVE_INFINITY;
    let time = now;
    for (;;) {
      const decision = this.#decide(copy, time);
      if (decision.kind === 'send') {
        if (decision.frame.id === id) return time;
      } else if (decision.kind === 'wait') {
        time = decision.until;
      } else {
        return undefined;
      }
    }
  }

  #decide(state: State, now: number): ScheduleDecision {
    const head = this.#head(state);
    if (!head) return { kind: 'idle' };
    if (!this.#mayTransmit) return { kind: 'blocked', reason: 'region_unset' };
    const [flows, flow, queue] = head;
    const frame = queue[0]!;
    if (state.radioBusyUntil > now) return { kind: 'wait', until: state.radioBusyUntil, reason: 'radio_busy' };
    if (state.deviceFree <= 0) return { kind: 'wait_for_device' };
    const dutyReady = this.#dutyReadyAt(state, frame.airtimeMs, now);
    if (dutyReady > now) return { kind: 'wait', until: dutyReady, reason: 'duty_cycle' };
    const tokens = this.#tokensAt(state, now);
    // An emergency may overdraw our own share (the debt delays what follows), never the region's limit.
    // A full bucket always pays for one frame, so a bucket smaller than a frame cannot stall.
    const shareMs = frame.airtimeMs * frame.copies;
    const cost = Math.min(shareMs, this.#bucketMs);
    if (frame.trafficClass !== 'emergency' && tokens < cost) {
      return { kind: 'wait', until: now + Math.max(1, Math.ceil((cost - tokens) / this.#share)), reason: 'airtime_budget' };
    }
    queue.shift();
    flows.delete(flow);
    if (queue.length > 0) flows.set(flow, queue); // to the back of the rotation
    state.queued -= 1;
    state.tokensMs = tokens - shareMs;
    state.tokensAt = now;
    state.radioBusyUntil = now + frame.airtimeMs;
    state.deviceFree -= 1;
    if (Number.isFinite(this.#dutyBudgetMs)) {
      state.dutyLog.push({ at: now, airtimeMs: frame.airtimeMs });
      state.dutyUsedMs += frame.airtimeMs;
    }
    return { kind: 'send', frame };
  }

  /** The class's first flow not held is the one whose turn it is. */
  #head(state: State): [Map<string, QueuedFrame[]>, string, QueuedFrame[]] | undefined {
    for (const cls of TRAFFIC_CLASSES) {
      const flows = state.queues[cls];
      for (const [flow, queue] of flows) if (!state.held.has(flow)) return [flows, flow, queue];
    }
    return undefined;
  }

  #tokensAt(state: State, now: number): number {
    if (state.tokensAt === Number.NEGATIVE_INFINITY) return this.#bucketMs;
    return Math.min(this.#bucketMs, state.tokensMs + (now - state.tokensAt) * this.#share);
  }

  /** Earliest time the rolling hour has room for `airtimeMs` more. */
  #dutyReadyAt(state: State, airtimeMs: number, now: number): number {
    if (!Number.isFinite(this.#dutyBudgetMs)) return now;
    while (state.dutyLog.length > 0 && state.dutyLog[0]!.at <= now - DUTY_CYCLE_WINDOW_MS) state.dutyUsedMs -= state.dutyLog.shift()!.airtimeMs;
    let used = state.dutyUsedMs;
    if (used + airtimeMs <= this.#dutyBudgetMs) return now;
    for (const record of state.dutyLog) {
      used -= record.airtimeMs;
      if (used + airtimeMs <= this.#dutyBudgetMs) return record.at + DUTY_CYCLE_WINDOW_MS;
    }
    return now;
  }

  #copyState(): State {
    const copyFlows = (flows: Map<string, QueuedFrame[]>) => new Map([...flows].map(([flow, queue]) => [flow, [...queue]]));
    const { queues } = this.#state;
    return {
      ...this.#state,
      queues: { emergency: copyFlows(queues.emergency), control: copyFlows(queues.control), index: copyFlows(queues.index), bulk: copyFlows(queues.bulk) },
      dutyLog: [...this.#state.dutyLog],
      held: new Set(this.#state.held),
    };
  }
}
