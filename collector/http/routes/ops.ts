// Operations: health, Prometheus metrics, the OpenAPI document.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { Health, Readiness } from '../../services/views.ts';
import { fleetParams } from '../../services/read-model.ts';
import { ruleConfig } from '../../services/evaluation.ts';

const DEVICE_COUNT_TTL_MS = 10_000;

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

  let cached: { at: number; counts: Record<string, number> } | null = null;
  app.get('/metrics', { schema: { summary: 'Prometheus metrics', tags: ['ops'] } }, async (_req, reply) => {
    const t = monotonic();
    if (!cached || t - cached.at > DEVICE_COUNT_TTL_MS) {
      const counts = await ctx.store.fleet.countByStatus(
        fleetParams(ctx.clock.now(), ruleConfig(ctx.config)),
      );
      cached = { at: t, counts };
    }
    // Open conflicts are few (a partial index): counted on every scrape, so a resolution shows at once.
    const conflicts = await ctx.store.identityConflicts.countOpen();
    reply.type('text/plain; version=0.0.4; charset=utf-8');
    return ctx.metrics.render(cached.counts, conflicts);
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
