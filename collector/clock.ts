// The collector's only clock. Everything else receives `now` (or a Clock) as a parameter.
import { performance } from 'node:perf_hooks';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = {
  now: () => new Date(),
};

/** A clock that stays where it is set: for tests and for replaying time-driven states. */
export function fixedClock(start: Date): Clock & { set(d: Date): void; advance(ms: number): void } {
  let t = start.getTime();
  return {
    now: () => new Date(t),
    set: (d: Date) => {
      t = d.getTime();
    },
    advance: (ms: number) => {
      t += ms;
    },
  };
}

/** Monotonic milliseconds for durations and cache ages (not an instant). */
export const monotonic = (): number => performance.now();
