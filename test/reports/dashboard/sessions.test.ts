import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SESSION_ID, SessionStore } from '../../../reports/dashboard/sessions.ts';
import { readSessionCookie, sessionCookie } from '../../../reports/dashboard/cookies.ts';
import { crossOrigin, ownOrigin } from '../../../reports/dashboard/same-origin.ts';

const T = Date.parse('2026-03-02T12:00:00Z');
const MIN = 60_000;
const store = (max = 100) => new SessionStore({ lifetimeSeconds: 3600, idleSeconds: 600, max });

test('a session id is 256 random bits in base64url; the store keeps only its hash', () => {
  const s = store();
  const a = s.create(T).id;
  const b = s.create(T).id;
  assert.match(a, SESSION_ID);
  assert.notEqual(a, b);
  assert.equal(s.size, 2);
  assert.ok(s.use(a, T));
  assert.equal(
    s.use(`${a.slice(0, -1)}${a.endsWith('A') ? 'B' : 'A'}`, T),
    null,
    'one character off is no session',
  );
  assert.equal(s.use('', T), null);
  assert.equal(s.use(`${a}x`, T), null, 'not the shape of an id: not looked up');
});

test('idle: a request within the idle time keeps it; a gap of the idle time ends it', () => {
  const s = store();
  const { id } = s.create(T);
  assert.ok(s.use(id, T + 9 * MIN));
  assert.ok(s.use(id, T + 18 * MIN), 'each use restarts the idle time');
  assert.equal(s.use(id, T + 28 * MIN), null, '10 minutes idle');
  assert.equal(s.use(id, T + 28 * MIN + 1), null, 'and it stays ended');
});

test('lifetime: a session in constant use still ends an hour after sign-in', () => {
  const s = store();
  const { id, session } = s.create(T);
  assert.equal(session.expiresAt, T + 60 * MIN);
  for (let t = T; t < T + 60 * MIN; t += 5 * MIN) assert.ok(s.use(id, t), `at +${(t - T) / MIN} min`);
  assert.equal(s.use(id, T + 60 * MIN), null);
});

test('sign-out ends the session at once; sweep forgets ended ones', () => {
  const s = store();
  const a = s.create(T).id;
  s.create(T + 20 * MIN);
  s.end(a);
  assert.equal(s.use(a, T + MIN), null);
  assert.equal(s.sweep(T + 31 * MIN), 1, 'the second one is idle by then');
  assert.equal(s.size, 0);
});

test('past the cap the least recently used session goes', () => {
  const s = store(2);
  const a = s.create(T).id;
  const b = s.create(T).id;
  assert.ok(s.use(a, T + MIN), 'a used: b is now the least recent');
  const c = s.create(T + 2 * MIN).id;
  assert.equal(s.size, 2);
  assert.equal(s.use(b, T + 3 * MIN), null);
  assert.ok(s.use(a, T + 3 * MIN));
  assert.ok(s.use(c, T + 3 * MIN));
});

test('the cookie: HttpOnly, SameSite=Strict, Path=/; Secure with the __Host- prefix over TLS; cleared with Max-Age=0', () => {
  assert.equal(
    sessionCookie('abc', 3600, false),
    'tokenwatch_session=abc; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict',
  );
  assert.equal(
    sessionCookie('abc', 3600, true),
    '__Host-tokenwatch_session=abc; Path=/; Max-Age=3600; HttpOnly; SameSite=Strict; Secure',
  );
  assert.equal(
    sessionCookie('', 0, false),
    'tokenwatch_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict',
  );
  assert.equal(readSessionCookie('a=1; tokenwatch_session=xyz; b=2', false), 'xyz');
  assert.equal(
    readSessionCookie('tokenwatch_session=xyz', true),
    null,
    'over TLS only the __Host- cookie counts',
  );
  assert.equal(readSessionCookie('__Host-tokenwatch_session=xyz', true), 'xyz');
  assert.equal(readSessionCookie('xtokenwatch_session=xyz', false), null);
  assert.equal(readSessionCookie(undefined, false), null);
});

test('same origin: Origin must be ours; without it (or with Origin: null) Sec-Fetch-Site must say same-origin', () => {
  const own = ownOrigin('http', '127.0.0.1:8443');
  assert.equal(own, 'http://127.0.0.1:8443');
  assert.equal(crossOrigin({ origin: 'http://127.0.0.1:8443' }, own), null);
  assert.equal(
    crossOrigin({ origin: 'HTTP://127.0.0.1:8443' }, own),
    null,
    'scheme and host are case-insensitive',
  );
  assert.match(
    crossOrigin({ origin: 'https://evil.example' }, own) ?? '',
    /came from https:\/\/evil.example/,
  );
  assert.match(crossOrigin({ origin: 'http://127.0.0.1:8444' }, own) ?? '', /not http:\/\/127.0.0.1:8443/);
  assert.equal(crossOrigin({ 'sec-fetch-site': 'same-origin' }, own), null);
  assert.equal(crossOrigin({ origin: 'null', 'sec-fetch-site': 'same-origin' }, own), null);
  assert.match(crossOrigin({ origin: 'null', 'sec-fetch-site': 'cross-site' }, own) ?? '', /another site/);
  assert.match(crossOrigin({ 'sec-fetch-site': 'same-site' }, own) ?? '', /Sec-Fetch-Site: same-site/);
  assert.match(crossOrigin({}, own) ?? '', /neither/);
  assert.match(crossOrigin({ origin: ['a', 'b'] }, own) ?? '', /more than one/);
});
