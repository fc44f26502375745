// The admin API: fleet reads, exemptions, revocation, the enrollment audit. Every route needs the admin token.
import type { FastifyInstance } from 'fastify';
import { ApiError, errorResponses as errors } from '../errors.ts';
import {
  DevicesQuery,
  SerialParams,
  RetireBody,
  ExemptionBody,
  ExemptionParams,
  ExemptionsQuery,
  EnrollmentsQuery,
  MDM_UPDATABLE,
  SummaryQuery,
  TrendQuery,
} from '../schemas.ts';
import {
  DevicePage,
  DeviceDetail,
  Summary,
  ExemptionView,
  ExemptionAdded,
  ExemptionList,
  EnrollmentPage,
  RuleList,
  Trend,
} from '../../services/views.ts';
import { requireAdmin } from '../auth.ts';
import type { AppContext } from '../context.ts';
import { Metrics } from '../metrics.ts';
import { exemptionView } from '../../services/read-model.ts';
import { answerInUnit } from '../answer.ts';
import { removeExemption, requestExemption } from '../../services/exemptions.ts';
import { retireAndShow, revokeAndShow } from '../../services/device-actions.ts';
import type { Retired } from '../../services/retirement.ts';
import type { Exemption } from '../../store/types.ts';
import { readCalendarInstant } from '../../services/instants.ts';

const security = [{ adminToken: [] }];
const DAY = 86_400_000;

/** An instant from the query string (the pattern admits 30 February: refused, not read as 2 March). */
function queryInstant(name: string, text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const r = readCalendarInstant(text);
  if (!r.ok) throw new ApiError('invalid_query', `${name} "${text}" is not a real instant: it ${r.problem}`);
  return new Date(r.ms);
}

