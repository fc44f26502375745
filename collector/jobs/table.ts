// THE collector's scheduled jobs, each (now, since) -> report (runner.ts runs them, schedule.ts times them):
//   retention          daily: history, receipts and audit past their retention (prune.ts)
//   stale-sweep        every minute: devices that went silent past the stale age (and its grace) since the
//                      last sweep get their stale incident; those heard from again are resolved at contact
//   grace-promotion    every minute: findings whose grace window ended since the last run become incidents
//   exemption-expiry   every minute: findings an expired exemption no longer covers are reopened
//   reminders          every 15 minutes: incidents still open, every reminderDays per channel
//   digests            every minute: each channel's digest whose schedule came due since its last one
//   alert-retention    daily: routed events past alerts.retentionDays whose deliveries are all finished
//   scheduled-report   on reportSchedule (UTC), when set: the fleet's report into reportDir (reports/scheduled.ts),
//                      then queued for the channels of reportChannels (services/report-events.ts)
// The minute jobs make an incident change an event within a minute of the instant it happens (a grace
// window's end, an expiry, the stale age), not at the device's next upload.
import type { CollectorConfig } from '../config.ts';
import type { Millis, Store } from '../store/types.ts';
import type { RuleConfig } from '../rules/index.ts';
import type { AlertSettings } from '../alerts/config.ts';
import { latestSlot } from '../alerts/cron.ts';
import { reconcileIncidents, addChanges } from '../services/incidents.ts';
import type { IncidentChanges } from '../services/incidents.ts';
import { reconcileExempted } from '../services/exemptions.ts';
import { remind, scheduledDigest } from '../services/alert-digests.ts';
import { fleetParams } from '../services/read-model.ts';
import { pruneOnce } from './prune.ts';
import type { JobDefinition, JobReport } from './runner.ts';

export interface JobDeps {
  store: Store;
  config: CollectorConfig;
  rules: RuleConfig;
  alerts: AlertSettings;
  /**
   * Write the scheduled report for `now` (reportSchedule) and queue it for its channels, answering the file
   * written and how many channels it was queued for.
   */
  report?: (now: Date) => Promise<{ file: string; queued: number }>;
}

const DAY = 86_400_000;
const BATCH = 100;
const NONE: IncidentChanges = { opened: 0, reopened: 0, exempted: 0, resolved: 0 };

/** Reconcile the incidents of these devices at `now`, BATCH devices a unit of work. */
async function reconcileDevices(
  deps: JobDeps,
  ids: readonly number[],
  now: Millis,
): Promise<IncidentChanges> {
  let total = NONE;
  for (let i = 0; i < ids.length; i += BATCH) {
    const changes = await deps.store.withTransaction(async (tx) => {
      let c = NONE;
      for (const id of ids.slice(i, i + BATCH)) {
        const d = await tx.devices.byId(id);
        if (d) c = addChanges(c, await reconcileIncidents(tx, d, deps.rules, now));
      }
      return c;
    });
    total = addChanges(total, changes);
  }
  return total;
}

const report = (devices: number, c: IncidentChanges): JobReport => ({ devices, ...c });

export function collectorJobs(deps: JobDeps): JobDefinition[] {
  const { store, report: writeReport } = deps;
  const scheduledReport: JobDefinition[] =
    deps.config.reportSchedule === '' || writeReport === undefined
      ? []
      : [
          {
            name: 'scheduled-report',
            cron: deps.config.reportSchedule,
            timezone: 'UTC',
            description: `the fleet's report written to ${deps.config.reportDir} (${deps.config.reportFormat})`,
            run: async (now) => ({ ...(await writeReport(new Date(now))), written: 1 }),
          },
        ];
  return [
    ...scheduledReport,
    {
      name: 'retention',
      cron: '17 3 * * *',
      description: 'history, receipts and enrollment audit past their retention',
      run: async (now) => ({ ...(await pruneOnce(store, deps.config, new Date(now))) }),
    },
    {
      name: 'stale-sweep',
      cron: '* * * * *',
      description: 'devices silent past the stale age get their stale incident',
      async run(now, since) {
        const cutoff = (t: Millis) => fleetParams(new Date(t), deps.rules).staleActiveCutoff;
        // The first sweep looks back a stale age: older silences were taken in by the seed.
        const from = cutoff(since ?? now - deps.rules.staleAfterSeconds * 1000);
        const ids = await store.devices.lastContactBetween(from, cutoff(now));
        return report(ids.length, await reconcileDevices(deps, ids, now));
      },
    },
    {
      name: 'grace-promotion',
      cron: '* * * * *',
      description: 'findings whose grace window ended become incidents',
      async run(now, since) {
        const ids = await store.findings.graceEndedBetween(since ?? Number.MIN_SAFE_INTEGER, now);
        return report(ids.length, await reconcileDevices(deps, ids, now));
      },
    },
    {
      name: 'exemption-expiry',
      cron: '* * * * *',
      description: 'findings an expired exemption no longer covers are reopened',
      async run(now, since) {
        const expired = (await store.exemptions.list()).filter(
          (e) => typeof e.expiresAt === 'number' && e.expiresAt <= now && e.expiresAt > (since ?? now - DAY),
        );
        let c = NONE;
        for (const e of expired)
          c = addChanges(c, await store.withTransaction((tx) => reconcileExempted(tx, e, deps.rules, now)));
        return { exemptions: expired.length, ...c };
      },
    },
    {
      name: 'reminders',
      cron: '*/15 * * * *',
      description: 'incidents still open, again every reminderDays per channel',
      async run(now) {
        let sent = 0;
        for (const c of deps.alerts.channels) {
          if (c.routing.reminderDays <= 0 || !c.routing.immediate) continue;
          for (;;) {
            const r = await store.withTransaction((tx) => remind(tx, c.name, c.routing, now, 500));
            sent += r.sent;
            if (r.looked < 500) break;
          }
        }
        return { reminders: sent };
      },
    },
    {
      name: 'digests',
      cron: '* * * * *',
      description: "each channel's digest whose schedule came due",
      async run(now) {
        let written = 0;
        for (const c of deps.alerts.channels) {
          const schedule = c.routing.digest;
          if (!schedule) continue;
          const record = await store.alertChannels.get(c.name);
          if (!record) continue;
          const from = record.digestAt ?? record.addedAt;
          const slot = latestSlot(schedule.cron, schedule.timezone, from, now);
          if (slot === null) continue;
          await store.withTransaction((tx) => scheduledDigest(tx, c.name, c.routing, from, slot));
          written++;
        }
        return { digests: written };
      },
    },
    {
      name: 'alert-retention',
      cron: '37 3 * * *',
      description: 'delivered alert events past their retention',
      run: async (now) => ({ events: await store.alertEvents.prune(now - deps.alerts.retentionDays * DAY) }),
    },
  ];
}
