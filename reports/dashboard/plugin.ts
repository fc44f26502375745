// The dashboard: a Fastify plugin the collector's main.ts registers (collector/** never imports reports/).
// Server-rendered HTML from the read model the admin API uses (no API round trip, no client framework):
// pages are complete without script; two small scripts draw the trend chart and sort tables.
//
//   GET  /                 fleet summary            GET  /sign-in    the form
//   GET  /devices          filtered device list     POST /sign-in    admin token -> session cookie
//   GET  /devices/:serial  one device               POST /sign-out   ends the session
//   GET  /assets/:name     stylesheets and scripts (content-hashed names, no session needed: nothing secret)
//
// Sign-in takes the admin token from a POSTed form (never a URL) and counts each wrong one against the
// admin API's failure limiter, so the form is no faster way to guess it. A page without a live session
// redirects GETs to the sign-in form and refuses anything else with 401. POSTs must be same-origin
// (same-origin.ts) on top of the SameSite=Strict cookie.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DeviceStatus, RuleId } from '../../collector/rules/index.ts';
import { RULE_IDS } from '../../collector/rules/index.ts';
import type { ReadModel } from '../../collector/services/read-model.ts';
import type { DeviceDetail } from '../../collector/services/views.ts';
import { accessOfDetail } from '../render/dashboard/device-access.ts';
import type { DeviceAccess } from '../render/dashboard/device-access.ts';
import type { PageAssets } from '../render/html/document.ts';
import { signInPage } from '../render/dashboard/sign-in.ts';
import { errorPage } from '../render/dashboard/error.ts';
import { summaryPage } from '../render/dashboard/summary.ts';
import type { SummaryPageData } from '../render/dashboard/summary.ts';
import {
  DEFAULT_PAGE_SIZE,
  devicesPage,
  PAGE_SIZES,
  SEEN_DAYS,
  STATUSES,
} from '../render/dashboard/devices.ts';
import type { DeviceListFilter } from '../render/dashboard/devices.ts';
import { devicePage } from '../render/dashboard/device.ts';
import type { KeptCounts } from './kept-summary.ts';
import { SessionStore } from './sessions.ts';
import type { Session } from './sessions.ts';
import { readSessionCookie, sessionCookie } from './cookies.ts';
import { crossOrigin, ownOrigin } from './same-origin.ts';
import { ASSET_CACHE, PAGE_CACHE, SECURITY_HEADERS } from './headers.ts';

export interface DashboardOptions {
  readModel: ReadModel;
  /** The collector's clock: sessions expire by it, pages show the fleet as of it. */
  clock: { now(): Date };
  /** Whether a token is the admin token (compared in constant time by the caller). */
  adminTokenValid(token: string): boolean;
  /** The admin API's failure limiter, per client address: sign-in failures count against it too. */
  adminLimiter: { retryAfter(address: string): number; fail(address: string): void };
  /** Called on each failed sign-in (the admin authentication failure metric). */
  onAuthFailure(): void;
  /** A session ends this long after sign-in at the latest. */
  sessionSeconds: number;
  /** A session ends after this long without a request. */
  idleSeconds: number;
  assets: PageAssets;
  /** Optional parts a page shows when the collector has them (the trend per day). */
  trend?: (now: Date) => Promise<SummaryPageData['trend']>;
  /**
   * The summary page's counts and trend as the collector keeps them (kept-summary.ts, trend-memo.ts's peek):
   * the page waits for no query, shows the counts' age and says what is still being read. Absent: the page
   * reads the summary and awaits `trend` for each request.
   */
  kept?: (now: Date) => Promise<{
    counts: KeptCounts;
    trend: SummaryPageData['trend'];
    trendReadingSince: Date | null;
    everySeconds: number;
  }>;
  /**
   * The device page's unlock matrix, update verdict and incidents, where the collector computes them
   * (device-access.ts's interfaces). Default: what the device view itself carries (accessOfDetail); a part
   * neither gives is shown as not computed by this collector.
   */
  access?: (device: DeviceDetail, now: Date) => Promise<DeviceAccess>;
}

const MAX_SESSIONS = 10_000;
const FORM_BODY_LIMIT = 4096;
const TOKEN_MAX = 512;
const SERIAL_MAX = 64;
const CURSOR = /^[A-Za-z0-9_-]{1,200}$/;
const OS_VERSION = /^[0-9][0-9.]{0,31}$/;

/** A page refused with a status and a message for the person who asked. */
class PageError extends Error {
  readonly status: number;
  readonly title: string;
  constructor(status: number, title: string, message: string) {
    super(message);
    this.status = status;
    this.title = title;
  }
}

/** Where to go after signing in: a path of this dashboard, never another site or the sign-in form. */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length > 2048) return '/';
  if (!/^\/(?![/\\])[\x21-\x7e]*$/.test(next)) return '/';
  if (next.startsWith('/sign-in') || next.startsWith('/sign-out') || next.startsWith('/assets/')) return '/';
  return next;
}

function oneParam(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') throw new PageError(400, 'Not a filter', `"${name}" is given more than once`);
  return v;
}

