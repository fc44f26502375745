// A refused request says what is wrong in words a person reads once: docs/api.md's list of refusals is
// sent, line by line, to a running collector, and each answer must be the documented one word for word.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startTestCollector, ADMIN_TOKEN } from '../../helpers/collector.ts';
import type { TestCollector } from '../../helpers/collector.ts';
import { markedBlock } from '../../helpers/marked-block.ts';
import { RULE_IDS } from '../../../collector/rules/index.ts';
import { validationMessage } from '../../../collector/http/validation-message.ts';

let c: TestCollector;
before(async () => {
  c = await startTestCollector();
});
after(() => c.stop());

interface Documented {
  method: string;
  path: string;
  contentType: string | null;
  body: string | null;
  status: number;
  code: string;
  message: string;
}

const LINE =
  /^(GET|POST) (\S+)(?: \((?:Content-Type: ([^)]+)|(no Content-Type))\))?(?: (\{.*\}))? -> (\d{3}) ([a-z_]+): (.+)$/;

function documented(): Documented[] {
  const block = markedBlock('docs/api.md', 'refusals');
  const lines = block.split('\n').filter((l) => l !== '' && !l.startsWith('```'));
  return lines.map((l) => {
    const m = LINE.exec(l);
    assert.ok(m, `docs/api.md refusals: unreadable line ${l}`);
    return {
      method: m[1] as string,
      path: m[2] as string,
      contentType: m[4] ? null : (m[3] ?? 'application/json'),
      body: m[5] ?? null,
      status: Number(m[6]),
      code: m[7] as string,
      message: m[8] as string,
    };
  });
}

/** A raw request (fetch always names a content type for a body; this can send none). */
function send(d: Documented): Promise<{ status: number; body: string }> {
  const u = new URL(c.url);
  const body = d.body ?? (d.method === 'POST' ? '{}' : null);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        path: d.path,
        method: d.method,
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          ...(body !== null ? { 'content-length': String(Buffer.byteLength(body)) } : {}),
          ...(body !== null && d.contentType !== null ? { 'content-type': d.contentType } : {}),
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body ?? undefined);
  });
}

test('every refusal docs/api.md lists is answered word for word as documented', async () => {
  const list = documented();
  assert.ok(list.length >= 10, 'the list is there');
  for (const d of list) {
    const r = await send(d);
    assert.equal(r.status, d.status, `${d.method} ${d.path}: ${r.body}`);
    assert.deepEqual(JSON.parse(r.body), { error: d.code, message: d.message }, `${d.method} ${d.path}`);
  }
});

test('the refusals the issue names: a status lists its values, a rule lists every rule once, a limit names its range, a content type names the expected one', () => {
  const byPath = new Map(documented().map((d) => [`${d.path} ${d.contentType ?? 'none'}`, d.message]));
  assert.match(
    byPath.get('/api/v1/devices?status=broken application/json') ?? '',
    /^status must be one of compliant, noncompliant, unknown /,
  );
  const rule = byPath.get('/api/v1/devices?rule=filevault-of application/json') ?? '';
  for (const id of RULE_IDS)
    assert.equal(rule.split(new RegExp(`(?<![\\w-])${id}(?![\\w-])`)).length - 1, 1, `${id} once`);
  assert.match(byPath.get('/api/v1/devices?limit=5000 application/json') ?? '', /from 1 to 1000/);
  assert.match(
    byPath.get('/api/v1/exemptions none') ?? '',
    /application\/json \(this request sent no Content-Type\)$/,
  );
  assert.match(
    byPath.get('/api/v1/exemptions text/plain') ?? '',
    /application\/json \(this request sent "text\/plain"\)$/,
  );
});

test('a value that may be null fails as one line; a long value is quoted short', () => {
  assert.equal(
    validationMessage(
      [
        {
          instancePath: '/mdm/enrolled',
          keyword: 'type',
          params: { type: 'boolean' },
          message: 'must be boolean',
          data: 'true',
        },
        {
          instancePath: '/mdm/enrolled',
          keyword: 'type',
          params: { type: 'null' },
          message: 'must be null',
          data: 'true',
        },
        {
          instancePath: '/mdm/enrolled',
          keyword: 'anyOf',
          params: {},
          message: 'must match a schema in anyOf',
        },
      ],
      'body',
    ),
    'body/mdm/enrolled must be boolean or null (got "true")',
  );
  assert.equal(
    validationMessage(
      [
        {
          instancePath: '/model',
          keyword: 'maxLength',
          params: {},
          message: 'must NOT have more than 128 characters',
          data: 'x'.repeat(500),
        },
      ],
      'querystring',
    ),
    `model must NOT have more than 128 characters (got "${'x'.repeat(56)}...)`,
  );
});
