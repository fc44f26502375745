// Every conformance test of the store interfaces, for one backend. A backend passes when its runner calls
// this and every test passes; a new backend's runner calls it unchanged (SQLite's and PostgreSQL's do).
import type { Backend } from './backend.ts';
import { devicesConformance } from './devices.ts';
import { snapshotsConformance } from './snapshots.ts';
import { findingsConformance } from './findings.ts';
import { exemptionsConformance } from './exemptions.ts';
import { enrollmentsConformance } from './enrollments.ts';
import { identityConflictsConformance } from './identity-conflicts.ts';
import { fleetConformance } from './fleet.ts';
import { statusConformance } from './status.ts';
import { transactionsConformance } from './transactions.ts';
import { pruneConformance } from './prune.ts';
import { healthConformance } from './health.ts';
import { historyConformance } from './history.ts';
import { alertsConformance } from './alerts.ts';

export type { Backend };

export function storeConformance(backend: Backend): void {
  devicesConformance(backend);
  snapshotsConformance(backend);
  findingsConformance(backend);
  exemptionsConformance(backend);
  enrollmentsConformance(backend);
  identityConflictsConformance(backend);
  fleetConformance(backend);
  statusConformance(backend);
  transactionsConformance(backend);
  pruneConformance(backend);
  healthConformance(backend);
  historyConformance(backend);
  alertsConformance(backend);
}
