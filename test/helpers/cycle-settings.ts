// A cycle's settings for in-process tests: the declared defaults (agent/settings/declaration.ts), the test
// collector's enroll secret, and what the test changes.
import type { CycleSettings } from '../../agent/cycle.ts';
import { CONFIG_KEYS, SETTINGS } from '../../agent/settings/declaration.ts';
import type { AgentConfigValues } from '../../agent/settings/declaration.ts';
import { ENROLL_SECRET } from './collector.ts';

const DEFAULTS = Object.fromEntries(
  CONFIG_KEYS.map((key) => [key, SETTINGS[key].default]),
) as AgentConfigValues;

export function cycleSettings(extra: Partial<CycleSettings> = {}): CycleSettings {
  return { ...DEFAULTS, EnrollSecret: ENROLL_SECRET, ...extra };
}
