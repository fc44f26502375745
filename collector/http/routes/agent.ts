// What agents call: enroll, snapshots, check-ins.
import type { FastifyInstance } from 'fastify';
import { Snapshot, Checkin, SNAPSHOT_SCHEMA, CHECKIN_SCHEMA } from '../../../agent/snapshot/index.ts';
import type { Snapshot as SnapshotT, Checkin as CheckinT } from '../../../agent/snapshot/index.ts';
import { ApiError, errorResponses as errors } from '../errors.ts';
import { EnrollBody } from '../schemas.ts';
import { EnrollResponse, SnapshotAccepted, CheckinAccepted } from '../../services/views.ts';
import { ingestSnapshot, ingestCheckin } from '../../services/ingest.ts';
import type { AuthenticatedDevice } from '../../services/ingest.ts';
import { bearer } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { Metrics } from '../metrics.ts';

/** Refuse a body whose "schema" names another document before schema validation says something vaguer. */
function expectSchema(name: string) {
  return async (req: { body: unknown }) => {
    const b = req.body;
    if (b !== null && typeof b === 'object' && !Array.isArray(b) && 'schema' in b) {
      const s = (b as { schema: unknown }).schema;
      if (s !== name) {
        throw new ApiError(
          'unknown_schema',
          `body/schema ${JSON.stringify(s).slice(0, 80)} is not accepted here: this endpoint takes ${name}`,
        );
      }
    }
  };
}

export function agentRoutes(app: FastifyInstance, ctx: AppContext): void {
  const device = (req: { device: AuthenticatedDevice | null }): AuthenticatedDevice => {
    if (!req.device) throw new ApiError('unauthorized', 'a device token is required');
    return req.device;
  };
  const authenticate = async (
    req: Parameters<typeof ctx.deviceAuth.authenticate>[0] & { device: AuthenticatedDevice | null },
  ) => {
    req.device = await ctx.deviceAuth.authenticate(req);
  };

  app.post<{ Body: EnrollBody }>(
    '/api/v1/enroll',
    {
      schema: {
        summary: 'Enroll a Mac: the enroll secret gets a per-device token',
        tags: ['agent'],
        body: EnrollBody,
        response: { 200: EnrollResponse, ...errors(400, 401, 409, 413, 415, 429, 503) },
      },
      onRequest: async (req) => ctx.enrollment.admit(req.ip || null, ctx.clock.now()),
    },
    async (req) => {
      const result = await ctx.enrollment.enroll(
        { ...req.body, presentedToken: bearer(req), remoteAddress: req.ip || null },
        ctx.clock.now(),
      );
      ctx.deviceAuth.forget(result.replacedTokenHash);
      req.log.info({ serial: req.body.serial, outcome: result.outcome }, 'enrollment');
      return { deviceToken: result.deviceToken };
    },
  );

  app.post<{ Body: SnapshotT }>(
    '/api/v1/snapshots',
    {
      schema: {
        summary: 'Upload a snapshot (idempotent by id)',
        tags: ['agent'],
        security: [{ deviceToken: [] }],
        body: Snapshot,
        response: { 200: SnapshotAccepted, ...errors(400, 401, 403, 409, 413, 415, 503) },
      },
      onRequest: authenticate,
      preValidation: expectSchema(SNAPSHOT_SCHEMA),
    },
    async (req) => {
      const raw = req.rawBody;
      if (raw === null) throw new ApiError('invalid_json', 'the body is empty');
      const { replay, ...accepted } = await ingestSnapshot(
        ctx.ingest,
        device(req),
        req.body,
        raw,
        ctx.clock.now(),
      );
      Metrics.inc(ctx.metrics.uploads, replay ? 'replay' : accepted.changed ? 'changed' : 'unchanged');
      return accepted;
    },
  );

  app.post<{ Body: CheckinT }>(
    '/api/v1/checkins',
    {
      schema: {
        summary: "Check in when nothing changed (the digest must be the device's current one)",
        tags: ['agent'],
        security: [{ deviceToken: [] }],
        body: Checkin,
        response: { 200: CheckinAccepted, ...errors(400, 401, 409, 413, 415, 503) },
      },
      onRequest: authenticate,
      preValidation: expectSchema(CHECKIN_SCHEMA),
    },
    async (req) => {
      const result = await ingestCheckin(ctx.ingest, device(req), req.body, ctx.clock.now());
      Metrics.inc(ctx.metrics.checkins, 'accepted');
      return result;
    },
  );
}
