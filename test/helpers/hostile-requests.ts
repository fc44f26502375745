// A generator of hostile requests to the collector (fast-check arbitraries): uploads, check-ins,
// enrollments, exemptions and admin reads with malformed JSON, wrong types, huge and deep values, hostile
// strings, impossible dates, odd ids, content types and auth headers. A request is plain data (printable,
// shrinkable, the same for the same seed); build() turns it into bytes and headers for one collector.
import fc from 'fast-check';
import { HOSTILE } from './hostile-strings.ts';
import { compliantSnapshot } from '../collector/rules/compliant-snapshot.ts';

export type Route = 'snapshot' | 'checkin' | 'enroll' | 'exemption' | 'read';
export type Auth =
  | 'own'
  | 'other'
  | 'revoked'
  | 'admin'
  | 'none'
  | 'garbage'
  | 'basic'
  | 'lower-case-bearer'
  | 'too-long'
  | 'huge-header';
export type Twist =
  | 'none'
  | 'truncate'
  | 'bom'
  | 'trailing-garbage'
  | 'invalid-utf8'
  | 'escaped-proto'
  | 'constructor-prototype'
  | 'big-number'
  | 'duplicate-id'
  | 'random-bytes'
  | 'deep-text';

export interface Mutation {
  path: (string | number)[];
  /** undefined deletes the member. */
  value?: unknown;
}

export interface HostileRequest {
  route: Route;
  auth: Auth;
  contentType: string | null;
  /** Snapshot and check-in ids, collected times, the base the mutations apply to. */
  id: string;
  collectedAt: string;
  mutations: Mutation[];
  twist: Twist;
  /** A number the twist uses (where to cut, how deep, which bytes). */
  knob: number;
  bytes: Uint8Array;
  /** For reads: the path and query. */
  readPath: string;
}

/** Fixed ids used again and again: replays and conflicts between requests. */
const REUSED_IDS = ['aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee', 'AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE'];

const hostileText = fc.oneof(
  fc.constantFrom(...HOSTILE.map((h) => h.text)),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 50 }),
  fc.integer({ min: 1_000, max: 300_000 }).map((n) => 'x'.repeat(n)),
  fc.constantFrom('', ' ', '\u0000', '\ud800', '\udc00x', '"', '\\', '__proto__', 'constructor', 'null'),
);

const two = (n: number) => String(n).padStart(2, '0');
/** Date-time strings: well-formed and not, possible and impossible, near the bounds and far out. */
export const dateText = fc.oneof(
  fc
    .record({
      y: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1998, max: 2101 })),
      mo: fc.integer({ min: 0, max: 13 }),
      d: fc.integer({ min: 0, max: 32 }),
      h: fc.integer({ min: 0, max: 25 }),
      mi: fc.integer({ min: 0, max: 60 }),
      s: fc.integer({ min: 0, max: 61 }),
      frac: fc.constantFrom('', '.5', '.123', '.123456789'),
      off: fc.constantFrom('Z', '+00:00', '-23:59', '+23:59', '+05:30', '-00:01', '+24:00'),
    })
    .map(
      (t) =>
        `${String(t.y).padStart(4, '0')}-${two(t.mo)}-${two(t.d)}T${two(t.h)}:${two(t.mi)}:${two(t.s)}${t.frac}${t.off}`,
    ),
  fc
    .date({
      min: new Date('1990-01-01T00:00:00Z'),
      max: new Date('2110-01-01T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    '9999-12-31T23:59:59-23:59',
    '2026-02-30T00:00:00Z',
    '2016-12-31T23:59:60Z',
    '2099-12-31T23:59:59.999Z',
    '2000-01-01T00:00:00Z',
    '1999-12-31T23:59:59Z',
    '+010000-01-01T00:00:00Z',
    '2026-03-02 12:00:00Z',
    'yesterday',
    '',
    '99999999d',
    '3651d',
    '3650d',
    '0d',
    '90m',
  ),
);

const idText = fc.oneof(
  fc.uuid(),
  fc.uuid().map((u) => u.toUpperCase()),
  fc.constantFrom(...REUSED_IDS),
  hostileText,
);

/** Nested arrays/objects `levels` deep (the bound is 64). */
function nested(levels: number): unknown {
  let v: unknown = 'leaf';
  for (let i = 1; i < levels; i++) v = i % 2 ? { n: v } : [v];
  return v;
}

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileText },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 2, arbitrary: dateText },
  { weight: 1, arbitrary: idText },
  {
    weight: 1,
    arbitrary: fc.constantFrom(0, -1, 1.5, -0, 2 ** 53 + 1, 1e308, -1e308, 501, true, false, null, {}, []),
  },
  {
    weight: 1,
    arbitrary: fc.oneof(fc.integer({ min: 60, max: 70 }), fc.integer({ min: 100, max: 3000 })).map(nested),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 6000 }), fc.jsonValue({ maxDepth: 1 }))
      .map(([n, v]) => Array.from({ length: n }, () => v)),
  },
);

