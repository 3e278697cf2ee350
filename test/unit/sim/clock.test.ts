import { describe, expect, it } from 'vitest';
import { ScaledRealTimeScheduler } from '../../../electron/sim/index.ts';

/** Keeps the event loop busy, as a burst of work in the app does, so due timers fire late together. */
function blockFor(wallMs: number): void {
  const end = performance.now() + wallMs;
  while (performance.now() < end);
}

describe('ScaledRealTimeScheduler', () => {
  it('runs timers the event loop fired late at their own radio time, in due order', async () => {
    const scheduler = new ScaledRealTimeScheduler(1_000); // 1 wall ms is 1 radio s
    const lateness: [string, number][] = [];
    const timer = (name: string, delayMs: number, then?: () => void): void => {
      const dueAt = scheduler.now() + delayMs;
      scheduler.setTimer(delayMs, () => {
        lateness.push([name, scheduler.now() - dueAt]);
        then?.();
      });
    };
    await new Promise<void>((resolve) => {
      timer('a', 1_000, () => {
        blockFor(20); // a long task: 'b' and 'c' fall 20 radio seconds behind
        timer('a+5', 5);
      });
      timer('b', 2_000);
      timer('c', 3_000, resolve);
    });
    expect(lateness.map(([name]) => name)).toEqual(['a', 'a+5', 'b', 'c']);
    // Not 20 radio seconds late: at most the wall time between reading the clock and setting the
    // timer, which a busy machine can stretch to a fraction of a wall millisecond (x 1,000 here).
    for (const [, lateMs] of lateness) expect(lateMs).toBeLessThan(1_000);
    scheduler.stop();
  });

  it('never hands out an earlier time than it already did, even to an overdue timer', async () => {
    const scheduler = new ScaledRealTimeScheduler(1_000);
    let overdueAt = -1;
    scheduler.setTimer(10, () => (overdueAt = scheduler.now()));
    blockFor(5);
    const before = scheduler.now(); // read while the 10 ms timer is overdue, e.g. by a socket handler
    await new Promise<void>((resolve) => scheduler.setTimer(0, resolve));
    expect(overdueAt).toBeGreaterThanOrEqual(before);
    scheduler.stop();
  });
});
