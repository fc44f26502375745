// Alerts and jobs (admin): the outbox's events with their deliveries, deliveries with every attempt,
// incidents, channels (enable one a 410 disabled, retry a dead delivery) and the scheduled jobs' last runs.
// Every route needs the admin token.
import type { FastifyInstance } from 'fastify';
import { ApiError, errorResponses as errors } from '../errors.ts';
import { requireAdmin } from '../auth.ts';
import type { AppContext } from '../context.ts';
import {
  AlertEventsQuery,
  ChannelParams,
  DeliveriesQuery,
  DeliveryParams,
  IncidentsQuery,
} from '../alert-schemas.ts';
import {
  AlertEventPage,
  ChannelList,
  ChannelView,
  DeliveryPage,
  DeliveryView,
  IncidentPage,
  JobList,
} from '../../services/alert-views.ts';
import {
  alertDeliveries,
  alertEvents,
  channels,
  deliveryView,
  incidents,
  jobViews,
} from '../../services/alert-read-model.ts';
import { millis } from '../../services/instants.ts';

const security = [{ adminToken: [] }];
const limit = (q: { limit?: string }) => (q.limit ? Number(q.limit) : 100);

/** An instant of a query, refused when the pattern admits an impossible one (month 13). */
function instant(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = millis(text);
  if (Number.isNaN(ms)) throw new ApiError('invalid_query', `${name} "${text}" is not a real instant`);
  return ms;
}

export function alertRoutes(app: FastifyInstance, ctx: AppContext): void {
  app.register(async (admin) => {
    admin.addHook('onRequest', async (req) => requireAdmin(ctx.config.adminToken, req));

    admin.get<{ Querystring: AlertEventsQuery }>(
      '/api/v1/alerts/events',
      {
        schema: {
          summary:
            'Alert events, newest first, each with its deliveries (filters: serial, incident, type, channel, since, until; before pages on)',
          tags: ['alerts'],
          security,
          querystring: AlertEventsQuery,
          response: { 200: AlertEventPage, ...errors(400, 401) },
        },
      },
      async (req) => {
        const q = req.query;
        const since = instant('since', q.since);
        const until = instant('until', q.until);
        return alertEvents(ctx.store, {
          ...(q.serial ? { serial: q.serial } : {}),
          ...(q.incident ? { incidentId: q.incident } : {}),
          ...(q.type ? { type: q.type } : {}),
          ...(q.channel ? { channel: q.channel } : {}),
          ...(since !== undefined ? { since } : {}),
          ...(until !== undefined ? { until } : {}),
          ...(q.before ? { before: Number(q.before) } : {}),
          limit: limit(q),
        });
      },
    );

    admin.get<{ Querystring: DeliveriesQuery }>(
      '/api/v1/alerts/deliveries',
      {
        schema: {
          summary:
            'Alert deliveries (one per event and channel), newest first, each with every attempt: time, status, latency, error (filters: channel, state, serial, event, incident)',
          tags: ['alerts'],
          security,
          querystring: DeliveriesQuery,
          response: { 200: DeliveryPage, ...errors(400, 401) },
        },
      },
      async (req) => {
        const q = req.query;
        return alertDeliveries(ctx.store, {
          ...(q.channel ? { channel: q.channel } : {}),
          ...(q.state ? { state: q.state } : {}),
          ...(q.serial ? { serial: q.serial } : {}),
          ...(q.event ? { eventId: q.event } : {}),
          ...(q.incident ? { incidentId: q.incident } : {}),
          ...(q.before ? { before: Number(q.before) } : {}),
          limit: limit(q),
        });
      },
    );

    admin.post<{ Params: DeliveryParams }>(
      '/api/v1/alerts/deliveries/:id/retry',
      {
        schema: {
          summary: 'Send a dead delivery again (it goes back to pending, due now)',
          tags: ['alerts'],
          security,
          params: DeliveryParams,
          response: { 200: DeliveryView, ...errors(400, 401, 404, 409) },
        },
      },
      async (req) => {
        const id = Number(req.params.id);
        const now = ctx.clock.now().getTime();
        const d = await ctx.store.withTransaction(async (tx) => {
          const found = await tx.deliveries.get(id);
          if (!found) throw new ApiError('delivery_not_found', `no alert delivery ${id}`);
          if (!(await tx.deliveries.retry(id, now)))
            throw new ApiError('delivery_not_dead', `alert delivery ${id} is ${found.state}, not dead`);
          return (await tx.deliveries.get(id)) ?? found;
        });
        req.log.info({ delivery: id, channel: d.channel }, 'alert delivery retried');
        ctx.alertWorker?.kick();
        return deliveryView(d, (await ctx.store.deliveries.attempts([id])).get(id) ?? []);
      },
    );

    admin.get<{ Querystring: IncidentsQuery }>(
      '/api/v1/alerts/incidents',
      {
        schema: {
          summary: 'Incidents by id (filters: serial, state, rule; after pages on)',
          tags: ['alerts'],
          security,
          querystring: IncidentsQuery,
          response: { 200: IncidentPage, ...errors(400, 401) },
        },
      },
      async (req) => {
        const q = req.query;
        return incidents(ctx.store, {
          ...(q.serial ? { serial: q.serial } : {}),
          ...(q.state ? { state: q.state } : {}),
          ...(q.rule ? { rule: q.rule } : {}),
          ...(q.after ? { after: q.after } : {}),
          limit: limit(q),
        });
      },
    );

    admin.get(
      '/api/v1/alerts/channels',
      {
        schema: {
          summary:
            'Alert channels (configured, and known from before): routing, deliveries pending, delivered and dead, last success and failure, disabled by a 410',
          tags: ['alerts'],
          security,
          response: { 200: ChannelList, ...errors(401) },
        },
      },
      async () => channels(ctx.store, ctx.alerts.channels),
    );

    admin.post<{ Params: ChannelParams }>(
      '/api/v1/alerts/channels/:name/enable',
      {
        schema: {
          summary: 'Enable a channel a 410 answer disabled: its waiting deliveries are sent',
          tags: ['alerts'],
          security,
          params: ChannelParams,
          response: { 200: ChannelView, ...errors(400, 401, 404) },
        },
      },
      async (req) => {
        const { name } = req.params;
        if (!(await ctx.store.alertChannels.get(name)))
          throw new ApiError('channel_not_found', `no alert channel ${name}`);
        await ctx.store.alertChannels.enable(name);
        req.log.info({ channel: name }, 'alert channel enabled');
        ctx.alertWorker?.kick();
        const all = await channels(ctx.store, ctx.alerts.channels);
        return all.find((c) => c.name === name) as ChannelView;
      },
    );

    admin.get(
      '/api/v1/jobs',
      {
        schema: {
          summary: 'The scheduled jobs: schedule, and the last run (start, end, duration, outcome, report)',
          tags: ['admin'],
          security,
          response: { 200: JobList, ...errors(401) },
        },
      },
      async () => ({
        jobs: jobViews(ctx.jobs, await ctx.store.jobs.list(), ctx.clock.now().getTime()),
      }),
    );
  });
}