const SNAPSHOT_PATHS: (string | number)[][] = [
  [],
  ['schema'],
  ['id'],
  ['collectedAt'],
  ['agent'],
  ['agent', 'version'],
  ['device'],
  ['device', 'serial'],
  ['device', 'hardwareUuid'],
  ['device', 'model'],
  ['device', 'hostname'],
  ['device', 'appleSilicon'],
  ['device', 'futureField'],
  ['mdm', 'enrolled'],
  ['mdm', 'server'],
  ['bootstrapToken'],
  ['bootstrapToken', 'checkedAt'],
  ['bootstrapToken', 'escrowed'],
  ['fileVault', 'state'],
  ['cryptoUsers'],
  ['cryptoUsers', 0, 'kind'],
  ['users'],
  ['users', 0],
  ['users', 0, 'name'],
  ['users', 0, 'uid'],
  ['users', 0, 'guid'],
  ['users', 0, 'secureToken'],
  ['consoleUser'],
  ['notApplicable'],
  ['errors'],
  ['errors', 0],
  ['futureField'],
  ['__proto__'],
  ['constructor'],
];
const CHECKIN_PATHS: (string | number)[][] = [
  [],
  ['schema'],
  ['id'],
  ['digest'],
  ['collectedAt'],
  ['consoleUser'],
  ['extra'],
];
const ENROLL_PATHS: (string | number)[][] = [[], ['enrollSecret'], ['serial'], ['hardwareUuid'], ['extra']];
const EXEMPTION_PATHS: (string | number)[][] = [
  [],
  ['serial'],
  ['rule'],
  ['user'],
  ['reason'],
  ['createdBy'],
  ['expires'],
  ['extra'],
];
const PATHS: Record<Exclude<Route, 'read'>, (string | number)[][]> = {
  snapshot: SNAPSHOT_PATHS,
  checkin: CHECKIN_PATHS,
  enroll: ENROLL_PATHS,
  exemption: EXEMPTION_PATHS,
};

const mutation = (route: Exclude<Route, 'read'>): fc.Arbitrary<Mutation> =>
  fc
    .record(
      { path: fc.constantFrom(...PATHS[route]), value: hostileValue, remove: fc.boolean() },
      { requiredKeys: ['path', 'value', 'remove'] },
    )
    .map(({ path, value, remove }) => (remove && path.length > 0 ? { path } : { path, value }));

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'text/plain',
      'text/plain; charset=utf-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'application/json-patch+json',
      'application/json; charset=utf-16',
      'application/jsonx',
      ';;;',
    ),
  },
  { weight: 1, arbitrary: fc.constant(null) },
);

const auth = (route: Route): fc.Arbitrary<Auth> => {
  const usual: Auth =
    route === 'exemption' || route === 'read' ? 'admin' : route === 'enroll' ? 'none' : 'own';
  return fc.oneof(
    { weight: 8, arbitrary: fc.constant(usual) },
    {
      weight: 2,
      arbitrary: fc.constantFrom<Auth>(
        'own',
        'other',
        'revoked',
        'admin',
        'none',
        'garbage',
        'basic',
        'lower-case-bearer',
        'too-long',
        'huge-header',
      ),
    },
  );
};

const twist = fc.oneof(
  { weight: 10, arbitrary: fc.constant<Twist>('none') },
  {
    weight: 3,
    arbitrary: fc.constantFrom<Twist>(
      'truncate',
      'bom',
      'trailing-garbage',
      'invalid-utf8',
      'escaped-proto',
      'constructor-prototype',
      'big-number',
      'duplicate-id',
      'random-bytes',
      'deep-text',
    ),
  },
);

