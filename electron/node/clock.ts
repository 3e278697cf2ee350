import { realTimers, type Timers } from './api/event-pump.ts';

/** Time as the node sees it; tests inject their own so schedules run in simulated time. */
export type Clock = Timers & { now(): number };

export const systemClock: Clock = { ...realTimers, now: () => Date.now() };
