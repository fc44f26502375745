import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NO_EXPIRY,
  exemptionExpiry,
  findingState,
  nextStateChange,
  pendingUntil,
} from '../../../collector/rules/index.ts';
import type { Exemption, Finding, RuleConfig } from '../../../collector/rules/index.ts';

const SERIAL = 'C02XK1ABJGH5';
const finding: Finding = {
  rule: 'user-without-securetoken',
  user: 'bob',
  reason: 'bob has no SecureToken',
  firstSeen: '2026-03-01T00:00:00.000Z',
  lastSeen: '2026-03-02T00:00:00.000Z',
  resolvedAt: null,
};
const GRACE: RuleConfig = {
  staleAfterSeconds: 86400,
  graceSeconds: { 'user-without-securetoken': 2 * 86400 },
};
const NO_GRACE: RuleConfig = { staleAfterSeconds: 86400, graceSeconds: {} };
const at = (iso: string) => new Date(iso);

function exemption(over: Partial<Exemption>): Exemption {
  return {
    id: 'ex-1',
    serial: SERIAL,
    rule: 'user-without-securetoken',
    user: 'bob',
    reason: 'bob is a kiosk account, token not needed',
    createdBy: 'jdoe',
    createdAt: '2026-03-01T09:00:00.000Z',
    expiresAt: '2026-04-01T00:00:00.000Z',
    ...over,
  };
}

test('no grace window: active at once (grace 0 = off)', () => {
  assert.equal(pendingUntil(finding, NO_GRACE), null);
  assert.equal(pendingUntil(finding, { graceSeconds: { 'user-without-securetoken': 0 } }), null);
  assert.equal(findingState(finding, at('2026-03-01T00:00:00.000Z'), NO_GRACE, [], SERIAL), 'active');
});

test('pending while now < firstSeen + grace, active from that instant', () => {
  assert.equal(pendingUntil(finding, GRACE), '2026-03-03T00:00:00.000Z');
  assert.equal(findingState(finding, at('2026-03-02T23:59:59.999Z'), GRACE, [], SERIAL), 'pending');
  assert.equal(findingState(finding, at('2026-03-03T00:00:00.000Z'), GRACE, [], SERIAL), 'active');
});

test('exempted while a matching exemption is unexpired; active again at its expiry', () => {
  const ex = [exemption({})];
  assert.equal(findingState(finding, at('2026-03-31T23:59:59.999Z'), NO_GRACE, ex, SERIAL), 'exempted');
  assert.equal(findingState(finding, at('2026-04-01T00:00:00.000Z'), NO_GRACE, ex, SERIAL), 'active');
});

test('exemption wins over pending', () => {
  assert.equal(
    findingState(finding, at('2026-03-01T12:00:00.000Z'), GRACE, [exemption({})], SERIAL),
    'exempted',
  );
});

test('matching: device or all x rule or all x user or any', () => {
  const now = at('2026-03-10T00:00:00.000Z');
  const state = (over: Partial<Exemption>) => findingState(finding, now, NO_GRACE, [exemption(over)], SERIAL);
  assert.equal(state({ serial: null, rule: null, user: null }), 'exempted');
  assert.equal(state({ serial: null }), 'exempted');
  assert.equal(state({ rule: null }), 'exempted');
  assert.equal(state({ user: null }), 'exempted');
  assert.equal(state({ serial: 'OTHER' }), 'active');
  assert.equal(state({ rule: 'filevault-off' }), 'active');
  assert.equal(state({ user: 'alice' }), 'active');
});

test('exemptionExpiry: the latest among matching exemptions; NO_EXPIRY for none; null when none matches', () => {
  assert.equal(exemptionExpiry(finding, [], SERIAL), null);
  assert.equal(exemptionExpiry(finding, [exemption({ serial: 'OTHER' })], SERIAL), null);
  assert.equal(
    exemptionExpiry(
      finding,
      [
        exemption({ expiresAt: '2026-03-05T00:00:00Z' }),
        exemption({ id: 'ex-2', rule: null, expiresAt: '2026-03-20T02:00:00+02:00' }),
      ],
      SERIAL,
    ),
    '2026-03-20T00:00:00.000Z',
  );
  assert.equal(
    exemptionExpiry(finding, [exemption({}), exemption({ id: 'ex-2', expiresAt: null })], SERIAL),
    NO_EXPIRY,
  );
  assert.equal(
    findingState(finding, at('2099-01-01T00:00:00.000Z'), NO_GRACE, [exemption({ expiresAt: null })], SERIAL),
    'exempted',
  );
});

test('an unreadable expiry exempts nothing', () => {
  assert.equal(exemptionExpiry(finding, [exemption({ expiresAt: 'next week' })], SERIAL), null);
});

test('nextStateChange: the earliest future instant of pending end or exemption expiry', () => {
  const ex = [exemption({ expiresAt: '2026-03-02T12:00:00.000Z' })];
  assert.equal(
    nextStateChange(finding, at('2026-03-01T12:00:00.000Z'), GRACE, ex, SERIAL),
    '2026-03-02T12:00:00.000Z',
  );
  assert.equal(
    nextStateChange(finding, at('2026-03-02T13:00:00.000Z'), GRACE, ex, SERIAL),
    '2026-03-03T00:00:00.000Z',
  );
  assert.equal(nextStateChange(finding, at('2026-03-04T00:00:00.000Z'), GRACE, ex, SERIAL), null);
});

test('the stored-column form agrees with findingState at every boundary', () => {
  // What a store does: keep pending_until and exemption_expiry as ISO strings and compare them with now.
  const exemptions = [exemption({ expiresAt: '2026-03-02T06:00:00.000Z' })];
  const pendingCol = pendingUntil(finding, GRACE);
  const expiryCol = exemptionExpiry(finding, exemptions, SERIAL);
  const instants = [
    '2026-03-01T00:00:00.000Z',
    '2026-03-02T05:59:59.999Z',
    '2026-03-02T06:00:00.000Z',
    '2026-03-02T23:59:59.999Z',
    '2026-03-03T00:00:00.000Z',
  ];
  for (const iso of instants) {
    const sql =
      expiryCol !== null && iso < expiryCol
        ? 'exempted'
        : pendingCol !== null && iso < pendingCol
          ? 'pending'
          : 'active';
    assert.equal(findingState(finding, at(iso), GRACE, exemptions, SERIAL), sql, iso);
  }
});
