// stale: no upload or check-in for longer than the configured age. A silent Mac is noncompliant. Its
// finding is never stored: the read model computes it from the device's last contact (staleFinding).
import type { Finding, Millis, RuleConfig, RuleDefinition, RuleOutcome } from './types.ts';
import { outcome } from './outcome.ts';
import { pendingUntil } from './finding-state.ts';
import type { FindingTimes } from './finding-state.ts';

const ID = 'stale';

/** The instant a device last seen at `lastSeen` (ISO 8601) becomes stale, or null when the rule is off or lastSeen is unreadable. */
export function staleAt(lastSeen: string, config: RuleConfig): Millis | null {
  const seen = Date.parse(lastSeen);
  if (Number.isNaN(seen) || !(config.staleAfterSeconds > 0)) return null;
  return seen + config.staleAfterSeconds * 1000;
}

/** "3 days", "5 hours", "12 minutes", "40 seconds": the largest whole unit. */
function duration(seconds: number): string {
  const units: Array<[string, number]> = [
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
    ['second', 1],
  ];
  for (const [name, size] of units) {
    const n = Math.floor(seconds / size);
    if (n >= 1) return `${n} ${name}${n === 1 ? '' : 's'}`;
  }
  return '0 seconds';
}

export const stale: RuleDefinition = {
  id: ID,
  title: 'No report from the Mac for too long',
  severity: 'medium',
  informational: false,
  probes: [],
  remediation:
    'Find out why the agent is silent: the Mac may be off, lost, wiped, or the agent unloaded. On the Mac: ' +
    '`sudo launchctl print system/com.tokenwatch.agent` and `tokenwatch-agent status` (outbox, last errors); ' +
    'reinstall the agent package if it is gone. If the Mac left the fleet (sold, lost, replaced), retire it: ' +
    '`tokenwatch devices retire SERIAL --reason TEXT --server URL` (or `--db FILE` on the collector; ' +
    'POST /api/v1/devices/{serial}/retire): it leaves every count and report, its history stays, and ' +
    'enrolling again brings it back.',
  evaluate: ({ lastSeen }, now, config) => [staleOutcome(lastSeen, now, config)],
};

function staleOutcome(lastSeen: string, now: Date, config: RuleConfig): RuleOutcome {
  if (!(config.staleAfterSeconds > 0))
    return outcome(ID, 'not_applicable', 'the stale check is off (staleAfterSeconds is 0)');
  const at = staleAt(lastSeen, config);
  if (at === null) return outcome(ID, 'unknown', `the last report time "${lastSeen}" is not a valid date`);
  const silent = Math.max(0, Math.floor((now.getTime() - Date.parse(lastSeen)) / 1000));
  if (now.getTime() > at) {
    return {
      ...outcome(
        ID,
        'fail',
        `no report for ${duration(silent)} (last seen ${lastSeen}; stale after ${duration(config.staleAfterSeconds)})`,
      ),
      since: at,
    };
  }
  return outcome(ID, 'pass', `last report ${duration(silent)} ago`);
}

/**
 * The stale finding of a device last heard from at `lastContact` (any contact: enrollment, upload,
 * check-in), as it is at `now`: the stale rule's failure, first seen when the device went stale. null when
 * the device is not stale.
 */
export function staleFinding(
  lastContact: Millis,
  now: Millis,
  config: RuleConfig,
): (Finding & FindingTimes) | null {
  const o = staleOutcome(new Date(lastContact).toISOString(), new Date(now), config);
  if (o.result !== 'fail' || o.since === undefined) return null;
  return {
    rule: ID,
    user: null,
    reason: o.reason,
    firstSeen: o.since,
    lastSeen: now,
    resolvedAt: null,
    pendingUntil: pendingUntil({ rule: ID, firstSeen: o.since }, config),
  };
}
