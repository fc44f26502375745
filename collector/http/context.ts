// What the routes share: built once by buildApp from its deps.
import type { Store } from '../store/types.ts';
import type { CollectorConfig } from '../config.ts';
import type { Clock } from '../clock.ts';
import type { ReadModel } from '../services/read-model.ts';
import type { IngestDeps } from '../services/ingest.ts';
import type { DeviceAuth } from './auth.ts';
import type { Metrics } from './metrics.ts';
import type { EnrollmentService } from '../services/enrollment.ts';
import type { FailureLimiter } from './rate-limit.ts';
import type { AlertSettings } from '../alerts/config.ts';
import type { JobDefinition } from '../jobs/runner.ts';

export interface AppContext {
  store: Store;
  config: CollectorConfig;
  clock: Clock;
  readModel: ReadModel;
  ingest: IngestDeps;
  deviceAuth: DeviceAuth;
  metrics: Metrics;
  enrollment: EnrollmentService;
  /** Failed admin authentications per client address. */
  adminLimiter: FailureLimiter;
  alerts: AlertSettings;
  /** The scheduled jobs (GET /api/v1/jobs). */
  jobs: readonly JobDefinition[];
  /** Woken when an admin action gives it work (main.ts sets it once the worker exists). */
  alertWorker: { kick(): void } | null;
}
