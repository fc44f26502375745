// Instants read strictly from outside (a calendar date that exists, a time some Mac can mean) and stored
// instants shown only when RFC 3339 can write them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  readInstant,
  storedInstant,
  PLAUSIBLE_FROM,
  PLAUSIBLE_UNTIL,
} from '../../../collector/services/instants.ts';

const ms = (text: string) => {
  const r = readInstant(text);
  assert.ok(r.ok, `${text}: ${r.ok ? '' : r.problem}`);
  return r.ms;
};
const problem = (text: string) => {
  const r = readInstant(text);
  assert.ok(!r.ok, `${text} was read as ${r.ok ? new Date(r.ms).toISOString() : ''}`);
  return r.problem;
};

test('readInstant: offsets, fractions and leap days are read to the millisecond', () => {
  assert.equal(ms('2026-03-02T12:00:00+05:30'), Date.UTC(2026, 2, 2, 6, 30));
  assert.equal(ms('2026-03-02T12:00:00.5Z'), Date.UTC(2026, 2, 2, 12, 0, 0, 500));
  assert.equal(ms('2026-01-01T00:00:00.123456789Z'), Date.UTC(2026, 0, 1, 0, 0, 0, 123));
  assert.equal(ms('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
  assert.equal(ms('2000-02-29T10:00:00+01:00'), Date.UTC(2000, 1, 29, 9));
  // An offset may carry a local time before 2000 into the range, and the range's edges are in it.
  assert.equal(ms('1999-12-31T23:00:00-02:00'), Date.UTC(2000, 0, 1, 1));
  assert.equal(ms('2000-01-01T00:00:00Z'), PLAUSIBLE_FROM);
  assert.equal(ms('2099-12-31T23:59:59.999Z'), PLAUSIBLE_UNTIL - 1);
});

test('readInstant: days a month does not have, impossible fields and leap seconds are no instants', () => {
  assert.equal(problem('2026-02-30T00:00:00Z'), 'is not a real instant: February 2026 has 28 days');
  assert.equal(problem('2023-02-29T00:00:00Z'), 'is not a real instant: February 2023 has 28 days');
  assert.equal(problem('2100-02-29T00:00:00Z'), 'is not a real instant: February 2100 has 28 days');
  assert.equal(problem('2026-04-31T00:00:00Z'), 'is not a real instant: April 2026 has 30 days');
  assert.equal(problem('2026-13-01T00:00:00Z'), 'is not a real instant: there is no month 13');
  assert.equal(problem('2026-00-10T00:00:00Z'), 'is not a real instant: there is no month 0');
  assert.equal(problem('2026-01-10T24:00:00Z'), 'is not a real instant: there is no hour 24');
  assert.equal(problem('2026-01-10T10:60:00Z'), 'is not a real instant: there is no minute 60');
  assert.match(problem('2016-12-31T23:59:60Z'), /leap second/);
  assert.equal(problem('2026-01-10T10:00:00+24:00'), 'is not a real instant: there is no offset +24:00');
  assert.match(problem('2026-01-10 10:00:00Z'), /is not an RFC 3339 date-time/);
  assert.match(problem('yesterday'), /is not an RFC 3339 date-time/);
});

test('readInstant: times before 2000 or from 2100 on are refused, naming the instant they would be', () => {
  assert.equal(
    problem('9999-12-31T23:59:59-23:59'),
    'is +010000-01-01T23:58:59.000Z, outside 2000-01-01T00:00:00.000Z to 2100-01-01T00:00:00.000Z: no Mac means that time',
  );
  assert.match(problem('1970-01-01T00:00:00Z'), /^is 1970-01-01T00:00:00\.000Z, outside/);
  assert.match(problem('0000-01-01T00:00:00+23:59'), /^is -000001-12-31T00:01:00\.000Z, outside/);
  assert.match(problem('2099-12-31T23:59:59-00:01'), /^is 2100-01-01T00:00:59\.000Z, outside/);
});

test('storedInstant: any stored value reads as an RFC 3339 instant or as null, never a throw', () => {
  assert.equal(storedInstant(0), '1970-01-01T00:00:00.000Z');
  assert.equal(storedInstant(Date.UTC(2026, 2, 2)), '2026-03-02T00:00:00.000Z');
  assert.equal(storedInstant(253402300799999), '9999-12-31T23:59:59.999Z');
  assert.equal(storedInstant(-62167219200000), '0000-01-01T00:00:00.000Z');
  for (const v of [253402300800000, -62167219200001, 8.64e15 + 1, 1e20, -1e20, 1.5, NaN, Infinity]) {
    assert.equal(storedInstant(v), null, String(v));
  }
  for (const v of ['2026-03-02T00:00:00Z', null, undefined, 10n, {}, Buffer.from('x')]) {
    assert.equal(storedInstant(v), null, String(v));
  }
});
