// Operations: health, Prometheus metrics, the OpenAPI document.
import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../context.ts';
import { Health } from '../../services/views.ts';
import { fleetParams } from '../../services/read-model.ts';
import { ruleConfig } from '../../services/evaluation.ts';

const DEVICE_COUNT_TTL_MS = 10_000;

export function opsRoutes(app: FastifyInstance, ctx: AppContext, monotonic: () => number): void {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness and store reachability',
        tags: ['ops'],
        response: { 200: Health },
      },
    },
    async () => ({ status: 'ok', devices: await ctx.store.fleet.deviceCount() }),
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
