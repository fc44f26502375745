// collection-incomplete (informational): the snapshot's errors left other rules unknown. It names those
// rules and the probes, so an admin sees why a device is `unknown` and what to look at on the Mac.
// It never makes a device noncompliant: deviceStatus counts its failure as `unknown`.
import type { RuleDefinition, RuleOutcome } from './types.ts';
import { errorsOf, quoteErrors } from './probes.ts';
import { nameList, outcome } from './outcome.ts';

const ID = 'collection-incomplete';
/** Errors quoted in the reason; the rest are counted (the snapshot keeps them all). */
const MAX_QUOTED = 5;

/** The rule, given the other rules (it evaluates them to find the ones left unknown). */
export function collectionIncomplete(others: readonly RuleDefinition[]): RuleDefinition {
  return {
    id: ID,
    title: 'Collection incomplete: some checks could not run',
    severity: 'info',
    informational: true,
    probes: [],
    remediation:
      'Look at the probes named in the reason on the Mac: `tokenwatch-agent status` lists the last collection ' +
      'errors. Most are the agent not running as root (run it from its LaunchDaemon), a command timing out ' +
      '(mdmclient, profiles), or a macOS version whose output the agent does not recognise yet (report it with ' +
      'the raw output).',
    evaluate(state, now, config) {
      const { snapshot } = state;
      const unknownRules: string[] = [];
      const errors = new Set<(typeof snapshot.errors)[number]>();
      for (const rule of others) {
        const outcomes: RuleOutcome[] = rule.evaluate(state, now, config);
        if (!outcomes.some((o) => o.result === 'unknown')) continue;
        // An unrelated line (noise beside an answer read in full) left nothing unknown.
        const related = errorsOf(snapshot, rule.probes).filter((e) => e.unrelated !== true);
        if (related.length === 0) continue;
        unknownRules.push(rule.id);
        for (const e of related) {
          errors.add(e);
        }
      }
      if (unknownRules.length > 0) {
        return [
          outcome(
            ID,
            'fail',
            `collection errors left ${nameList(unknownRules)} unknown: ${quoteErrors([...errors].slice(0, MAX_QUOTED))}` +
              (errors.size > MAX_QUOTED ? ` (and ${errors.size - MAX_QUOTED} more)` : ''),
          ),
        ];
      }
      if (snapshot.errors.length > 0) {
        const sources = [...new Set(snapshot.errors.map((e) => e.probe))];
        return [
          outcome(
            ID,
            'pass',
            `the agent reported errors from ${nameList(sources)}, but no rule was left unknown by them`,
          ),
        ];
      }
      return [outcome(ID, 'pass', 'the agent reported no collection errors')];
    },
  };
}
