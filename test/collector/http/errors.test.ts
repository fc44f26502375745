// Every error code of the catalogue is documented in docs/api.md with its status; the OpenAPI document in
// docs/ is the one the routes generate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERRORS, REFUSAL_CODES, toApiError, ApiError } from '../../../collector/http/errors.ts';
import { REFUSALS, Refusal } from '../../../collector/services/errors.ts';
import { StoreBusyError } from '../../../collector/store/types.ts';
import { openApiDocument } from '../../../collector/openapi.ts';

const docs = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');

test('every error code is documented in docs/api.md with its HTTP status', () => {
  const codes = Object.keys(ERRORS);
  assert.ok(codes.length >= 15);
  for (const [code, { status }] of Object.entries(ERRORS)) {
    const row = new RegExp(`^\\| +\`${code}\` +\\| +${status} +\\|`, 'm');
    assert.match(docs, row, `docs/api.md lacks a row for ${code} (${status})`);
  }
  const documented = [...docs.matchAll(/^\| +`([a-z_]+)` +\| +\d{3} +\|/gm)].map((m) => m[1]);
  assert.deepEqual(
    documented.sort(),
    codes.sort(),
    'docs/api.md documents codes the catalogue does not have',
  );
});

test('client mistakes map to 4xx, only unknown failures to 500', () => {
  assert.equal(
    toApiError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 })).code,
    'body_too_large',
  );
  assert.equal(
    toApiError(Object.assign(new Error('x'), { code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }))
      .code,
    'unsupported_media_type',
  );
  assert.equal(
    toApiError(Object.assign(new Error('x'), { validation: [], validationContext: 'body' })).code,
    'invalid_body',
  );
  assert.equal(
    toApiError(Object.assign(new Error('x'), { validation: [], validationContext: 'querystring' })).code,
    'invalid_query',
  );
  const busy = toApiError(new StoreBusyError('the database is busy'));
  assert.equal(busy.code, 'unavailable');
  assert.equal(busy.statusCode, 503);
  assert.equal(busy.retryAfterSeconds, 2);
  // A backend's own error code means nothing here: only the store's typed error is a 503.
  assert.equal(
    toApiError(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' })).statusCode,
    500,
  );
  assert.equal(toApiError(new TypeError('bug')).statusCode, 500);
  assert.equal(toApiError(new ApiError('digest_unknown', 'x')).statusCode, 409);
});

test("every refusal of the services maps to a 4xx code of the catalogue, with the service's message and wait", () => {
  assert.deepEqual(Object.keys(REFUSAL_CODES).sort(), [...REFUSALS].sort());
  for (const kind of REFUSALS) {
    const e = toApiError(new Refusal(kind, `refused: ${kind}`, kind === 'rate_limited' ? 7 : undefined));
    assert.equal(e.code, REFUSAL_CODES[kind], kind);
    assert.ok(e.statusCode >= 400 && e.statusCode < 500, `${kind} -> ${e.statusCode}`);
    assert.equal(e.message, `refused: ${kind}`);
    assert.equal(e.retryAfterSeconds, kind === 'rate_limited' ? 7 : undefined);
  }
  assert.equal(toApiError(new Refusal('device_gone', 'gone')).code, 'unauthorized');
  assert.equal(toApiError(new Refusal('invalid_cursor', 'x')).code, 'invalid_query');
});

test('docs/openapi.json is the document the routes generate (regenerate: tokenwatch openapi > docs/openapi.json)', async () => {
  const generated = await openApiDocument();
  const committed = readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8');
  assert.equal(committed, generated);
  const doc = JSON.parse(generated) as { paths: Record<string, unknown> };
  for (const p of [
    '/api/v1/enroll',
    '/api/v1/snapshots',
    '/api/v1/checkins',
    '/api/v1/devices',
    '/api/v1/devices/{serial}',
    '/api/v1/summary',
    '/api/v1/exemptions',
  ]) {
    assert.ok(p in doc.paths, p);
  }
});
