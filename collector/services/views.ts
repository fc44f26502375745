// The collector API's answers, declared once, next to the read model that builds them: TypeBox schemas
// from which come the routes' response schemas (Fastify serialises every answer with them), the OpenAPI
// document (docs/openapi.json), the TypeScript types (Static, below) and the reports' client, which
// validates what it fetches against them (reports/source.ts). Instants are ISO 8601 text here, and only here.
import Type from 'typebox';
import { RULE_IDS, SEVERITIES } from '../rules/index.ts';
import { DIGEST_PATTERN } from '../../agent/snapshot/index.ts';

export const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const Instant = () => Type.String({ format: 'date-time' });
const oneOf = <const V extends string[]>(values: readonly [...V]) => Type.Enum(values);
export const RuleIdSchema = oneOf(RULE_IDS);
export const StatusSchema = oneOf(['compliant', 'noncompliant', 'unknown'] as const);
export const SeveritySchema = oneOf(SEVERITIES);
export const FindingStateSchema = oneOf(['active', 'pending', 'exempted'] as const);
export const ConflictResolutionSchema = oneOf(['existing', 'claimant'] as const);
export const ConflictStateSchema = oneOf(['open', 'resolved'] as const);
export const RetiredFilterSchema = oneOf(['exclude', 'include', 'only'] as const);

/** Every refusal: `{ "error": code, "message": text }`; the codes are http/errors.ts's catalogue. */
export const errorBody = (codes?: readonly string[]) =>
  Type.Object({ error: codes ? Type.Enum([...codes]) : Type.String(), message: Type.String() });
export const ErrorBody = errorBody();
export type ErrorBody = Type.Static<typeof ErrorBody>;

export const EnrollResponse = Type.Object({ deviceToken: Type.String() });
export type EnrollResponse = Type.Static<typeof EnrollResponse>;

export const SnapshotAccepted = Type.Object({
  id: Type.String(),
  digest: Type.String({ pattern: DIGEST_PATTERN }),
  changed: Type.Boolean(),
  receivedAt: Instant(),
});
export type SnapshotAccepted = Type.Static<typeof SnapshotAccepted>;

export const CheckinAccepted = Type.Object({
  id: Type.String(),
  digest: Type.String({ pattern: DIGEST_PATTERN }),
  lastSeen: Instant(),
});
export type CheckinAccepted = Type.Static<typeof CheckinAccepted>;

export const FindingView = Type.Object({
  rule: RuleIdSchema,
  title: Type.String(),
  severity: SeveritySchema,
  user: Nullable(Type.String()),
  state: FindingStateSchema,
  reason: Type.String(),
  firstSeen: Instant(),
  lastSeen: Instant(),
  pendingUntil: Nullable(Instant()),
  exemption: Nullable(
    Type.Object(
      {
        id: Type.String(),
        reason: Type.String(),
        createdBy: Type.String(),
        expiresAt: Nullable(Instant()),
      },
      {
        description:
          'the exemption that exempts the finding now (state exempted): of those in force, the one that runs longest; null otherwise',
      },
    ),
  ),
});
export type FindingView = Type.Static<typeof FindingView>;

const deviceFields = {
  serial: Type.String(),
  hardwareUuid: Type.String(),
  status: StatusSchema,
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
  identityConflict: Type.Boolean({
    description:
      "an open identity conflict claims this device's serial or hardware UUID (GET /api/v1/identity-conflicts?serial=)",
  }),
  retired: Nullable(
    Type.Object(
      { at: Instant(), by: Type.String(), reason: Type.String() },
      {
        description:
          'the device left the fleet (an admin retired it): in no count or list unless asked for (?retired=); enrolling again un-retires it',
      },
    ),
  ),
  findings: Type.Array(FindingView),
};
export const DeviceView = Type.Object(deviceFields);
export type DeviceView = Type.Static<typeof DeviceView>;

