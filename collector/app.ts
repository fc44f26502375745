// buildApp(deps): the collector's Fastify instance, fully wired, not listening (main.ts listens; tests
// listen on port 0). Bodies are validated with the snapshot contract's JSON Schema through Fastify's ajv
// (no type coercion, unknown extra fields kept); errors come from one catalogue (http/errors.ts).
import Fastify, { LogController } from 'fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import swagger from '@fastify/swagger';
import type { Logger } from 'pino';
import type { Store } from './store/types.ts';
import type { CollectorConfig } from './config.ts';
import type { Clock } from './clock.ts';
import { monotonic as systemMonotonic } from './clock.ts';
import { ApiError, toApiError } from './http/errors.ts';
import { DeviceAuth } from './http/auth.ts';
import { Metrics } from './http/metrics.ts';
import { FailureLimiter } from './http/rate-limit.ts';
import type { AppContext } from './http/context.ts';
import { agentRoutes } from './http/routes/agent.ts';
import { adminRoutes } from './http/routes/admin.ts';
import { opsRoutes } from './http/routes/ops.ts';
import { identityConflictRoutes } from './http/routes/identity-conflicts.ts';
import { JsonBodyError, parseJsonBody } from './http/json-body.ts';
import { EXPECTED } from './http/validation-message.ts';
import { capConnections, clientErrorHandler, connectionOptions } from './http/connections.ts';
import { createReadModel } from './services/read-model.ts';
import { EnrollmentService } from './services/enrollment.ts';
import { ruleConfig } from './services/evaluation.ts';
import type { AuthenticatedDevice } from './services/ingest.ts';
import { alertRoutes } from './http/routes/alerts.ts';
import { readAlertSettings } from './alerts/config.ts';
import type { AlertSettings } from './alerts/config.ts';
import type { JobDefinition } from './jobs/runner.ts';
import { collectorJobs } from './jobs/table.ts';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody: Buffer | null;
    device: AuthenticatedDevice | null;
  }
}

export interface AppDeps {
  store: Store;
  config: CollectorConfig;
  clock: Clock;
  logger: Logger;
  metrics?: Metrics;
  monotonic?: () => number;
  /** HTTPS options (main.ts reads the files). */
  https?: { cert: Buffer; key: Buffer };
  /** Failed admin authentications per address (main.ts shares it with the dashboard's sign-in). */
  adminLimiter?: FailureLimiter;
  /** The alert channels (main.ts reads their secrets); none when absent. */
  alerts?: AlertSettings;
  /** The scheduled jobs GET /api/v1/jobs lists (default: the collector's table). */
  jobs?: readonly JobDefinition[];
  /** The delivery worker admin actions wake. */
  alertWorker?: { kick(): void };
  /** The device token cache (main.ts keeps it in step with the store's revocations); a new one when absent. */
  deviceAuth?: DeviceAuth;
}

/** The device token cache the settings ask for (authCacheSize entries, authCacheSeconds each at most). */
export function deviceAuthFor(
  store: Store,
  config: Pick<CollectorConfig, 'authCacheSize' | 'authCacheSeconds'>,
  monotonic: () => number,
): DeviceAuth {
  return new DeviceAuth(
    store,
    { size: config.authCacheSize, ttlMs: config.authCacheSeconds * 1000 },
    monotonic,
  );
}

export const API_VERSION = '1.0.0';

const ENROLL_FAILURES_PER_WINDOW = 20;
const ENROLL_WINDOW_MS = 60_000;
/** Guessing the admin token: 20 wrong ones a minute per address, then 429 until the minute is over. */
const ADMIN_FAILURES_PER_WINDOW = 20;
const ADMIN_WINDOW_MS = 60_000;

