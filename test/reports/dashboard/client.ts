// A minimal HTTP client for the dashboard's tests: node:http(s) so every header sent is the test's own
// (fetch adds Sec-Fetch-Mode and follows redirects), with the session cookie kept like a browser keeps it.
import http from 'node:http';
import https from 'node:https';
import { ADMIN_TOKEN } from '../../helpers/collector.ts';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export function send(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; ca?: string } = {},
): Promise<Answer> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(
      u,
      {
        method: opts.method ?? 'GET',
        headers: {
          ...(opts.body !== undefined ? { 'content-length': String(Buffer.byteLength(opts.body)) } : {}),
          ...opts.headers,
        },
        ...(opts.ca ? { ca: opts.ca } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

const FORM = 'application/x-www-form-urlencoded';

/** A browser's view of the dashboard: the same origin, and the cookie it was given. */
export class Visitor {
  cookie: string | null = null;
  readonly base: string;
  readonly ca: string | undefined;
  constructor(base: string, ca?: string) {
    this.base = base;
    this.ca = ca;
  }

  #keep(a: Answer): Answer {
    const set = a.headers['set-cookie']?.[0];
    if (set) {
      const pair = set.split(';')[0] as string;
      this.cookie = /=$/.test(pair) ? null : pair;
    }
    return a;
  }

  get(path: string, headers: Record<string, string> = {}): Promise<Answer> {
    return send(this.base + path, {
      headers: { ...(this.cookie ? { cookie: this.cookie } : {}), ...headers },
      ...(this.ca ? { ca: this.ca } : {}),
    }).then((a) => this.#keep(a));
  }

  /** A form POST from our own page (Origin: ours), unless `headers` says otherwise. */
  post(
    path: string,
    form: Record<string, string>,
    headers: Record<string, string> = { origin: this.base },
  ): Promise<Answer> {
    return send(this.base + path, {
      method: 'POST',
      headers: { 'content-type': FORM, ...(this.cookie ? { cookie: this.cookie } : {}), ...headers },
      body: new URLSearchParams(form).toString(),
      ...(this.ca ? { ca: this.ca } : {}),
    }).then((a) => this.#keep(a));
  }

  async signIn(token = ADMIN_TOKEN, next = '/'): Promise<Answer> {
    return this.post('/sign-in', { token, next });
  }
}
