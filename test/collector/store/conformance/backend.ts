// The store conformance suite: one set of tests written against the store interfaces only
// (collector/store/types.ts), run unchanged against every backend. A backend's runner (today
// test/collector/store/sqlite/conformance.test.ts) hands in a way to open a fresh, empty store.
import type {
  CurrentSnapshotUpdate,
  DeviceFacts,
  DeviceRecord,
  EnrollmentAttempt,
  FindingRecord,
  ReportFacts,
  Store,
  StoreOptions,
} from '../../../../collector/store/types.ts';

export interface Backend {
  /** Names the tests: "sqlite devices: ...". */
  name: string;
  /** A fresh, empty store, opened as the collector opens it (with these options), and how to remove it. */
  open(options?: StoreOptions): Promise<{ store: Store; dispose(): Promise<void> }>;
}

/** Run fn on a fresh store of the backend, then close and remove it. */
export async function withStore<T>(
  backend: Backend,
  fn: (store: Store) => Promise<T>,
  options?: StoreOptions,
): Promise<T> {
  const { store, dispose } = await backend.open(options);
  try {
    return await fn(store);
  } finally {
    await store.close();
    await dispose();
  }
}

export const NO_REPORT_FACTS: ReportFacts = {
  bootstrapEscrowed: null,
  bootstrapUsable: null,
  fileVaultOn: null,
  mdmUpdate: null,
  mdmUpdateReason: null,
  tokenHolders: null,
  tokenlessUsers: null,
};

export const NO_FACTS: DeviceFacts = {
  model: null,
  osVersion: null,
  osBuild: null,
  hostname: null,
  appleSilicon: null,
  agentVersion: null,
  ...NO_REPORT_FACTS,
};

/** A device enrolled at `at` (from `remoteAddress`), named after n: serial C02<n>, hardware UUID HW-<serial>, its own token hash. */
export function enroll(
  store: Pick<Store, 'devices'>,
  n: number | string,
  at = 1_000,
  remoteAddress: string | null = null,
): Promise<DeviceRecord> {
  const serial = `C02${String(n).padStart(5, '0')}`;
  return store.devices.create({
    serial,
    hardwareUuid: `HW-${serial}`,
    tokenHash: Buffer.from(serial).toString('hex').padEnd(64, '0').slice(0, 64),
    at,
    remoteAddress,
  });
}

/** A failing, device-level finding of `rule`, first and last seen at 1, unless `over` says otherwise. */
export const found = (rule: FindingRecord['rule'], over: Partial<FindingRecord> = {}): FindingRecord => ({
  rule,
  user: null,
  reason: rule,
  firstSeen: 1,
  lastSeen: 1,
  resolvedAt: null,
  pendingUntil: null,
  failing: true,
  ...over,
});

/** An enrollment attempt at `at` by client n (serial C02<n>, address 192.0.2.<n>). */
export function attempt(at: number, outcome: EnrollmentAttempt['outcome'], n = 0): EnrollmentAttempt {
  return {
    at,
    serial: `C02${String(n).padStart(5, '0')}`,
    hardwareUuid: null,
    outcome,
    remoteAddress: `192.0.2.${n % 250}`,
    detail: null,
  };
}

/** A current-snapshot update at `at` (the snapshot id and digest from `id`). */
export function current(
  id: string,
  at: number,
  over: Partial<CurrentSnapshotUpdate> = {},
): CurrentSnapshotUpdate {
  return {
    snapshotId: id,
    digest: Buffer.from(id).toString('hex').padEnd(64, '0').slice(0, 64),
    collectedAt: at,
    orderedAt: at,
    clockSkewSeconds: null,
    seenAt: at,
    consoleUser: null,
    facts: NO_FACTS,
    factsVersion: 1,
    verdict: { noncompliantFrom: null, hasUnknown: false },
    ...over,
  };
}
