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
      const [id, next] = this.earliest() ?? [];
      if (id === undefined || next === undefined || next.at > timeMs) break;
      this.pending.delete(id);
      this.time = next.at;
      next.task();
    }
    this.time = Math.max(this.time, timeMs);
  }

  /** Runs until no timer is left or `limitMs` of radio time has passed; returns the time reached. */
  runUntilIdle(limitMs = 24 * 60 * 60 * 1000): number {
    const end = this.time + limitMs;
    for (;;) {
      const [id, next] = this.earliest() ?? [];
      if (id === undefined || next === undefined || next.at > end) break;
      this.pending.delete(id);
      this.time = next.at;
      next.task();
    }
    return this.time;
  }

  get pendingTimers(): number {
    return this.pending.size;
  }

  private earliest(): [TimerId, Pending] | undefined {
    let best: [TimerId, Pending] | undefined;
    for (const entry of this.pending) {
      const [, timer] = entry;
      if (!best || timer.at < best[1].at || (timer.at === best[1].at && timer.seq < best[1].seq)) best = entry;
    }
    return best;
  }
}

/** Wall-clock timers with radio time running `timeScale` times faster than the wall clock. */
export class ScaledRealTimeScheduler implements Scheduler {
  private readonly timeScale: number;
  private readonly wallStart: number;
  private readonly timers = new Map<TimerId, ReturnType<typeof setTimeout>>();
  private seq = 0;

  constructor(timeScale = 1) {
    if (!(timeScale > 0)) throw new RangeError(`time scale must be > 0, got ${timeScale}`);
    this.timeScale = timeScale;
    this.wallStart = performance.now();
  }

  now(): number {
    return (performance.now() - this.wallStart) * this.timeScale;
  }

  setTimer(delayMs: number, task: () => void): TimerId {
    const id = ++this.seq;
    const handle = setTimeout(() => {
      this.timers.delete(id);
      task();
    }, Math.max(0, delayMs) / this.timeScale);
    this.timers.set(id, handle);
    return id;
  }

  clearTimer(id: TimerId): void {
    const handle = this.timers.get(id);
    if (handle !== undefined) clearTimeout(handle);
    this.timers.delete(id);
  }

  /** Cancels every timer, so the process can exit. */
  stop(): void {
    for (const handle of this.timers.values()) clearTimeout(handle);
    this.timers.clear();
  }
}
