// Request and response schemas of the HTTP API (the OpenAPI document is generated from these and from the
// snapshot contract, which is imported, never copied).
import Type from 'typebox';
import { RULE_IDS, SEVERITIES } from '../rules/index.ts';
import { ISO_DATE_TIME, UUID_PATTERN, DIGEST_PATTERN } from '../../agent/snapshot/index.ts';

const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Instant = () => Type.String({ format: 'date-time' });
export const SERIAL_PATTERN = '^[\\x21-\\x7e][\\x20-\\x7e]{0,63}$';
const Rule = Type.Union(RULE_IDS.map((r) => Type.Literal(r)));
const Status = Type.Union(['compliant', 'noncompliant', 'unknown'].map((s) => Type.Literal(s)));

export const EnrollBody = Type.Object({
  enrollSecret: Type.String({ minLength: 1, maxLength: 512 }),
  serial: Type.String({ pattern: SERIAL_PATTERN }),
  hardwareUuid: Type.String({ pattern: UUID_PATTERN }),
});
export const EnrollResponse = Type.Object({ deviceToken: Type.String() });

export const SnapshotAccepted = Type.Object({
  id: Type.String(),
  digest: Type.String({ pattern: DIGEST_PATTERN }),
  changed: Type.Boolean(),
  receivedAt: Instant(),
});
export const CheckinAccepted = Type.Object({
  id: Type.String(),
  digest: Type.String({ pattern: DIGEST_PATTERN }),
  lastSeen: Instant(),
});

export const FindingView = Type.Object({
  rule: Rule,
  title: Type.String(),
  severity: Type.Union(SEVERITIES.map((s) => Type.Literal(s))),
  user: Nullable(Type.String()),
  state: Type.Union(['active', 'pending', 'exempted'].map((s) => Type.Literal(s))),
  reason: Type.String(),
  firstSeen: Instant(),
  lastSeen: Instant(),
  pendingUntil: Nullable(Instant()),
});

const deviceFields = {
  serial: Type.String(),
  hardwareUuid: Type.String(),
  status: Status,
  lastSeen: Nullable(Instant()),
  enrolledAt: Instant(),
  revokedAt: Nullable(Instant()),
  collectedAt: Nullable(Instant()),
  clockSkewSeconds: Nullable(
    Type.Integer({
      description:
        "how far ahead of the collector's clock the latest upload or check-in was dated (null: within 5 minutes)",
    }),
  ),
  digest: Nullable(Type.String()),
  model: Nullable(Type.String()),
  osVersion: Nullable(Type.String()),
  osBuild: Nullable(Type.String()),
  hostname: Nullable(Type.String()),
  appleSilicon: Nullable(Type.Boolean()),
  agentVersion: Nullable(Type.String()),
  consoleUser: Nullable(Type.String()),
  identityConflict: Type.Boolean(),
  findings: Type.Array(FindingView),
};
export const DeviceView = Type.Object(deviceFields);

export const DeviceDetail = Type.Object({
  ...deviceFields,
  snapshot: Nullable(Type.Object({}, { additionalProperties: true })),
  problems: Type.Array(Type.String(), {
    description: 'stored values that cannot be shown (shown as null or left out), each naming what and why',
  }),
  unconfirmedFindings: Type.Array(FindingView),
  resolvedFindings: Type.Array(Type.Object({ ...FindingView.properties, resolvedAt: Instant() })),
  history: Type.Array(
    Type.Object({
      snapshotId: Type.String(),
      digest: Type.String(),
      collectedAt: Nullable(Instant()),
      receivedAt: Instant(),
      clockSkewSeconds: Nullable(Type.Integer()),
      changes: Type.Array(Type.String()),
    }),
  ),
});

export const DevicePage = Type.Object({
  devices: Type.Array(DeviceView),
  nextCursor: Nullable(Type.String()),
});

export const DevicesQuery = Type.Object({
  status: Type.Optional(Status),
  rule: Type.Optional(Rule),
  osVersion: Type.Optional(Type.String({ pattern: '^[0-9][0-9.]{0,31}$' })),
  model: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  seenSince: Type.Optional(Type.String({ pattern: ISO_DATE_TIME })),
  cursor: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{1,200}$' })),
  limit: Type.Optional(
    Type.String({ pattern: '^(?:[1-9][0-9]{0,2}|1000)$', description: '1-1000, default 100' }),
  ),
});

