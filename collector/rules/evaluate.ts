// All rules' outcomes for one device.
import type { DeviceState, RuleConfig, RuleDefinition, RuleOutcome } from './types.ts';

export function evaluateWith(
  rules: readonly RuleDefinition[],
  state: DeviceState,
  now: Date,
  config: RuleConfig,
): RuleOutcome[] {
  return rules.flatMap((rule) => rule.evaluate(state, now, config));
}