/** The admin failure limiter: the admin API and the dashboard's sign-in count against the same one. */
export function adminFailureLimiter(monotonic: () => number): FailureLimiter {
  return new FailureLimiter(ADMIN_FAILURES_PER_WINDOW, ADMIN_WINDOW_MS, monotonic);
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, store, clock } = deps;
  const monotonic = deps.monotonic ?? systemMonotonic;
  const metrics = deps.metrics ?? new Metrics();
  const rules = ruleConfig(config);
  const alerts =
    deps.alerts ??
    readAlertSettings(
      { alerts: { channels: [] }, webhookUrl: '', webhookSecret: '', publicUrl: config.publicUrl },
      { env: {}, readFile: () => '' },
    );
  const ctx: AppContext = {
    alerts,
    jobs: deps.jobs ?? collectorJobs({ store, config, rules, alerts }),
    alertWorker: deps.alertWorker ?? null,
    store,
    config,
    clock,
    readModel: createReadModel(store, rules),
    ingest: { store, rules },
    deviceAuth: deps.deviceAuth ?? deviceAuthFor(store, config, monotonic),
    metrics,
    enrollment: new EnrollmentService({
      store,
      enrollSecret: config.enrollSecret,
      reenrollAfterSeconds: config.reenrollAfterSeconds,
      limiter: new FailureLimiter(ENROLL_FAILURES_PER_WINDOW, ENROLL_WINDOW_MS, monotonic),
      onOutcome: (outcome) => Metrics.inc(metrics.enrollments, outcome),
    }),
    adminLimiter: deps.adminLimiter ?? adminFailureLimiter(monotonic),
  };

  const limits = connectionOptions(config);
  const options: FastifyServerOptions & {
    https?: { cert: Buffer; key: Buffer } & typeof limits.server;
    http?: typeof limits.server;
  } = {
    loggerInstance: deps.logger,
    requestTimeout: limits.requestTimeout,
    keepAliveTimeout: limits.keepAliveTimeout,
    connectionTimeout: limits.connectionTimeout,
    clientErrorHandler: clientErrorHandler(config, metrics),
    // What the router refuses before a route runs (a broken URL, a parameter over 100 characters): the
    // catalogue's format too, not Fastify's.
    frameworkErrors: (err, _req, reply) => {
      const e = toApiError(err);
      Metrics.inc(metrics.rejects, e.code);
      const raw = reply as unknown as { code(n: number): { send(body: unknown): unknown } };
      raw.code(e.statusCode).send({ error: e.code, message: e.message });
    },
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    return503OnClosing: false,
    ajv: {
      // verbose: a refusal quotes the value and reads the schema's words for it (http/validation-message.ts).
      customOptions: {
        coerceTypes: false,
        removeAdditional: false,
        useDefaults: false,
        allErrors: false,
        verbose: true,
        keywords: [EXPECTED],
      },
    },
    ...(deps.https ? { https: { ...deps.https, ...limits.server } } : { http: limits.server }),
  };
  const app = Fastify(options) as unknown as FastifyInstance;
  capConnections(app.server, config, metrics);

  app.decorateRequest('rawBody', null);
  app.decorateRequest('device', null);
  // JSON is the only body the API takes: any other content type (text/plain included) is 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const buf = body as Buffer;
    req.rawBody = buf;
    try {
      done(null, parseJsonBody(buf));
    } catch (e) {
      done(e instanceof JsonBodyError ? new ApiError('invalid_json', e.message) : (e as Error), undefined);
    }
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'tokenwatch collector',
        version: API_VERSION,
        description:
          'Enrollment, snapshot ingest and the admin API. Errors: { "error": code, "message": text } (see docs/api.md).',
      },
      components: {
        securitySchemes: {
          deviceToken: {
            type: 'http',
            scheme: 'bearer',
            description: 'per-device token from POST /api/v1/enroll',
          },
          adminToken: { type: 'http', scheme: 'bearer', description: 'TOKENWATCH_ADMIN_TOKEN' },
        },
      },
    },
  });

  app.setErrorHandler(async (err, req, reply) => {
    const e = toApiError(err, { contentType: req.headers['content-type'] });
    Metrics.inc(metrics.rejects, e.code);
    if (e.statusCode >= 500) req.log.error({ err, code: e.code }, 'request failed');
    else req.log.info({ code: e.code, url: req.url, message: e.message }, 'request refused');
    if (req.routeOptions.url === '/api/v1/enroll') {
      // The enrollment service audits its own refusals; this reports the ones it never saw. (A connection
      // reset before the server read its peer has no address left.)
      const attempt = {
        thrown: err,
        reason: `${e.code}: ${e.message}`,
        serverFault: e.statusCode >= 500,
        remoteAddress: req.ip || null,
        aborted: req.raw.readableAborted,
        body: req.body,
      };
      await ctx.enrollment
        .refused(attempt, clock.now())
        .catch((auditErr: unknown) => req.log.error({ err: auditErr }, 'enrollment audit failed'));
    }
    if (e.retryAfterSeconds !== undefined) reply.header('Retry-After', String(e.retryAfterSeconds));
    reply.code(e.statusCode);
    return { error: e.code, message: e.message };
  });
  app.setNotFoundHandler(async (req, reply) => {
    Metrics.inc(metrics.rejects, 'not_found');
    reply.code(404);
    return { error: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` };
  });
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async () => {
    if (closing) throw new ApiError('unavailable', 'the collector is shutting down', 5);
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.observe(
      req.method,
      req.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    // A write may have put alert events in the outbox: the delivery worker looks now, not at its next poll.
    if (req.method !== 'GET' && reply.statusCode < 300) ctx.alertWorker?.kick();
  });

  agentRoutes(app, ctx);
  adminRoutes(app, ctx);
  identityConflictRoutes(app, ctx);
  alertRoutes(app, ctx);
  opsRoutes(app, ctx, monotonic);
  return app;
}