export const SerialParams = Type.Object({ serial: Type.String({ pattern: SERIAL_PATTERN }) });

export const Summary = Type.Object({
  generatedAt: Instant(),
  devices: Type.Integer(),
  byStatus: Type.Object({ compliant: Type.Integer(), noncompliant: Type.Integer(), unknown: Type.Integer() }),
  byRule: Type.Array(
    Type.Object({
      rule: Rule,
      title: Type.String(),
      severity: Type.String(),
      devices: Type.Integer(),
    }),
  ),
});

export const ExemptionView = Type.Object({
  id: Type.String(),
  serial: Nullable(Type.String()),
  rule: Nullable(Rule),
  user: Nullable(Type.String()),
  reason: Type.String(),
  createdBy: Type.String(),
  createdAt: Instant(),
  expiresAt: Nullable(Instant()),
  active: Type.Boolean(),
  problem: Nullable(
    Type.String({ description: 'why a stored exemption cannot be applied (it then exempts nothing)' }),
  ),
});
export const ExemptionBody = Type.Object({
  serial: Type.Optional(Nullable(Type.String({ pattern: SERIAL_PATTERN }))),
  rule: Type.Optional(Nullable(Rule)),
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
export const ExemptionParams = Type.Object({ id: Type.String({ pattern: '^[0-9a-fA-F-]{36}$' }) });
export const ExemptionsQuery = Type.Object({
  serial: Type.Optional(Type.String({ pattern: SERIAL_PATTERN })),
});

export const EnrollmentEvent = Type.Object({
  id: Type.Integer(),
  at: Instant(),
  lastAt: Instant(),
  count: Type.Integer({ minimum: 1 }),
  serial: Nullable(Type.String()),
  hardwareUuid: Nullable(Type.String()),
  outcome: Type.String(),
  remoteAddress: Nullable(Type.String()),
  detail: Nullable(Type.String()),
});
export const EnrollmentsQuery = Type.Object({
  serial: Type.Optional(Type.String({ pattern: SERIAL_PATTERN })),
  before: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$' })),
  limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]{0,2}|1000)$' })),
});
export const EnrollmentPage = Type.Object({
  enrollments: Type.Array(EnrollmentEvent),
  nextBefore: Nullable(Type.Integer()),
});

export const RuleView = Type.Object({
  id: Rule,
  title: Type.String(),
  severity: Type.String(),
  informational: Type.Boolean(),
  remediation: Type.String(),
});

const ConflictHolderView = Nullable(
  Type.Object({
    serial: Type.String(),
    hardwareUuid: Type.String(),
    enrolledAt: Instant(),
    tokenIssuedAt: Nullable(Instant()),
    tokenIssuedFrom: Nullable(Type.String()),
    lastContact: Instant(),
    lastSeen: Nullable(Instant()),
  }),
);
const Keep = Type.Union([Type.Literal('existing'), Type.Literal('claimant')]);
export const IdentityConflictView = Type.Object({
  id: Type.Integer(),
  state: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
  claimant: Type.Object({
    serial: Type.String(),
    hardwareUuid: Type.String(),
    firstAttempt: Instant(),
    lastAttempt: Instant(),
    attempts: Type.Integer({ minimum: 1 }),
    firstAddress: Nullable(Type.String()),
    lastAddress: Nullable(Type.String()),
  }),
  serialHolder: ConflictHolderView,
  uuidHolder: ConflictHolderView,
  resolvedAt: Nullable(Instant()),
  resolution: Nullable(Keep),
  resolvedBy: Nullable(Type.String()),
});
export const IdentityConflictPage = Type.Object({
  conflicts: Type.Array(IdentityConflictView),
  nextBefore: Nullable(Type.Integer()),
});
export const IdentityConflictsQuery = Type.Object({
  state: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved')])),
  serial: Type.Optional(Type.String({ pattern: SERIAL_PATTERN })),
  before: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
  limit: Type.Optional(Type.String({ pattern: '^(?:[1-9][0-9]{0,2}|1000)$' })),
});
export const IdentityConflictParams = Type.Object({ id: Type.String({ pattern: '^[1-9][0-9]{0,14}$' }) });
export const ResolveConflictBody = Type.Object({
  keep: Keep,
  by: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
});
