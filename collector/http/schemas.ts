// What the HTTP API takes: request bodies, query strings and path parameters. What it answers is declared
// next to the read model (services/views.ts); the snapshot contract is imported, never copied.
import Type from 'typebox';
import { ISO_DATE_TIME, UUID_PATTERN } from '../../agent/snapshot/index.ts';
import {
  ConflictResolutionSchema,
  ConflictStateSchema,
  Nullable,
  RuleIdSchema,
  StatusSchema,
} from '../services/views.ts';

export const SERIAL_PATTERN = '^[\\x21-\\x7e][\\x20-\\x7e]{0,63}$';
const Limit = (description?: string) =>
  Type.String({ pattern: '^(?:[1-9][0-9]{0,2}|1000)$', ...(description ? { description } : {}) });

export const EnrollBody = Type.Object({
  enrollSecret: Type.String({ minLength: 1, maxLength: 512 }),
  serial: Type.String({ pattern: SERIAL_PATTERN }),
  hardwareUuid: Type.String({ pattern: UUID_PATTERN }),
});
export type EnrollBody = Type.Static<typeof EnrollBody>;

const AsOf = () =>
  Type.Optional(
    Type.String({
      pattern: ISO_DATE_TIME,
      description:
        'the fleet as it was at this past instant (RFC 3339), from the stored history; refused when after now or before what retention kept',
    }),
  );

/** The MDM update verdict as a filter: true = yes, false = no. */
export const MDM_UPDATABLE = {
  true: 'yes',
  false: 'no',
  unknown: 'unknown',
  not_applicable: 'not_applicable',
} as const;

export const DevicesQuery = Type.Object({
  status: Type.Optional(StatusSchema),
  mdmUpdatable: Type.Optional(
    Type.Enum(Object.keys(MDM_UPDATABLE) as (keyof typeof MDM_UPDATABLE)[], {
      description: 'can MDM update the Mac without a person: true, false, unknown, not_applicable (Intel)',
    }),
  ),
  asOf: AsOf(),
  rule: Type.Optional(RuleIdSchema),
  osVersion: Type.Optional(Type.String({ pattern: '^[0-9][0-9.]{0,31}$' })),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  seenSince: Type.Optional(Type.String({ pattern: ISO_DATE_TIME })),
  cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,200}$' })),
  limit: Type.Optional(Limit('1-1000, default 100')),
});
export type DevicesQuery = Type.Static<typeof DevicesQuery>;

export const SummaryQuery = Type.Object({ asOf: AsOf() });
export type SummaryQuery = Type.Static<typeof SummaryQuery>;

export const TrendQuery = Type.Object({
  from: Type.Optional(
    Type.String({
      pattern: ISO_DATE_TIME,
      description: "the first day's any instant (default: 29 days before to)",
    }),
  ),
  to: Type.Optional(
    Type.String({ pattern: ISO_DATE_TIME, description: "the last day's any instant (default: now)" }),
  ),
});
export type TrendQuery = Type.Static<typeof TrendQuery>;

export const SerialParams = Type.Object({ serial: Type.String({ pattern: SERIAL_PATTERN }) });
export type SerialParams = Type.Static<typeof SerialParams>;

export const ExemptionBody = Type.Object({
  serial: Type.Optional(Nullable(Type.String({ pattern: SERIAL_PATTERN }))),
  rule: Type.Optional(Nullable(RuleIdSchema)),
  user: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 255 }))),
  reason: Type.String({ minLength: 1, maxLength: 2000 }),
  createdBy: Type.String({ minLength: 1, maxLength: 200 }),
  expires: Type.Optional(
    Nullable(
      Type.String({
        maxLength: 40,
        description:
          'a duration (30d, 12h, 90m), a date (midnight UTC) or an RFC 3339 date-time, after now and at most 3650 days ahead; null = never',
      }),
    ),
  ),
});
export type ExemptionBody = Type.Static<typeof ExemptionBody>;
export const ExemptionParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-fA-F-]{36}$' }) });
export type ExemptionParams = Type.Static<typeof ExemptionParams>;
export const ExemptionsQuery = Type.Object({
  serial: Type.Optional(Type.String({ pattern: SERIAL_PATTERN })),
});
export type ExemptionsQuery = Type.Static<typeof ExemptionsQuery>;

export const EnrollmentsQuery = Type.Object({
  serial: Type.Optional(Type.String({ pattern: SERIAL_PATTERN })),
  before: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
  limit: Type.Optional(Limit()),
});
export type EnrollmentsQuery = Type.Static<typeof EnrollmentsQuery>;

export const IdentityConflictsQuery = Type.Object({
  state: Type.Optional(ConflictStateSchema),
  serial: Type.Optional(Type.String({ pattern: SERIAL_PATTERN })),
  before: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
  limit: Type.Optional(Limit()),
});
export type IdentityConflictsQuery = Type.Static<typeof IdentityConflictsQuery>;
export const IdentityConflictParams = Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,14}$' }) });
export type IdentityConflictParams = Type.Static<typeof IdentityConflictParams>;
export const ResolveConflictBody = Type.Object({
  keep: ConflictResolutionSchema,
  by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});
export type ResolveConflictBody = Type.Static<typeof ResolveConflictBody>;