export function adminRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.register(async (admin) => {
    // Guessing is slowed per address: after too many failures even the right token waits for Retry-After.
    admin.addHook('onRequest', async (req) => {
      const wait = ctx.adminLimiter.retryAfter(req.ip);
      if (wait > 0)
        throw new ApiError('rate_limited', 'too many failed admin authentications from this address', wait);
      try {
        requireAdmin(ctx.config.adminToken, req);
      } catch (e) {
        ctx.adminLimiter.fail(req.ip);
        ctx.metrics.adminAuthFailed();
        throw e;
      }
    });

    admin.get<{ Querystring: DevicesQuery }>(
      '/api/v1/devices',
      {
        schema: {
          summary:
            'List devices (filters: status, rule, osVersion, model, seenSince, mdmUpdatable; cursor pagination), now or as of a past instant',
          tags: ['admin'],
          security,
          querystring: DevicesQuery,
          response: { 200: DevicePage, ...errors(400, 401) },
        },
      },
      async (req) => {
        const q = req.query;
        // The pattern admits impossible instants (month 13): refused, not a filter that matches nothing.
        const seenSince = queryInstant('seenSince', q.seenSince)?.getTime();
        const asOf = queryInstant('asOf', q.asOf);
        return ctx.readModel.listDevices(
          {
            ...(q.status ? { status: q.status } : {}),
            ...(q.mdmUpdatable ? { mdmUpdate: MDM_UPDATABLE[q.mdmUpdatable] } : {}),
            ...(q.rule ? { rule: q.rule } : {}),
            ...(q.osVersion ? { osVersion: q.osVersion } : {}),
            ...(q.model ? { model: q.model } : {}),
            ...(seenSince !== undefined ? { seenSince } : {}),
            ...(q.retired ? { retired: q.retired } : {}),
          },
          { ...(q.cursor ? { cursor: q.cursor } : {}), limit: q.limit ? Number(q.limit) : 100 },
          ctx.clock.now(),
          asOf,
        );
      },
    );

    admin.get<{ Params: SerialParams }>(
      '/api/v1/devices/:serial',
      {
        schema: {
          summary: 'One device: current state, findings, history of changes',
          tags: ['admin'],
          security,
          params: SerialParams,
          response: { 200: DeviceDetail, ...errors(400, 401, 404) },
        },
      },
      async (req) => {
        const d = await ctx.readModel.device(req.params.serial, ctx.clock.now());
        if (!d) throw new ApiError('device_not_found', `no device with serial ${req.params.serial}`);
        return d;
      },
    );

    admin.post<{ Params: SerialParams }>(
      '/api/v1/devices/:serial/revoke',
      {
        schema: {
          summary: 'Revoke the device token: it stops working at once; the Mac may enroll again',
          tags: ['admin'],
          security,
          params: SerialParams,
          response: { 200: DeviceDetail, ...errors(400, 401, 404) },
        },
      },
      async (req, reply) => {
        const now = ctx.clock.now();
        const { serial } = req.params;
        const done: { revokedTokenHash?: string | null } = {};
        // The revocation and the device page that answers it are one unit: both or neither.
        const answer = await answerInUnit(ctx.store, reply, 200, async (tx) => {
          const r = await revokeAndShow(tx, ctx.ingest.rules, serial, 'admin API', now);
          if (!r) throw new ApiError('device_not_found', `no device with serial ${serial}`);
          done.revokedTokenHash = r.revokedTokenHash;
          return r.detail;
        });
        ctx.deviceAuth.forget(done.revokedTokenHash ?? null);
        Metrics.inc(ctx.metrics.enrollments, 'revoked');
        return answer;
      },
    );

    admin.post<{ Params: SerialParams; Body: RetireBody }>(
      '/api/v1/devices/:serial/retire',
      {
        schema: {
          summary:
            'Retire a device that left the fleet: out of every count, list and report (GET /api/v1/devices?retired=only shows it), its token revoked, its history kept; enrolling again un-retires it. Retiring a retired device changes nothing',
          tags: ['admin'],
          security,
          params: SerialParams,
          body: RetireBody,
          response: { 200: DeviceDetail, ...errors(400, 401, 404, 413, 415) },
        },
      },
      async (req, reply) => {
        const now = ctx.clock.now();
        const { serial } = req.params;
        const by = req.body.by ?? 'admin API';
        const done: { retired?: Retired } = {};
        const answer = await answerInUnit(ctx.store, reply, 200, async (tx) => {
          const r = await retireAndShow(tx, ctx.ingest.rules, serial, { by, reason: req.body.reason }, now);
          if (!r) throw new ApiError('device_not_found', `no device with serial ${serial}`);
          done.retired = r.retired;
          return r.detail;
        });
        if (done.retired && !done.retired.already) {
          ctx.deviceAuth.forget(done.retired.revokedTokenHash);
          Metrics.inc(ctx.metrics.enrollments, 'retired');
          req.log.info({ serial, by }, 'device retired');
        }
        return answer;
      },
    );

    admin.get<{ Querystring: SummaryQuery }>(
      '/api/v1/summary',
      {
        schema: {
          summary:
            'Counts per status and per rule, escrow, usable token, FileVault and MDM update rates; now or as of a past instant',
          tags: ['admin'],
          security,
          querystring: SummaryQuery,
          response: { 200: Summary, ...errors(400, 401) },
        },
      },
      async (req) => ctx.readModel.summary(ctx.clock.now(), queryInstant('asOf', req.query.asOf)),
    );

    admin.get<{ Querystring: TrendQuery }>(
      '/api/v1/trend',
      {
        schema: {
          summary:
            'Compliance, escrow, usable token and FileVault rates at the end of each UTC day (today: now), over the history kept',
          tags: ['admin'],
          security,
          querystring: TrendQuery,
          response: { 200: Trend, ...errors(400, 401) },
        },
      },
      async (req) => {
        const now = ctx.clock.now();
        const to = queryInstant('to', req.query.to) ?? now;
        const from = queryInstant('from', req.query.from) ?? new Date(to.getTime() - 29 * DAY);
        return ctx.readModel.trend({ from, to }, now);
      },
    );

    admin.get(
      '/api/v1/rules',
      {
        schema: {
          summary: 'The rule table',
          tags: ['admin'],
          security,
          response: { 200: RuleList, ...errors(401) },
        },
      },
      async () => ctx.readModel.rules(),
    );

    admin.get<{ Querystring: ExemptionsQuery }>(
      '/api/v1/exemptions',
      {
        schema: {
          summary: "Exemptions (active and expired); with serial: that device's and fleet-wide ones",
          tags: ['admin'],
          security,
          querystring: ExemptionsQuery,
          response: { 200: ExemptionList, ...errors(400, 401) },
        },
      },
      async (req) => ctx.readModel.exemptions(ctx.clock.now(), req.query.serial),
    );

    admin.post<{ Body: ExemptionBody }>(
      '/api/v1/exemptions',
      {
        schema: {
          summary:
            'Add an exemption: (device or all) x (rule or all) x (optional user); a serial the collector has not seen needs "preEnrolled": true',
          tags: ['admin'],
          security,
          body: ExemptionBody,
          response: { 201: ExemptionAdded, ...errors(400, 401, 404, 413, 415) },
        },
      },
      async (req, reply) => {
        const now = ctx.clock.now();
        const b = req.body;
        const request = {
          serial: b.serial ?? null,
          rule: b.rule ?? null,
          user: b.user ?? null,
          reason: b.reason,
          createdBy: b.createdBy,
          expires: b.expires ?? null,
          preEnrolled: b.preEnrolled === true,
        };
        const done: { e?: Exemption; preEnrolled?: boolean } = {};
        // The exemption and its answer are written as one unit.
        const answer = await answerInUnit(ctx.store, reply, 201, async (tx) => {
          const added = await requestExemption(tx, request, now, ctx.ingest.rules);
          done.e = added.exemption;
          done.preEnrolled = added.view.preEnrolled;
          return added.view;
        });
        const { e } = done;
        if (e)
          req.log.info(
            {
              exemption: e.id,
              serial: e.serial,
              rule: e.rule,
              by: e.createdBy,
              preEnrolled: done.preEnrolled,
            },
            'exemption added',
          );
        return answer;
      },
    );

    admin.get<{ Params: ExemptionParams }>(
      '/api/v1/exemptions/:id',
      {
        schema: {
          tags: ['admin'],
          security,
          params: ExemptionParams,
          response: { 200: ExemptionView, ...errors(400, 401, 404) },
        },
      },
      async (req) => {
        const e = await ctx.readModel.exemption(req.params.id, ctx.clock.now());
        if (!e) throw new ApiError('exemption_not_found', `no exemption ${req.params.id}`);
        return e;
      },
    );

    admin.delete<{ Params: ExemptionParams }>(
      '/api/v1/exemptions/:id',
      {
        schema: {
          summary: 'Remove an exemption',
          tags: ['admin'],
          security,
          params: ExemptionParams,
          response: { 200: ExemptionView, ...errors(400, 401, 404) },
        },
      },
      async (req, reply) => {
        const now = ctx.clock.now();
        const answer = await answerInUnit(ctx.store, reply, 200, async (tx) => {
          const e = await removeExemption(tx, req.params.id, now, ctx.ingest.rules);
          if (!e) throw new ApiError('exemption_not_found', `no exemption ${req.params.id}`);
          return exemptionView(e, now);
        });
        req.log.info({ exemption: req.params.id }, 'exemption removed');
        return answer;
      },
    );

    admin.get<{ Querystring: EnrollmentsQuery }>(
      '/api/v1/enrollments',
      {
        schema: {
          summary:
            'The enrollment audit: events, and attempts counted per key and hour (count, at..lastAt), newest first',
          tags: ['admin'],
          security,
          querystring: EnrollmentsQuery,
          response: { 200: EnrollmentPage, ...errors(400, 401) },
        },
      },
      async (req) =>
        ctx.readModel.enrollments({
          ...(req.query.serial ? { serial: req.query.serial } : {}),
          ...(req.query.before ? { before: Number(req.query.before) } : {}),
          limit: req.query.limit ? Number(req.query.limit) : 100,
        }),
    );
  });
}
