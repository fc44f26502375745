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
import { createReadModel } from './read-model.ts';
import { EnrollmentService } from './enrollment.ts';
import { ruleConfig } from './evaluation.ts';
import type { AuthenticatedDevice } from './ingest.ts';

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
}

export const API_VERSION = '1.0.0';

const ENROLL_FAILURES_PER_WINDOW = 20;
const ENROLL_WINDOW_MS = 60_000;

/** JSON.parse that refuses prototype-poisoning keys (as Fastify's default parser does). */
function parseJson(text: string): unknown {
  if (!text.includes('"__proto__"') && !text.includes('"constructor"')) return JSON.parse(text);
  return JSON.parse(text, (key, value: unknown) => {
    if (key === '__proto__') throw new SyntaxError('forbidden key "__proto__"');
    if (key === 'constructor' && value !== null && typeof value === 'object' && 'prototype' in value) {
      throw new SyntaxError('forbidden key "constructor.prototype"');
    }
    return value;
  });
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config, store, clock } = deps;
  const monotonic = deps.monotonic ?? systemMonotonic;
  const metrics = deps.metrics ?? new Metrics();
  const rules = ruleConfig(config);
  const ctx: AppContext = {
    store,
    config,
    clock,
    readModel: createReadModel(store, rules),
    ingest: { store, rules },
    deviceAuth: new DeviceAuth(store, config.authCacheSize, monotonic),
    metrics,
    enrollment: new EnrollmentService({
      store,
      enrollSecret: config.enrollSecret,
      reenrollAfterSeconds: config.reenrollAfterSeconds,
      limiter: new FailureLimiter(ENROLL_FAILURES_PER_WINDOW, ENROLL_WINDOW_MS, monotonic),
      onOutcome: (outcome) => Metrics.inc(metrics.enrollments, outcome),
    }),
  };

  const options: FastifyServerOptions & { https?: { cert: Buffer; key: Buffer } } = {
    loggerInstance: deps.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    return503OnClosing: false,
    ajv: {
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false },
    },
    ...(deps.https ? { https: deps.https } : {}),
  };
  const app = Fastify(options) as unknown as FastifyInstance;

  app.decorateRequest('rawBody', null);
  app.decorateRequest('device', null);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const buf = body as Buffer;
    req.rawBody = buf;
    if (buf.length === 0) {
      done(new ApiError('invalid_json', 'the body is empty'), undefined);
      return;
    }
    try {
      done(null, parseJson(buf.toString('utf8')));
    } catch (e) {
      done(new ApiError('invalid_json', `the body is not valid JSON: ${(e as Error).message}`), undefined);
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
    const e = toApiError(err);
    Metrics.inc(metrics.rejects, e.code);
    if (e.statusCode >= 500) req.log.error({ err, code: e.code }, 'request failed');
    else req.log.info({ code: e.code, url: req.url, message: e.message }, 'request refused');
    if (req.routeOptions.url === '/api/v1/enroll') {
      // The enrollment service audits its own refusals; this reports the ones it never saw. (A connection
      // reset before the server read its peer has no address left.)
      const attempt = { remoteAddress: req.ip || null, aborted: req.raw.readableAborted, body: req.body };
      await ctx.enrollment
        .refused(e, attempt, clock.now())
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
  });

  agentRoutes(app, ctx);
  adminRoutes(app, ctx);
  identityConflictRoutes(app, ctx);
  opsRoutes(app, ctx, monotonic);
  return app;
}
