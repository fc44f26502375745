// The alert and job answers of the admin API, declared once as TypeBox schemas (as views.ts does for the
// fleet): the routes serialise with them, docs/openapi.json is generated from them, the types are their
// Static. Instants are ISO 8601 text here; alert-read-model.ts builds them.
import Type from 'typebox';
import { Instant, Nullable, SeveritySchema } from './views.ts';
import { EVENT_TYPES } from '../alerts/event.ts';
import { CHANNEL_TYPES } from '../alerts/config.ts';

const oneOf = <const V extends string[]>(values: readonly [...V]) => Type.Enum(values);
export const EventTypeSchema = oneOf(EVENT_TYPES);
export const IncidentStateSchema = oneOf(['open', 'exempted', 'resolved'] as const);
export const DeliveryStateSchema = oneOf(['pending', 'delivered', 'dead'] as const);
export const AttemptOutcomeSchema = oneOf(['delivered', 'retry', 'dead', 'disabled'] as const);

export const AttemptView = Type.Object({
  at: Instant(),
  status: Nullable(
    Type.Integer({ description: "the receiver's HTTP status or SMTP reply code; null: no answer" }),
  ),
  latencyMs: Type.Integer(),
  outcome: AttemptOutcomeSchema,
  error: Nullable(Type.String()),
});

const deliveryFields = {
  id: Type.Integer(),
  channel: Type.String(),
  state: DeliveryStateSchema,
  attempts: Type.Integer(),
  createdAt: Instant(),
  nextAttemptAt: Nullable(
    Type.String({ format: 'date-time', description: 'pending: when it is tried next' }),
  ),
  finishedAt: Nullable(
    Type.String({ format: 'date-time', description: 'when it was delivered or given up' }),
  ),
  lastStatus: Nullable(Type.Integer()),
  lastError: Nullable(Type.String()),
};

export const DeliveryView = Type.Object({
  ...deliveryFields,
  event: Type.Object({
    id: Type.String(),
    type: EventTypeSchema,
    serial: Nullable(Type.String()),
    incident: Nullable(Type.String()),
  }),
  attemptLog: Type.Array(AttemptView, { description: 'every attempt, oldest first' }),
});
export type DeliveryView = Type.Static<typeof DeliveryView>;

export const DeliveryPage = Type.Object({
  deliveries: Type.Array(DeliveryView),
  nextBefore: Nullable(Type.Integer()),
});
export type DeliveryPage = Type.Static<typeof DeliveryPage>;

export const AlertEventView = Type.Object({
  id: Type.String({ description: "stable: the receivers' idempotency key (webhook-id)" }),
  seq: Type.Integer(),
  type: EventTypeSchema,
  at: Instant(),
  incident: Nullable(Type.String()),
  serial: Nullable(Type.String()),
  rule: Nullable(Type.String()),
  severity: Nullable(SeveritySchema),
  channel: Nullable(
    Type.String({ description: 'an event for one channel only (reminder, digest, backfill)' }),
  ),
  routedAt: Nullable(Instant()),
  deliveries: Type.Array(Type.Object(deliveryFields)),
  body: Type.Object({}, { additionalProperties: true, description: 'the event as every channel renders it' }),
});
export type AlertEventView = Type.Static<typeof AlertEventView>;

export const AlertEventPage = Type.Object({
  events: Type.Array(AlertEventView),
  nextBefore: Nullable(Type.Integer()),
});
export type AlertEventPage = Type.Static<typeof AlertEventPage>;

export const IncidentView = Type.Object({
  id: Type.String(),
  serial: Type.String(),
  rule: Type.String(),
  user: Nullable(Type.String()),
  state: IncidentStateSchema,
  episode: Type.Integer({ minimum: 1 }),
  severity: Type.String(),
  failingSince: Instant(),
  openedAt: Instant(),
  firstOpenedAt: Instant(),
  changedAt: Instant(),
  resolvedAt: Nullable(Instant()),
  reason: Type.String(),
});
export type IncidentView = Type.Static<typeof IncidentView>;

export const IncidentPage = Type.Object({
  incidents: Type.Array(IncidentView),
  nextAfter: Nullable(Type.String()),
});
export type IncidentPage = Type.Static<typeof IncidentPage>;

export const ChannelView = Type.Object({
  name: Type.String(),
  type: oneOf(CHANNEL_TYPES),
  configured: Type.Boolean({ description: "in this collector's settings now" }),
  disabled: Nullable(
    Type.Object({ at: Instant(), reason: Type.String() }, { description: 'a 410 answer disabled it' }),
  ),
  routing: Nullable(
    Type.Object({
      minSeverity: SeveritySchema,
      rules: Nullable(Type.Array(Type.String())),
      immediate: Type.Boolean(),
      digest: Nullable(Type.String()),
      timezone: Type.String(),
      reminderDays: Type.Integer(),
      concurrency: Type.Integer(),
    }),
  ),
  addedAt: Instant(),
  lastDigestAt: Nullable(Instant()),
  pending: Type.Integer(),
  delivered: Type.Integer(),
  dead: Type.Integer(),
  oldestPendingAt: Nullable(Instant()),
  lastSuccessAt: Nullable(Instant()),
  lastFailureAt: Nullable(Instant()),
  lastFailure: Nullable(Type.String()),
});
export type ChannelView = Type.Static<typeof ChannelView>;
export const ChannelList = Type.Array(ChannelView);

export const JobView = Type.Object({
  name: Type.String(),
  schedule: Type.String({ description: 'cron expression (server time)' }),
  description: Type.String(),
  running: Type.Boolean({ description: 'a collector holds its lease now' }),
  lastStartedAt: Nullable(Instant()),
  lastFinishedAt: Nullable(Instant()),
  lastDurationMs: Nullable(Type.Integer()),
  lastOutcome: Nullable(oneOf(['ok', 'failed'] as const)),
  lastError: Nullable(Type.String()),
  lastReport: Nullable(Type.Object({}, { additionalProperties: true })),
  runs: Type.Integer(),
  failures: Type.Integer(),
});
export type JobView = Type.Static<typeof JobView>;
export const JobList = Type.Object({ jobs: Type.Array(JobView) });
export type JobList = Type.Static<typeof JobList>;
