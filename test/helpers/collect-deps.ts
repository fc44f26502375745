// The fixed inputs of collect() in tests: one clock, host, id and version, so the snapshots the agent's
// and the rules' tests build from the same answers are the same snapshots.
import type { CollectDeps } from '../../agent/collect.ts';
import type { Runner } from '../../agent/exec/types.ts';
import type { PathStatter } from '../../agent/path-stat.ts';

export const COLLECTED_AT = new Date('2026-05-10T12:00:00.000Z');

/** The simulated Mac a collection reads: its commands and its files (test/helpers/apple-silicon-mac.ts). */
export interface SimulatedMacAnswers {
  run: Runner;
  stat: PathStatter;
}

export function collectDeps(mac: SimulatedMacAnswers, extra: Partial<CollectDeps> = {}): CollectDeps {
  return {
    run: mac.run,
    stat: mac.stat,
    now: () => COLLECTED_AT,
    hostname: 'Z44QF45X37',
    newId: () => '0b6c1f7e-2f5a-4c4b-9d7e-3b1f1d2c3a4b',
    agentVersion: '0.1.0',
    excludeUsers: ['temp'],
    previousBootstrapCheck: null,
    ...extra,
  };
}
