// Operations: health, Prometheus metrics (counts from the store at most every 10 s), the OpenAPI document.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { Health, Readiness } from '../../services/views.ts';
import { fleetParams } from '../../services/read-model.ts';
import { ruleConfig } from '../../services/evaluation.ts';
import type { AlertGauges } from '../metrics.ts';
import { RULES } from '../../rules/index.ts';
import type { FindingState } from '../../rules/index.ts';
import type { FindingCount } from '../../store/types.ts';
import type { FindingsGauge } from '../metrics.ts';

const DEVICE_COUNT_TTL_MS = 10_000;

/** What /metrics shows of alerting and jobs, read from the store (with the device counts, every 10 s). */
async function alertGauges(ctx: AppContext): Promise<AlertGauges> {
  const [stats, records, incidents, jobs] = await Promise.all([
    ctx.store.deliveries.stats(),
    ctx.store.alertChannels.list(),
    ctx.store.incidents.countUnresolved(),
    ctx.store.jobs.list(),
  ]);
  const names = [...new Set([...ctx.alerts.channels.map((c) => c.name), ...stats.map((s) => s.channel)])];
  return {
    channels: names.map((channel) => {
      const s = stats.find((x) => x.channel === channel);
      return {
        channel,
        pending: s?.pending ?? 0,
        dead: s?.dead ?? 0,
        disabled: records.some((r) => r.name === channel && r.disabledAt !== null),
      };
    }),
    incidentsOpen: incidents.open,
    incidentsExempted: incidents.exempted,
    jobsLastSuccess: jobs
      .filter((j) => j.outcome === 'ok' && j.finishedAt !== null)
      .map((j) => ({ job: j.name, at: Math.floor((j.finishedAt as number) / 1000) })),
  };
}

const STATES: readonly FindingState[] = ['active', 'pending', 'exempted'];

/** Every rule in every state, 0 where the store counted none (rules no longer known are left out). */
function everyRuleAndState(found: readonly FindingCount[]): FindingsGauge[] {
  const n = new Map(found.map((f) => [`${f.rule} ${f.state}`, f.findings]));
  return RULES.flatMap((r) =>
    STATES.map((state) => ({ rule: r.id, state, findings: n.get(`${r.id} ${state}`) ?? 0 })),
  );
}

export function opsRoutes(app: FastifyInstance, ctx: AppContext, monotonic: () => number): void {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness, and the state of the database',
        tags: ['ops'],
        response: { 200: Health },
      },
    },
    async (): Promise<Health> => {
      const database = await ctx.store.health();
      if (database.state !== 'ready') return { status: 'degraded', devices: null, database };
      return { status: 'ok', devices: await ctx.store.fleet.deviceCount(), database };
    },
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: 503 while the database is migrating, unreachable or unusable',
        tags: ['ops'],
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_req, reply): Promise<Readiness> => {
      const database = await ctx.store.health();
      const ready = database.state === 'ready';
      if (!ready) reply.code(503);
      return { ready, database };
    },
  );

  let cached: {
    at: number;
    counts: Record<string, number>;
    findings: FindingsGauge[];
    alerts: AlertGauges;
  } | null = null;
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['ops'] } }, async (_req, reply) => {
    const t = monotonic();
    if (!cached || t - cached.at > DEVICE_COUNT_TTL_MS) {
      const p = fleetParams(ctx.clock.now(), ruleConfig(ctx.config));
      const [counts, found, alerts] = await Promise.all([
        ctx.store.fleet.countByStatus(p),
        ctx.store.fleet.findingCounts(p),
        alertGauges(ctx),
      ]);
      cached = { at: t, counts, findings: everyRuleAndState(found), alerts };
    }
    // Open conflicts are few (a partial index): counted on every scrape, so a resolution shows at once.
    const conflicts = await ctx.store.identityConflicts.countOpen();
    reply.type('text/plain; version=0.0.4; charset=utf-8');
    return ctx.metrics.render(cached.counts, conflicts, cached.findings, cached.alerts);
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
