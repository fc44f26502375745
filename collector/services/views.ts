// The collector API's answers, declared once, next to the read model that builds them: TypeBox schemas
// from which come the routes' response schemas (Fastify serialises every answer with them), the OpenAPI
// document (docs/openapi.json), the TypeScript types (Static, below) and the reports' client, which
// validates what it fetches against them (reports/source.ts). Instants are ISO 8601 text here, and only here.
import Type from 'typebox';
import { RULE_IDS, SEVERITIES } from '../rules/index.ts';
import { CRYPTO_USER_KINDS, DIGEST_PATTERN } from '../../agent/snapshot/index.ts';
import { MDM_UPDATE_VERDICTS } from '../store/types.ts';

export const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const Instant = (o: { description?: string } = {}) => Type.String({ format: 'date-time', ...o });
const oneOf = <const V extends string[]>(values: readonly [...V]) => Type.Enum(values);
export const RuleIdSchema = oneOf(RULE_IDS);
export const StatusSchema = oneOf(['compliant', 'noncompliant', 'unknown'] as const);
export const SeveritySchema = oneOf(SEVERITIES);
export const FindingStateSchema = oneOf(['active', 'pending', 'exempted'] as const);
export const ConflictResolutionSchema = oneOf(['existing', 'claimant'] as const);
export const ConflictStateSchema = oneOf(['open', 'resolved'] as const);
export const MdmUpdateVerdictSchema = oneOf(MDM_UPDATE_VERDICTS);
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

export const FindingExemptionView = Type.Object(
  {
    id: Type.String(),
    reason: Type.String(),
    createdBy: Type.String(),
    expiresAt: Nullable(Instant()),
  },
  { description: 'the exemption in force that exempts the finding (the one that lasts longest)' },
);

export const FindingView = Type.Object({
  rule: RuleIdSchema,
  title: Type.String(),
  severity: SeveritySchema,
  user: Nullable(Type.String()),
  state: FindingStateSchema,
  reason: Type.String(),
  firstSeen: Instant({ description: 'failing since' }),
  lastSeen: Instant(),
  pendingUntil: Nullable(Instant()),
  exemption: Nullable(FindingExemptionView),
});
export type FindingView = Type.Static<typeof FindingView>;

export const MdmUpdateView = Type.Object(
  {
    verdict: MdmUpdateVerdictSchema,
    reason: Nullable(Type.String({ description: 'why not, or why unknown (null: yes)' })),
  },
  {
    description:
      'can MDM update this Mac without a person: on Apple silicon a volume owner exists, the Bootstrap Token is escrowed (and not refused by the MDM preflight where the Mac reports it), MDM enrolled and user-approved; not_applicable on Intel',
  },
);
export type MdmUpdateView = Type.Static<typeof MdmUpdateView>;

export const UnlockView = Type.Object(
  {
    person: Nullable(
      Type.String({ description: 'who uses the Mac: the console user, or the latest one reported' }),
    ),
    personSource: Nullable(oneOf(['console', 'last_console'] as const)),
    onlyOthersCanUnlock: Nullable(
      Type.Boolean({
        description:
          'the person holds no SecureToken while others do: only they can unlock the disk (null: cannot be told)',
      }),
    ),
    reason: Type.String(),
  },
  { description: 'who can unlock this Mac, at a glance' },
);
export type UnlockView = Type.Static<typeof UnlockView>;

export const UnlockMatrix = Type.Object(
  {
    users: Type.Array(
      Type.Object({
        name: Type.String(),
        uid: Type.Integer(),
        secureToken: Nullable(Type.Boolean()),
        volumeOwner: Nullable(Type.Boolean()),
        fileVault: Nullable(
          Type.Boolean({ description: 'FileVault-enabled: may unlock the disk at startup' }),
        ),
        admin: Nullable(Type.Boolean()),
        accountType: Nullable(oneOf(['local', 'mobile'] as const)),
        consoleUser: Type.Boolean({ description: 'the person who uses the Mac (see unlock.person)' }),
        disabled: Nullable(Type.Boolean()),
        excluded: Type.Boolean({ description: "in the agent's ExcludeUsers (a service account)" }),
      }),
    ),
    cryptoUsers: Type.Array(
      Type.Object({
        kind: oneOf(CRYPTO_USER_KINDS),
        uuid: Type.String(),
        type: Type.String(),
        volumeOwner: Nullable(Type.Boolean()),
      }),
      { description: 'crypto users that are not people: the Bootstrap Token external key, recovery keys' },
    ),
  },
  { description: "who can unlock this Mac: its users, and the volume's crypto users that are not people" },
);
export type UnlockMatrix = Type.Static<typeof UnlockMatrix>;

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
  bootstrapEscrowed: Nullable(Type.Boolean()),
  bootstrapUsable: Nullable(
    Type.Boolean({ description: 'escrowed, and not refused by the MDM preflight where the Mac reports it' }),
  ),
  fileVaultOn: Nullable(Type.Boolean()),
  mdmUpdate: Nullable(MdmUpdateView),
  unlock: UnlockView,
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
  unlockMatrix: Nullable(UnlockMatrix),
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

