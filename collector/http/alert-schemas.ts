// What the alert and job routes take: query strings and path parameters. Their answers are declared in
// services/alert-views.ts.
import Type from 'typebox';
import { ISO_DATE_TIME } from '../../agent/snapshot/index.ts';
import { SERIAL_PATTERN } from './schemas.ts';
import { DeliveryStateSchema, EventTypeSchema, IncidentStateSchema } from '../services/alert-views.ts';

const Limit = () =>
  Type.String({ pattern: '^(?:[1-9][0-9]{0,2}|1000)$', description: '1-1000, default 100' });
const Before = () => Type.String({ pattern: '^[0-9]{1,15}$' });
const ChannelName = () => Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,39}$' });
const IncidentId = () => Type.String({ pattern: '^inc_[0-9a-f]{32}$' });

export const AlertEventsQuery = Type.Object({
  serial: Type.Optional(Type.String({ pattern: SERIAL_PATTERN })),
  incident: Type.Optional(IncidentId()),
  type: Type.Optional(EventTypeSchema),
  channel: Type.Optional(ChannelName()),
  since: Type.Optional(Type.String({ pattern: ISO_DATE_TIME })),
  until: Type.Optional(Type.String({ pattern: ISO_DATE_TIME })),
  before: Type.Optional(Before()),
  limit: Type.Optional(Limit()),
});
export type AlertEventsQuery = Type.Static<typeof AlertEventsQuery>;

export const DeliveriesQuery = Type.Object({
  channel: Type.Optional(ChannelName()),
  state: Type.Optional(DeliveryStateSchema),
  serial: Type.Optional(Type.String({ pattern: SERIAL_PATTERN })),
  event: Type.Optional(Type.String({ pattern: '^evt_[A-Za-z0-9_-]{1,200}$' })),
  incident: Type.Optional(IncidentId()),
  before: Type.Optional(Before()),
  limit: Type.Optional(Limit()),
});
export type DeliveriesQuery = Type.Static<typeof DeliveriesQuery>;

export const IncidentsQuery = Type.Object({
  serial: Type.Optional(Type.String({ pattern: SERIAL_PATTERN })),
  state: Type.Optional(Type.Union([IncidentStateSchema, Type.Literal('unresolved')])),
  rule: Type.Optional(Type.String({ pattern: '^[a-z][a-z-]{0,63}$' })),
  after: Type.Optional(IncidentId()),
  limit: Type.Optional(Limit()),
});
export type IncidentsQuery = Type.Static<typeof IncidentsQuery>;

export const ChannelParams = Type.Object({ name: ChannelName() });
export type ChannelParams = Type.Static<typeof ChannelParams>;
export const DeliveryParams = Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,14}$' }) });
export type DeliveryParams = Type.Static<typeof DeliveryParams>;
