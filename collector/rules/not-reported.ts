// A field the snapshot contract made optional for agents older than it: such an agent does not report it.
// The rules that read it answer not_applicable with a reason that says so, rather than unknown, so that an
// upgraded collector does not turn every device of an older fleet unknown before its agents are upgraded.
import type { Snapshot } from '../../agent/snapshot/index.ts';
import type { RuleId, RuleOutcome } from './types.ts';
import { outcome } from './outcome.ts';

export function notReported(rule: RuleId, snapshot: Snapshot, what: string): RuleOutcome {
  return outcome(
    rule,
    'not_applicable',
    `the agent (${snapshot.agent.version}) does not report ${what}: upgrade the agent to check it`,
  );
}