/** The device list's query string as a filter; a value out of range is a 400 naming it. */
export function parseFilter(query: Record<string, unknown>): { filter: DeviceListFilter; cursor?: string } {
  const bad = (name: string, why: string) => new PageError(400, 'Not a filter', `"${name}" ${why}`);
  const status = oneParam(query, 'status');
  if (status !== undefined && !STATUSES.includes(status as DeviceStatus))
    throw bad('status', `must be one of ${STATUSES.join(', ')}`);
  const rule = oneParam(query, 'rule');
  if (rule !== undefined && !RULE_IDS.includes(rule as RuleId)) throw bad('rule', 'is not a rule id');
  const os = oneParam(query, 'os');
  if (os !== undefined && !OS_VERSION.test(os))
    throw bad('os', 'must be a macOS version such as 14 or 15.3.1');
  const model = oneParam(query, 'model');
  if (model !== undefined && model.length > 128) throw bad('model', 'is longer than 128 characters');
  const seen = oneParam(query, 'seen');
  const seenDays = seen === undefined ? undefined : SEEN_DAYS.find((d) => String(d) === seen);
  if (seen !== undefined && seenDays === undefined)
    throw bad('seen', `must be one of ${SEEN_DAYS.join(', ')} (days)`);
  const serial = oneParam(query, 'serial');
  if (serial !== undefined && serial.length > SERIAL_MAX)
    throw bad('serial', `is longer than ${SERIAL_MAX} characters`);
  const limitText = oneParam(query, 'limit');
  const limit = limitText === undefined ? DEFAULT_PAGE_SIZE : PAGE_SIZES.find((n) => String(n) === limitText);
  if (limit === undefined) throw bad('limit', `must be one of ${PAGE_SIZES.join(', ')}`);
  const cursor = oneParam(query, 'cursor');
  if (cursor !== undefined && !CURSOR.test(cursor)) throw bad('cursor', 'is not one this dashboard made');
  const filter: DeviceListFilter = {
    ...(status ? { status: status as DeviceStatus } : {}),
    ...(rule ? { rule: rule as RuleId } : {}),
    ...(os ? { osVersion: os } : {}),
    ...(model ? { model } : {}),
    ...(seenDays ? { seenDays } : {}),
    ...(serial ? { serial } : {}),
    limit,
  };
  return { filter, ...(cursor ? { cursor } : {}) };
}

