// Identity conflicts (admin): list them, read one, resolve one. Every route needs the admin token.
import type { FastifyInstance } from 'fastify';
import { ApiError, errorResponses as errors } from '../errors.ts';
import { IdentityConflictParams, IdentityConflictsQuery, ResolveConflictBody } from '../schemas.ts';
import { IdentityConflictPage, IdentityConflictView } from '../../services/views.ts';
import { requireAdmin } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { Metrics } from '../metrics.ts';
import { conflictView, resolveConflict } from '../../services/identity-conflicts.ts';

const security = [{ adminToken: [] }];

export function identityConflictRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.register(async (admin) => {
    admin.addHook('onRequest', async (req) => requireAdmin(ctx.config.adminToken, req));

    admin.get<{ Querystring: IdentityConflictsQuery }>(
      '/api/v1/identity-conflicts',
      {
        schema: {
          summary:
            'Identity conflicts, newest first (state: open or resolved; serial: the claimant or a device it met)',
          tags: ['admin'],
          security,
          querystring: IdentityConflictsQuery,
          response: { 200: IdentityConflictPage, ...errors(400, 401) },
        },
      },
      async (req) => {
        const q = req.query;
        return ctx.readModel.identityConflicts({
          ...(q.state ? { state: q.state } : {}),
          ...(q.serial ? { serial: q.serial } : {}),
          ...(q.before ? { before: Number(q.before) } : {}),
          limit: q.limit ? Number(q.limit) : 100,
        });
      },
    );

    admin.get<{ Params: IdentityConflictParams }>(
      '/api/v1/identity-conflicts/:id',
      {
        schema: {
          summary: 'One identity conflict: the claimant, the devices it met, the resolution',
          tags: ['admin'],
          security,
          params: IdentityConflictParams,
          response: { 200: IdentityConflictView, ...errors(400, 401, 404) },
        },
      },
      async (req) => {
        const c = await ctx.store.identityConflicts.get(Number(req.params.id));
        if (!c) throw new ApiError('conflict_not_found', `no identity conflict ${req.params.id}`);
        return conflictView(c);
      },
    );

    admin.post<{ Params: IdentityConflictParams; Body: ResolveConflictBody }>(
      '/api/v1/identity-conflicts/:id/resolve',
      {
        schema: {
          summary:
            'Resolve: keep "existing" refuses the claimant for good; keep "claimant" replaces the devices it met (their tokens stop working)',
          tags: ['admin'],
          security,
          params: IdentityConflictParams,
          body: ResolveConflictBody,
          response: { 200: IdentityConflictView, ...errors(400, 401, 404, 409, 413, 415) },
        },
      },
      async (req) => {
        const by = req.body.by ?? 'admin API';
        const r = await resolveConflict(ctx.store, Number(req.params.id), req.body.keep, by, ctx.clock.now());
        if (!r) throw new ApiError('conflict_not_found', `no identity conflict ${req.params.id}`);
        for (const hash of r.revokedTokenHashes) ctx.deviceAuth.forget(hash);
        if (r.changed) {
          Metrics.inc(ctx.metrics.enrollments, `conflict_kept_${req.body.keep}`);
          req.log.info({ conflict: r.conflict.id, keep: req.body.keep, by }, 'identity conflict resolved');
        }
        return conflictView(r.conflict);
      },
    );
  });
}
