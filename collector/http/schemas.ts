// What the HTTP API takes: request bodies, query strings and path parameters. What it answers is declared
// next to the read model (services/views.ts); the snapshot contract is imported, never copied.
import Type from 'typebox';
import { ISO_DATE_TIME, UUID_PATTERN } from '../../agent/snapshot/index.ts';
import { EXPECTED } from './validation-message.ts';
import {
  ConflictResolutionSchema,
  ConflictStateSchema,
  Nullable,
  RetiredFilterSchema,
  RuleIdSchema,
  StatusSchema,
} from '../services/views.ts';

export const SERIAL_PATTERN = '^[\\x21-\\x7e][\\x20-\\x7e]{0,63}$';
// Each pattern says in words what it admits (EXPECTED): a refusal quotes it (http/validation-message.ts).
const Serial = () =>
  Type.String({
    pattern: SERIAL_PATTERN,
    [EXPECTED]: 'a serial number: 1 to 64 printable ASCII characters, not starting with a space',
  });
const Limit = (description?: string) =>
  Type.String({
    pattern: '^(?:[1-9][0-9]{0,2}|1000)$',
    [EXPECTED]: 'a whole number from 1 to 1000',
    ...(description ? { description } : {}),
  });
/** An id of a previous page's last entry (`before`). */
const Before = (digits: number) =>
  Type.String({ pattern: `^[0-9]{1,${digits}}$`, [EXPECTED]: `a whole number of at most ${digits} digits` });

export const EnrollBody = Type.Object({
  enrollSecret: Type.String({ minLength: 1, maxLength: 512 }),
  serial: Serial(),
  hardwareUuid: Type.String({
    pattern: UUID_PATTERN,
    [EXPECTED]: 'a hardware UUID: 8-4-4-4-12 hexadecimal digits',
  }),
});
export type EnrollBody = Type.Static<typeof EnrollBody>;

const AsOf = () =>
  Type.Optional(
    Type.String({
      pattern: ISO_DATE_TIME,
      [EXPECTED]: 'an RFC 3339 date-time such as 2026-03-01T00:00:00Z',
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
  osVersion: Type.Optional(
    Type.String({ pattern: '^[0-9][0-9.]{0,31}$', [EXPECTED]: 'a macOS version such as 14, 14.5 or 14.5.1' }),
  ),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  seenSince: Type.Optional(
    Type.String({ pattern: ISO_DATE_TIME, [EXPECTED]: 'an RFC 3339 date-time such as 2026-03-01T00:00:00Z' }),
  ),
  retired: Type.Optional(RetiredFilterSchema),
  cursor: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9_-]{1,200}$',
      [EXPECTED]: "the previous page's nextCursor, unchanged",
    }),
  ),
  limit: Type.Optional(Limit('1-1000, default 100')),
});
export type DevicesQuery = Type.Static<typeof DevicesQuery>;

export const SummaryQuery = Type.Object({ asOf: AsOf() });
export type SummaryQuery = Type.Static<typeof SummaryQuery>;

export const TrendQuery = Type.Object({
  from: Type.Optional(
    Type.String({
      pattern: ISO_DATE_TIME,
      [EXPECTED]: 'an RFC 3339 date-time such as 2026-03-01T00:00:00Z',
      description: "the first day's any instant (default: 29 days before to)",
    }),
  ),
  to: Type.Optional(
    Type.String({
      pattern: ISO_DATE_TIME,
      [EXPECTED]: 'an RFC 3339 date-time such as 2026-03-01T00:00:00Z',
      description: "the last day's any instant (default: now)",
    }),
  ),
});
export type TrendQuery = Type.Static<typeof TrendQuery>;

export const SerialParams = Type.Object({ serial: Serial() });
export type SerialParams = Type.Static<typeof SerialParams>;

export const ExemptionBody = Type.Object({
  serial: Type.Optional(Nullable(Serial())),
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
  preEnrolled: Type.Optional(
    Type.Boolean({
      description:
        'the serial is one the collector has not seen yet, on purpose (a Mac not enrolled yet); without it such a serial is 404 device_not_found',
    }),
  ),
});
export type ExemptionBody = Type.Static<typeof ExemptionBody>;
export const RetireBody = Type.Object({
  reason: Type.String({
    minLength: 1,
    maxLength: 2000,
    description: 'what happened to the Mac (kept for audit)',
  }),
  by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});
export type RetireBody = Type.Static<typeof RetireBody>;

export const ExemptionParams = Type.Object({
  id: Type.String({
    pattern: '^[0-9a-fA-F-]{36}$',
    [EXPECTED]: 'an exemption id (36 characters, as listed)',
  }),
});
export type ExemptionParams = Type.Static<typeof ExemptionParams>;
export const ExemptionsQuery = Type.Object({
  serial: Type.Optional(Serial()),
});
export type ExemptionsQuery = Type.Static<typeof ExemptionsQuery>;

export const EnrollmentsQuery = Type.Object({
  serial: Type.Optional(Serial()),
  before: Type.Optional(Before(18)),
  limit: Type.Optional(Limit()),
});
export type EnrollmentsQuery = Type.Static<typeof EnrollmentsQuery>;

export const IdentityConflictsQuery = Type.Object({
  state: Type.Optional(ConflictStateSchema),
  serial: Type.Optional(Serial()),
  before: Type.Optional(Before(15)),
  limit: Type.Optional(Limit()),
});
export type IdentityConflictsQuery = Type.Static<typeof IdentityConflictsQuery>;
export const IdentityConflictParams = Type.Object({
  id: Type.String({
    pattern: '^[1-9][0-9]{0,14}$',
    [EXPECTED]: 'an identity conflict id (a whole number from 1)',
  }),
});
export type IdentityConflictParams = Type.Static<typeof IdentityConflictParams>;
export const ResolveConflictBody = Type.Object({
  keep: ConflictResolutionSchema,
  by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});
export type ResolveConflictBody = Type.Static<typeof ResolveConflictBody>;
