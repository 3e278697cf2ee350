// Radio time for the simulator. Everything in the simulator reads time and sets timers through a
// Scheduler, so tests run on virtual time and the CLI runs faster than real time while airtime,
// duty cycle and dedupe windows stay in radio milliseconds.

export type TimerId = number;

export interface Scheduler {
  /** Radio time in milliseconds since the simulation started. */
  now(): number;
  setTimer(delayMs: number, task: () => void): TimerId;
  clearTimer(id: TimerId): void;
}

/** A timer; `seq` is its id and orders timers due at the same time. */
type Pending = { at: number; seq: number; task: () => void };

/** Deterministic virtual time: timers run only when the test advances the clock. */
export class VirtualScheduler implements Scheduler {
  private time = 0;
  private seq = 0;
  private readonly pending = new Map<TimerId, Pending>();

  now(): number {
    return this.time;
  }

  setTimer(delayMs: number, task: () => void): TimerId {
    const id = ++this.seq;
    this.pending.set(id, { at: this.time + Math.max(0, delayMs), seq: id, task });
    return id;
  }

  clearTimer(id: TimerId): void {
    this.pending.delete(id);
  }

  /** Runs every timer due up to `this.now() + ms` in time order (ties in creation order). */
  advanceBy(ms: number): void {
    this.runUntil(this.time + ms);
  }

  runUntil(timeMs: number): void {
    for (;;) {
      const next = earliest(this.pending);
      if (next === undefined || next.at > timeMs) break;
      this.pending.delete(next.seq);
      this.time = next.at;
      next.task();
    }
    this.time = Math.max(this.time, timeMs);
  }

  /** Runs until no timer is left or `limitMs` of radio time has passed; returns the time reached. */
  runUntilIdle(limitMs = 24 * 60 * 60 * 1000): number {
    const end = this.time + limitMs;
    for (;;) {
      const next = earliest(this.pending);
      if (next === undefined || next.at > end) break;
      this.pending.delete(next.seq);
      this.time = next.at;
      next.task();
    }
    return this.time;
  }

  get pendingTimers(): number {
    return this.pending.size;
  }
}

/**
 * Wall-clock timers with radio time running `timeScale` times faster than the wall clock. A timer
 * runs with radio time standing at its due time, in due order: at time scale 50 a 28 ms contention
 * slot is half a wall millisecond, so timers the event loop fires late together must still see
 * each other's transmissions in the order and spacing the radios chose. Time never runs backwards.
 */
export class ScaledRealTimeScheduler implements Scheduler {
  private readonly timeScale: number;
  private readonly wallStart: number;
  private readonly pending = new Map<TimerId, Pending>();
  private seq = 0;
  private wakeUp: { at: number; handle: ReturnType<typeof setTimeout> } | undefined;
  /** The due time of the timer running now. */
  private runningAt: number | undefined;
  /** The latest radio time handed out. */
  private floor = 0;

  constructor(timeScale = 1) {
    if (!(timeScale > 0)) throw new RangeError(`time scale must be > 0, got ${timeScale}`);
    this.timeScale = timeScale;
    this.wallStart = performance.now();
  }

  now(): number {
    if (this.runningAt !== undefined) return this.runningAt;
    this.floor = Math.max(this.floor, this.wallNow());
    return this.floor;
  }

  setTimer(delayMs: number, task: () => void): TimerId {
    const id = ++this.seq;
    this.pending.set(id, { at: this.now() + Math.max(0, delayMs), seq: id, task });
    this.arm();
    return id;
  }

  clearTimer(id: TimerId): void {
    this.pending.delete(id);
  }

  /** Cancels every timer, so the process can exit. */
  stop(): void {
    if (this.wakeUp !== undefined) clearTimeout(this.wakeUp.handle);
    this.wakeUp = undefined;
    this.pending.clear();
  }

  private wallNow(): number {
    return (performance.now() - this.wallStart) * this.timeScale;
  }

  /** One wall-clock timeout, for the earliest pending timer. */
  private arm(): void {
    const next = earliest(this.pending);
    if (next === undefined || (this.wakeUp !== undefined && this.wakeUp.at <= next.at)) return;
    if (this.wakeUp !== undefined) clearTimeout(this.wakeUp.handle);
    const handle = setTimeout(() => {
      this.wakeUp = undefined;
      this.runDue();
    }, Math.max(0, next.at - this.wallNow()) / this.timeScale);
    this.wakeUp = { at: next.at, handle };
  }

  private runDue(): void {
    const until = this.wallNow();
    try {
      for (;;) {
        const next = earliest(this.pending);
        if (next === undefined || next.at > until) break;
        this.pending.delete(next.seq);
        this.runningAt = Math.max(this.floor, next.at);
        this.floor = this.runningAt;
        next.task();
        this.runningAt = undefined;
      }
    } finally {
      this.runningAt = undefined;
      this.arm();
    }
  }
}

/** Earliest due first; ties in creation order. */
function earliest(pending: Map<TimerId, Pending>): Pending | undefined {
  let best: Pending | undefined;
  for (const timer of pending.values()) if (!best || timer.at < best.at || (timer.at === best.at && timer.seq < best.seq)) best = timer;
  return best;
}