export const HistoryEntryView = Type.Object({
  snapshotId: Type.String(),
  digest: Type.String(),
  collectedAt: Nullable(Instant()),
  receivedAt: Instant(),
  clockSkewSeconds: Nullable(Type.Integer()),
  changes: Type.Array(Type.String()),
});

export const DeviceDetail = Type.Object({
  ...deviceFields,
  snapshot: Nullable(Type.Object({}, { additionalProperties: true })),
  problems: Type.Array(Type.String(), {
    description: 'stored values that cannot be shown (shown as null or left out), each naming what and why',
  }),
  unconfirmedFindings: Type.Array(FindingView),
  resolvedFindings: Type.Array(Type.Object({ ...FindingView.properties, resolvedAt: Instant() })),
  history: Type.Array(HistoryEntryView),
});
export type DeviceDetail = Type.Static<typeof DeviceDetail>;

export const DevicePage = Type.Object({
  devices: Type.Array(DeviceView),
  nextCursor: Nullable(Type.String()),
});
export type DevicePage = Type.Static<typeof DevicePage>;

export const Summary = Type.Object({
  generatedAt: Instant(),
  devices: Type.Integer(),
  byStatus: Type.Object({ compliant: Type.Integer(), noncompliant: Type.Integer(), unknown: Type.Integer() }),
  byRule: Type.Array(
    Type.Object({
      rule: RuleIdSchema,
      title: Type.String(),
      severity: SeveritySchema,
      devices: Type.Integer({
        description: 'devices with an open finding of the rule (unconfirmed ones too)',
      }),
      active: Type.Integer({
        description:
          'devices whose finding of the rule counts now (neither exempted nor in its grace window)',
      }),
      pending: Type.Integer({ description: 'devices whose finding of the rule is inside its grace window' }),
      exempted: Type.Integer({ description: 'devices whose every failing finding of the rule is exempted' }),
    }),
  ),
});
export type Summary = Type.Static<typeof Summary>;

export const RuleView = Type.Object({
  id: RuleIdSchema,
  title: Type.String(),
  severity: SeveritySchema,
  informational: Type.Boolean(),
  remediation: Type.String(),
});
export type RuleView = Type.Static<typeof RuleView>;
export const RuleList = Type.Array(RuleView);

export const ExemptionView = Type.Object({
  id: Type.String(),
  serial: Nullable(Type.String()),
  rule: Nullable(RuleIdSchema),
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
export type ExemptionView = Type.Static<typeof ExemptionView>;
/** The answer to adding one: whether its serial was one the collector had not seen (allowed only when asked). */
export const ExemptionAdded = Type.Object({
  ...ExemptionView.properties,
  preEnrolled: Type.Boolean({
    description:
      'the serial is one the collector has not seen: the exemption waits for that Mac to enroll (added only with "preEnrolled": true)',
  }),
});
export type ExemptionAdded = Type.Static<typeof ExemptionAdded>;
export const ExemptionList = Type.Array(ExemptionView);

export const EnrollmentEventView = Type.Object({
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
export const EnrollmentPage = Type.Object({
  enrollments: Type.Array(EnrollmentEventView),
  nextBefore: Nullable(Type.Integer()),
});
export type EnrollmentPage = Type.Static<typeof EnrollmentPage>;

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
export const IdentityConflictView = Type.Object({
  id: Type.Integer(),
  state: ConflictStateSchema,
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
  resolution: Nullable(ConflictResolutionSchema),
  resolvedBy: Nullable(Type.String()),
});
export type IdentityConflictView = Type.Static<typeof IdentityConflictView>;

export const IdentityConflictPage = Type.Object({
  conflicts: Type.Array(IdentityConflictView),
  nextBefore: Nullable(Type.Integer()),
});
export type IdentityConflictPage = Type.Static<typeof IdentityConflictPage>;

export const Health = Type.Object({ status: Type.String(), devices: Type.Integer() });
export type Health = Type.Static<typeof Health>;
