// The admin actions through a running collector's admin API (tokenwatch ... --server URL, the token from
// TOKENWATCH_ADMIN_TOKEN): the routes do the work, so there is one implementation of each action. Every
// answer is checked against the API's declaration of it (services/views.ts), never cast; a refusal is the
// collector's own message, and a collector that cannot be reached is said in words.
import { Compile } from 'typebox/compile';
import type { Static, TSchema } from 'typebox';
import {
  DeviceDetail,
  DevicePage,
  ErrorBody,
  ExemptionAdded,
  ExemptionList,
  ExemptionView,
} from '../services/views.ts';
import type { AdminActions } from './admin-actions.ts';

/** The collector refused, could not be reached, or answered something that is not its API's. */
export class RemoteAdminError extends Error {
  override name = 'RemoteAdminError';
  /** The HTTP status of a refusal (0 when there was no answer); a 4xx other than 401 and 429 is the
   * collector refusing the request itself (its message, as the --db path would say it). */
  readonly status: number;
  constructor(message: string, status = 0) {
    super(message);
    this.status = status;
  }
}

const REQUEST_TIMEOUT_MS = 30_000;
const errorBody = Compile(ErrorBody);

/** The URL of a collector, or why it is not one. */
export function serverUrl(text: string): URL | string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `--server "${text}" is not a URL (e.g. https://collector.example.com:8443)`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return `--server "${text}" is not an http:// or https:// URL`;
  if (url.pathname !== '/' || url.search !== '' || url.username !== '' || url.password !== '')
    return `--server "${text}": give the collector's address only (scheme, host and port)`;
  return url;
}

/** Whether a URL's host is this machine (where plain http keeps the token off the network). */
export const isLoopback = (url: URL): boolean =>
  ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || url.hostname.startsWith('127.');

/** Why fetch found no collector, in words: the cause's code (connection refused, a certificate not trusted). */
function unreachable(url: URL, e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (e as { name?: string }).name ?? 'error';
  const where = `cannot reach the collector at ${url.origin}`;
  if (code === 'TimeoutError') return `${where}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  if (code === 'ECONNREFUSED') return `${where}: connection refused (is tokenwatch serve running there?)`;
  if (code === 'ENOTFOUND') return `${where}: no such host`;
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code))
    return `${where}: its TLS certificate is not trusted (${code}); give its CA with NODE_EXTRA_CA_CERTS=FILE`;
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/i.test(cause?.message ?? ''))
    return `${where}: it does not speak TLS (try http://, on loopback only)`;
  return `${where}: ${code}${cause?.message ? ` (${cause.message})` : ''}`;
}

export function remoteAdmin(url: URL, adminToken: string): AdminActions {
  /** One request; `missing` is the error code that means "no such thing" (answered as null). */
  async function call<T extends TSchema>(
    method: string,
    path: string,
    schema: T,
    opts: { body?: unknown; missing?: string } = {},
  ): Promise<Static<T> | null> {
    const target = new URL(path, url);
    let res: Response;
    try {
      res = await fetch(target, {
        method,
        headers: {
          authorization: `Bearer ${adminToken}`,
          accept: 'application/json',
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (e) {
      throw new RemoteAdminError(unreachable(url, e));
    }
    const body: unknown = await res.json().catch(() => undefined);
    const where = `${method} ${target.pathname}`;
    if (!res.ok) {
      if (errorBody.Check(body)) {
        if (opts.missing !== undefined && body.error === opts.missing) return null;
        if (res.status === 401 || res.status === 429)
          throw new RemoteAdminError(
            `${url.origin} refused the admin token: ${body.message} (TOKENWATCH_ADMIN_TOKEN must be the collector's own)`,
            res.status,
          );
        // The collector's own words, as the --db path says them.
        throw new RemoteAdminError(body.message, res.status);
      }
      throw new RemoteAdminError(
        `${where} answered ${res.status} with no error of the tokenwatch API (is ${url.origin} a tokenwatch collector?)`,
        res.status,
      );
    }
    const check = Compile(schema);
    if (!check.Check(body)) {
      const first = [...check.Errors(body)][0];
      throw new RemoteAdminError(
        `${where} answered a body that is not what the API declares${first ? ` (${first.instancePath || '/'} ${first.message})` : ''}: another version of the collector?`,
        res.status,
      );
    }
    return body;
  }
  const serialPath = (serial: string, action = '') =>
    `/api/v1/devices/${encodeURIComponent(serial)}${action}`;
  const always = <T>(v: T | null): T => {
    if (v === null) throw new RemoteAdminError('the collector answered nothing');
    return v;
  };

  return {
    target: url.origin,
    remote: true,
    async listDevices(q) {
      const params = new URLSearchParams({ limit: String(q.limit) });
      if (q.status) params.set('status', q.status);
      if (q.rule) params.set('rule', q.rule);
      if (q.retired) params.set('retired', q.retired);
      if (q.cursor) params.set('cursor', q.cursor);
      return always(await call('GET', `/api/v1/devices?${params}`, DevicePage));
    },
    device: (serial) => call('GET', serialPath(serial), DeviceDetail, { missing: 'device_not_found' }),
    revoke: (serial) =>
      call('POST', serialPath(serial, '/revoke'), DeviceDetail, { missing: 'device_not_found' }),
    retire: (serial, r) =>
      call('POST', serialPath(serial, '/retire'), DeviceDetail, {
        body: { reason: r.reason, by: r.by },
        missing: 'device_not_found',
      }),
    async exemptions(serial) {
      const query = serial === undefined ? '' : `?${new URLSearchParams({ serial })}`;
      return always(await call('GET', `/api/v1/exemptions${query}`, ExemptionList));
    },
    async addExemption(r) {
      const body = {
        serial: r.serial,
        rule: r.rule,
        user: r.user,
        reason: r.reason,
        createdBy: r.createdBy,
        expires: r.expires,
        ...(r.preEnrolled ? { preEnrolled: true } : {}),
      };
      return always(await call('POST', '/api/v1/exemptions', ExemptionAdded, { body }));
    },
    removeExemption: (id) =>
      call('DELETE', `/api/v1/exemptions/${encodeURIComponent(id)}`, ExemptionView, {
        missing: 'exemption_not_found',
      }),
    close: async () => {},
  };
}