/** Percent-encodes every byte of the UTF-8 text (lone surrogates become U+FFFD, as a client would send). */
const pathSegment = (s: string): string =>
  [...Buffer.from(s.slice(0, 2000), 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

const readPath = fc.oneof(
  fc
    .record({
      status: fc.constantFrom('', 'compliant', 'nope', '%00'),
      seenSince: fc.oneof(fc.constant(''), dateText),
      cursor: fc.oneof(fc.constant(''), fc.string({ maxLength: 300 })),
      limit: fc.constantFrom('', '0', '1', '1000', '1001', '-1', '1e3', 'x'),
      rule: fc.constantFrom('', 'stale', 'filevault-off', 'no-such-rule'),
      osVersion: fc.constantFrom('', '14', '14.5', '../', 'x'),
    })
    .map((q) => {
      const u = new URLSearchParams();
      for (const [k, v] of Object.entries(q)) if (v !== '') u.set(k, v);
      return `/api/v1/devices?${u.toString()}`;
    }),
  fc
    .oneof(hostileText, fc.constantFrom('C02T000001', '..', '%2e%2e', 'C02T000001/revoke'))
    .map((s) => `/api/v1/devices/${pathSegment(s)}`),
  fc.oneof(idText, hostileText).map((s) => `/api/v1/exemptions/${pathSegment(s)}`),
  fc
    .record({
      serial: fc.oneof(fc.constant(''), hostileText),
      before: fc.constantFrom('', '1', '-1', 'x', '999999999999999999999'),
    })
    .map(({ serial, before }) => {
      const u = new URLSearchParams();
      if (serial !== '') u.set('serial', serial.slice(0, 2000));
      if (before !== '') u.set('before', before);
      return `/api/v1/enrollments?${u.toString()}`;
    }),
  fc
    .record({
      state: fc.constantFrom('', 'open', 'resolved', 'all'),
      before: fc.constantFrom('', '1', '0', 'x', '9999999999999999'),
      id: fc.oneof(fc.constantFrom('1', '0', '-1', '1e3', '999999999999999'), hostileText),
    })
    .map(({ state, before, id }) =>
      id.length % 2
        ? `/api/v1/identity-conflicts/${pathSegment(id)}`
        : `/api/v1/identity-conflicts?${new URLSearchParams({ ...(state ? { state } : {}), ...(before ? { before } : {}) }).toString()}`,
    ),
);

export const hostileRequest: fc.Arbitrary<HostileRequest> = fc
  .constantFrom<Route>(
    'snapshot',
    'snapshot',
    'snapshot',
    'snapshot',
    'snapshot',
    'snapshot',
    'checkin',
    'checkin',
    'enroll',
    'exemption',
    'read',
  )
  .chain((route) =>
    fc.record({
      route: fc.constant(route),
      auth: auth(route),
      contentType,
      id: fc.oneof(
        { weight: 9, arbitrary: fc.uuid() },
        { weight: 1, arbitrary: fc.constantFrom(...REUSED_IDS) },
      ),
      collectedAt: fc.oneof(
        { weight: 6, arbitrary: fc.constant('') }, // '' = the collector's now
        { weight: 2, arbitrary: dateText },
      ),
      mutations:
        route === 'read' ? fc.constant([]) : fc.array(mutation(route), { minLength: 0, maxLength: 3 }),
      twist: route === 'read' ? fc.constant<Twist>('none') : twist,
      knob: fc.integer({ min: 0, max: 1_000_000 }),
      bytes: fc.uint8Array({ maxLength: 300 }),
      readPath: route === 'read' ? readPath : fc.constant(''),
    }),
  );

/** What build() needs to know about the collector under test. */
export interface Target {
  now: () => Date;
  adminToken: string;
  enrollSecret: string;
  own: { serial: string; hardwareUuid: string; token: string };
  other: { token: string };
  revoked: { token: string };
  /** The own device's current digest (a check-in names it), if known. */
  digest: string | null;
}

export interface Built {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body: Buffer | null;
  /** Oversized on purpose (header or body): the server may close the connection instead of answering. */
  oversized: boolean;
}

function setPath(target: unknown, path: (string | number)[], m: Mutation): unknown {
  if (path.length === 0) return 'value' in m ? m.value : undefined;
  if (target === null || typeof target !== 'object') return target;
  let node = target as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object') return target;
    node = next as Record<string | number, unknown>;
  }
  const last = path[path.length - 1] as string | number;
  if ('value' in m)
    Object.defineProperty(node, last, {
      value: m.value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  else Reflect.deleteProperty(node, last);
  return target;
}

function baseBody(req: HostileRequest, t: Target): unknown {
  const collectedAt = req.collectedAt === '' ? t.now().toISOString() : req.collectedAt;
  switch (req.route) {
    case 'snapshot': {
      const s = compliantSnapshot();
      s.id = req.id;
      s.collectedAt = collectedAt;
      s.device.serial = t.own.serial;
      s.device.hardwareUuid = t.own.hardwareUuid;
      s.consoleUser = `user${req.knob % 7}`;
      (s.fileVault as { state: string }).state = req.knob % 3 === 0 ? 'off' : 'on';
      s.bootstrapToken.escrowed = req.knob % 5 !== 0;
      return s;
    }
    case 'checkin':
      return {
        schema: 'tokenwatch.checkin/1',
        id: req.id,
        digest: t.digest ?? '0'.repeat(64),
        collectedAt,
        consoleUser: null,
      };
    case 'enroll':
      return {
        enrollSecret: req.knob % 4 === 0 ? 'a wrong secret' : t.enrollSecret,
        serial: `FZ${String(req.knob).padStart(7, '0')}`,
        hardwareUuid: req.id.toUpperCase(),
      };
    case 'exemption':
      return {
        serial: req.knob % 2 ? t.own.serial : null,
        rule: req.knob % 3 ? 'filevault-off' : null,
        reason: 'generated',
        createdBy: 'fast-check',
        expires: ['30d', '12h', null, '2026-12-31'][req.knob % 4],
      };
    case 'read':
      return null;
  }
}

function twisted(text: string, req: HostileRequest): Buffer {
  const k = req.knob;
  switch (req.twist) {
    case 'none':
      return Buffer.from(text, 'utf8');
    case 'truncate':
      return Buffer.from(text.slice(0, k % Math.max(1, text.length)), 'utf8');
    case 'bom':
      return Buffer.from(`\ufeff${text}`, 'utf8');
    case 'trailing-garbage':
      return Buffer.from(`${text}}{"x":1}`, 'utf8');
    case 'invalid-utf8': {
      const b = Buffer.from(text, 'utf8');
      const at = k % Math.max(1, b.length);
      return Buffer.concat([b.subarray(0, at), Buffer.from([0xff, 0xfe, 0xc3]), b.subarray(at)]);
    }
    case 'escaped-proto':
      return Buffer.from(text.replace('{', '{"\\u005f_proto__":{"polluted":true},'), 'utf8');
    case 'constructor-prototype':
      return Buffer.from(
        text.replace('{', '{"futureField":{"constructor":{"prototype":{"polluted":true}}},'),
        'utf8',
      );
    case 'big-number':
      return Buffer.from(
        text.replace(/"uid":\d+/, '"uid":1e400').replace(/"digest":"[^"]*"/, '"digest":1e400'),
        'utf8',
      );
    case 'duplicate-id':
      return Buffer.from(text.replace('{', `{"id":"${REUSED_IDS[0]}",`), 'utf8');
    case 'random-bytes':
      return Buffer.from(req.bytes);
    case 'deep-text': {
      const levels = 60 + (k % 8000);
      return Buffer.from(
        text.replace('{', `{"futureField":${'['.repeat(levels)}${']'.repeat(levels)},`),
        'utf8',
      );
    }
  }
}

function authHeader(a: Auth, t: Target): string | null {
  switch (a) {
    case 'own':
      return `Bearer ${t.own.token}`;
    case 'other':
      return `Bearer ${t.other.token}`;
    case 'revoked':
      return `Bearer ${t.revoked.token}`;
    case 'admin':
      return `Bearer ${t.adminToken}`;
    case 'none':
      return null;
    case 'garbage':
      return 'Bearer twd_not-a-real-token';
    case 'basic':
      return `Basic ${Buffer.from(`admin:${t.adminToken}`).toString('base64')}`;
    case 'lower-case-bearer':
      return `bearer ${t.own.token}`;
    case 'too-long':
      return `Bearer ${'x'.repeat(600)}`;
    case 'huge-header':
      return `Bearer ${'x'.repeat(20_000)}`;
  }
}

const ROUTE_PATH: Record<Exclude<Route, 'read'>, string> = {
  snapshot: '/api/v1/snapshots',
  checkin: '/api/v1/checkins',
  enroll: '/api/v1/enroll',
  exemption: '/api/v1/exemptions',
};

export function build(req: HostileRequest, t: Target, bodyLimit: number): Built {
  const headers: Record<string, string> = {};
  const authorization = authHeader(req.auth, t);
  if (authorization !== null) headers['authorization'] = authorization;
  const oversizedHeader = req.auth === 'huge-header';
  if (req.route === 'read')
    return { method: 'GET', path: req.readPath, headers, body: null, oversized: oversizedHeader };
  let value = baseBody(req, t);
  for (const m of req.mutations) value = setPath(value, m.path, m);
  const text = JSON.stringify(value) ?? '';
  const body = twisted(text, req);
  if (req.contentType !== null) headers['content-type'] = req.contentType;
  return {
    method: 'POST',
    path: ROUTE_PATH[req.route],
    headers,
    body,
    oversized: oversizedHeader || body.length > bodyLimit,
  };
}