export async function dashboard(app: FastifyInstance, opts: DashboardOptions): Promise<void> {
  const sessions = new SessionStore({
    lifetimeSeconds: opts.sessionSeconds,
    idleSeconds: opts.idleSeconds,
    max: MAX_SESSIONS,
  });
  const assets = new Map([...opts.assets.scripts, ...opts.assets.styles].map((a) => [a.name, a]));
  const live = new WeakMap<FastifyRequest, Session>();
  const secure = (req: FastifyRequest) => req.protocol === 'https';
  const html = (reply: FastifyReply, status: number, page: string) =>
    reply.code(status).type('text/html; charset=utf-8').header('cache-control', PAGE_CACHE).send(page);
  const endsAt = (req: FastifyRequest) => {
    const s = live.get(req);
    return s ? new Date(Math.min(s.expiresAt, s.lastUsedAt + opts.idleSeconds * 1000)).toISOString() : null;
  };
  const sessionEnds = (req: FastifyRequest) => endsAt(req) ?? new Date(0).toISOString();

  // Forms are the only bodies the dashboard takes (this context only: the API stays JSON-only).
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
    (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );
  app.addHook('onSend', async (_req, reply) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) reply.header(k, v);
  });
  app.setErrorHandler(async (err: Error & { statusCode?: number }, req, reply) => {
    const status = err instanceof PageError ? err.status : (err.statusCode ?? 500);
    if (status >= 500) req.log.error({ err }, 'dashboard page failed');
    const title = err instanceof PageError ? err.title : status >= 500 ? 'Something went wrong' : 'Refused';
    const message = status >= 500 ? 'The collector could not answer; its log says why.' : err.message;
    return html(reply, status, errorPage({ status, title, message }, opts.assets, endsAt(req)));
  });

  /** A same-origin check for state-changing requests; throws 403 otherwise. */
  const sameOrigin = (req: FastifyRequest) => {
    const why = crossOrigin(req.headers, ownOrigin(req.protocol, req.host));
    if (why !== null) throw new PageError(403, 'Refused', `Cross-site request refused: ${why}.`);
  };

  app.get<{ Params: { name: string } }>('/assets/:name', { schema: { hide: true } }, async (req, reply) => {
    const a = assets.get(req.params.name);
    if (!a) throw new PageError(404, 'Not found', `No asset ${req.params.name}.`);
    return reply
      .type(a.kind === 'script' ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8')
      .header('cache-control', ASSET_CACHE)
      .send(a.text);
  });

  app.get<{ Querystring: { next?: string } }>('/sign-in', { schema: { hide: true } }, async (req, reply) => {
    const id = readSessionCookie(req.headers.cookie, secure(req));
    if (id !== null && sessions.use(id, opts.clock.now().getTime()))
      return reply.redirect(safeNext(req.query.next), 303);
    return html(reply, 200, signInPage({ next: safeNext(req.query.next), message: null }, opts.assets));
  });

  app.post<{ Body: unknown }>('/sign-in', { schema: { hide: true } }, async (req, reply) => {
    sameOrigin(req);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const next = safeNext(body['next']);
    const wait = opts.adminLimiter.retryAfter(req.ip);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      const text = `Too many wrong tokens from this address: try again in ${wait} s.`;
      return html(reply, 429, signInPage({ next, message: { tone: 'error', text } }, opts.assets));
    }
    const token = body['token'];
    if (
      typeof token !== 'string' ||
      token === '' ||
      token.length > TOKEN_MAX ||
      !opts.adminTokenValid(token)
    ) {
      opts.adminLimiter.fail(req.ip);
      opts.onAuthFailure();
      req.log.info({ address: req.ip }, 'dashboard sign-in refused');
      const text = 'That is not the admin token.';
      return html(reply, 401, signInPage({ next, message: { tone: 'error', text } }, opts.assets));
    }
    const now = opts.clock.now().getTime();
    const old = readSessionCookie(req.headers.cookie, secure(req));
    if (old !== null) sessions.end(old);
    sessions.sweep(now);
    const { id } = sessions.create(now);
    req.log.info({ address: req.ip }, 'dashboard sign-in');
    reply.header('set-cookie', sessionCookie(id, opts.sessionSeconds, secure(req)));
    return reply.redirect(next, 303);
  });

  app.post('/sign-out', { schema: { hide: true } }, async (req, reply) => {
    sameOrigin(req);
    const id = readSessionCookie(req.headers.cookie, secure(req));
    if (id !== null) sessions.end(id);
    req.log.info({ address: req.ip }, 'dashboard sign-out');
    reply.header('set-cookie', sessionCookie('', 0, secure(req)));
    return reply.redirect('/sign-in', 303);
  });

  await app.register(async (pages) => {
    pages.addHook('onRequest', async (req, reply) => {
      const id = readSessionCookie(req.headers.cookie, secure(req));
      const session = id === null ? null : sessions.use(id, opts.clock.now().getTime());
      if (session) {
        live.set(req, session);
        return;
      }
      if (id !== null) reply.header('set-cookie', sessionCookie('', 0, secure(req)));
      if (req.method === 'GET' || req.method === 'HEAD') {
        const next = safeNext(req.url);
        return reply.redirect(next === '/' ? '/sign-in' : `/sign-in?${new URLSearchParams({ next })}`, 303);
      }
      return html(
        reply,
        401,
        errorPage({ status: 401, title: 'Signed out', message: 'Sign in first.' }, opts.assets, null),
      );
    });

    pages.get('/', { schema: { hide: true } }, async (req, reply) => {
      const now = opts.clock.now();
      if (opts.kept) {
        const k = await opts.kept(now);
        const kept = {
          now,
          countsReadingSince: k.counts.computingSince,
          countsFailed: k.counts.failed,
          trendReadingSince: k.trendReadingSince,
          everySeconds: k.everySeconds,
        };
        const data = { summary: k.counts.summary, trend: k.trend, kept };
        return html(reply, 200, summaryPage(data, opts.assets, sessionEnds(req)));
      }
      const [summary, trend] = await Promise.all([
        opts.readModel.summary(now),
        opts.trend ? opts.trend(now) : null,
      ]);
      return html(reply, 200, summaryPage({ summary, trend }, opts.assets, sessionEnds(req)));
    });

    pages.get('/devices', { schema: { hide: true } }, async (req, reply) => {
      const now = opts.clock.now();
      const { filter, cursor } = parseFilter(req.query as Record<string, unknown>);
      const page = await opts.readModel.listDevices(
        {
          ...(filter.status ? { status: filter.status } : {}),
          ...(filter.rule ? { rule: filter.rule } : {}),
          ...(filter.osVersion ? { osVersion: filter.osVersion } : {}),
          ...(filter.model ? { model: filter.model } : {}),
          ...(filter.serial ? { serial: filter.serial } : {}),
          ...(filter.seenDays ? { seenSince: now.getTime() - filter.seenDays * 86_400_000 } : {}),
        },
        { ...(cursor ? { cursor } : {}), limit: filter.limit },
        now,
      );
      return html(reply, 200, devicesPage({ page, filter, cursor, now }, opts.assets, sessionEnds(req)));
    });

    pages.get<{ Params: { serial: string } }>(
      '/devices/:serial',
      { schema: { hide: true } },
      async (req, reply) => {
        const now = opts.clock.now();
        const { serial } = req.params;
        const device = serial.length <= SERIAL_MAX ? await opts.readModel.device(serial, now) : null;
        if (!device) throw new PageError(404, 'No such device', `No device with serial ${serial}.`);
        const [exemptions, access] = await Promise.all([
          opts.readModel.exemptions(now, serial),
          opts.access ? opts.access(device, now) : accessOfDetail(device),
        ]);
        return html(
          reply,
          200,
          devicePage({ device, exemptions, access, now }, opts.assets, sessionEnds(req)),
        );
      },
    );
  });
}