/** Devices of the fleet with a fact, without it, and unknown; percent: with it, of all devices. */
export const Rate = Type.Object({
  yes: Type.Integer(),
  no: Type.Integer(),
  unknown: Type.Integer(),
  percent: Nullable(
    Type.Number({ description: 'yes of all devices, in percent, one decimal (null: no devices)' }),
  ),
});
export type Rate = Type.Static<typeof Rate>;

export const Summary = Type.Object({
  generatedAt: Instant(),
  asOf: Nullable(Instant({ description: 'the past instant the figures describe (null: now)' })),
  devices: Type.Integer(),
  bootstrapEscrowed: Rate,
  bootstrapUsable: Rate,
  fileVaultOn: Rate,
  mdmUpdate: Type.Object(
    {
      yes: Type.Integer(),
      no: Type.Integer(),
      unknown: Type.Integer(),
      notApplicable: Type.Integer(),
    },
    { description: 'devices by the MDM update verdict (unknown includes devices without a snapshot)' },
  ),
  byStatus: Type.Object({ compliant: Type.Integer(), noncompliant: Type.Integer(), unknown: Type.Integer() }),
  byRule: Type.Array(
    Type.Object({
      rule: RuleIdSchema,
      title: Type.String(),
      severity: SeveritySchema,
      devices: Type.Integer({
        description: 'devices with an open finding of the rule (unconfirmed ones too)',
      }),
      active: Nullable(
        Type.Integer({
          description:
            'devices whose finding of the rule counts now (neither exempted nor in its grace window); null in a summary as of a past instant (asOf), which counts devices only',
        }),
      ),
      pending: Nullable(
        Type.Integer({
          description:
            'devices whose finding of the rule is inside its grace window (null: as of a past instant)',
        }),
      ),
      exempted: Nullable(
        Type.Integer({
          description:
            'devices whose every failing finding of the rule is exempted (null: as of a past instant)',
        }),
      ),
    }),
  ),
});
export type Summary = Type.Static<typeof Summary>;

export const TrendDay = Type.Object({
  day: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'a UTC day' }),
  at: Instant({ description: "the instant the day's figures describe: its end, or now for today" }),
  devices: Type.Integer(),
  byStatus: Type.Object({ compliant: Type.Integer(), noncompliant: Type.Integer(), unknown: Type.Integer() }),
  compliantPercent: Nullable(Type.Number()),
  bootstrapEscrowedPercent: Nullable(Type.Number()),
  bootstrapUsablePercent: Nullable(Type.Number()),
  fileVaultOnPercent: Nullable(Type.Number()),
});
export type TrendDay = Type.Static<typeof TrendDay>;

export const Trend = Type.Object({
  keptSince: Nullable(
    Instant({ description: 'the earliest instant the history answers for (retention); null: all of it' }),
  ),
  days: Type.Array(TrendDay, { description: 'each UTC day from `from` to `to` the history answers for' }),
});
export type Trend = Type.Static<typeof Trend>;

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

/** The store's own account of itself (store/types.ts StoreHealth). */
export const DatabaseHealth = Type.Object({
  backend: Type.String(),
  state: Type.Union([
    Type.Literal('ready'),
    Type.Literal('migrating'),
    Type.Literal('unreachable'),
    Type.Literal('failed'),
  ]),
  detail: Nullable(Type.String()),
});
/** Liveness: the process answers; `status` "ok" when the database takes work, else "degraded" (devices null). */
export const Health = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  devices: Nullable(Type.Integer()),
  database: DatabaseHealth,
});
export type Health = Type.Static<typeof Health>;
/** Readiness: whether a load balancer should send this collector work (503 when not). */
export const Readiness = Type.Object({ ready: Type.Boolean(), database: DatabaseHealth });
export type Readiness = Type.Static<typeof Readiness>;
