// collector/rules: PURE compliance rules. (DeviceState, now, RuleConfig) -> outcomes -> findings -> status.
// The collector's store/HTTP/read model and reports/ use only what this module exports.
import type { DeviceState, RuleConfig, RuleOutcome } from './types.ts';
import { RULES } from './table.ts';
import { evaluateWith } from './evaluate.ts';

export * from './types.ts';
export { RULES, ruleById } from './table.ts';
export { reconcileFindings, findingKey, byRuleThenUser } from './reconcile.ts';
export {
  findingState,
  exemptionFor,
  activeFrom,
  pendingUntil,
  exemptionExpiry,
  exemptionMatches,
  exemptionInForce,
  NO_EXPIRY,
} from './finding-state.ts';
export type { FindingTimes } from './finding-state.ts';
export { deviceStatus, noncompliantFrom, leavesUnknown, answersUnknown } from './device-status.ts';
export type { StatusInputs } from './device-status.ts';
export { staleAt, staleFinding } from './stale.ts';
export { volumeOwner } from './users.ts';

/** Every rule's outcomes for one device, in table order. */
export function evaluateDevice(state: DeviceState, now: Date, config: RuleConfig): RuleOutcome[] {
  return evaluateWith(RULES, state, now, config);
}
