// Building one rule's outcomes, and naming users in reasons.
import type { RuleId, RuleOutcome, RuleResult } from './types.ts';

export function outcome(
  rule: RuleId,
  result: RuleResult,
  reason: string,
  user: string | null = null,
): RuleOutcome {
  return { rule, user, result, reason };
}

/** `alice`, `alice and bob`, `alice, bob and carol`. */
export function nameList(names: readonly string[]): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

/** " (agent errors: src: "msg")" when there are errors to quote, else "". */
export function becauseOf(quoted: string): string {
  return quoted === '' ? '' : ` (agent reported ${quoted})`;
}
