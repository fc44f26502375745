import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  NO_EXPIRY,
  activeFrom,
  exemptionExpiry,
  exemptionFor,
  exemptionInForce,
  findingState,
  pendingUntil,
} from '../../../collector/rules/index.ts';
import type { Exemption, FindingTimes, RuleConfig } from '../../../collector/rules/index.ts';

const SERIAL = 'C02XK1ABJGH5';
const at = (iso: string) => Date.parse(iso);
const FIRST_SEEN = at('2026-03-01T00:00:00.000Z');
const GRACE: RuleConfig = {
  staleAfterSeconds: 86400,
  graceSeconds: { 'user-without-securetoken': 2 * 86400 },
};
const NO_GRACE: RuleConfig = { staleAfterSeconds: 86400, graceSeconds: {} };
/** bob's finding, first seen FIRST_SEEN, with the grace window of `config`. */
const finding = (config: RuleConfig): FindingTimes => {
  const f = { rule: 'user-without-securetoken' as const, user: 'bob', firstSeen: FIRST_SEEN };
  return { ...f, pendingUntil: pendingUntil(f, config) };
};

function exemption(over: Partial<Exemption>): Exemption {
  return {
    id: 'ex-1',
    serial: SERIAL,
    rule: 'user-without-securetoken',
    user: 'bob',
    reason: 'bob is a kiosk account, token not needed',
    createdBy: 'jdoe',
    createdAt: at('2026-03-01T09:00:00.000Z'),
    expiresAt: at('2026-04-01T00:00:00.000Z'),
    ...over,
  };
}

test('no grace window: active at once (grace 0 = off)', () => {
  assert.equal(finding(NO_GRACE).pendingUntil, null);
  assert.equal(pendingUntil(finding(NO_GRACE), { graceSeconds: { 'user-without-securetoken': 0 } }), null);
  assert.equal(findingState(finding(NO_GRACE), FIRST_SEEN, [], SERIAL), 'active');
});

test('pending while now < firstSeen + grace, active from that instant', () => {
  assert.equal(finding(GRACE).pendingUntil, at('2026-03-03T00:00:00.000Z'));
  assert.equal(findingState(finding(GRACE), at('2026-03-02T23:59:59.999Z'), [], SERIAL), 'pending');
  assert.equal(findingState(finding(GRACE), at('2026-03-03T00:00:00.000Z'), [], SERIAL), 'active');
});

test('exempted while a matching exemption is unexpired; active again at its expiry', () => {
  const ex = [exemption({})];
  assert.equal(findingState(finding(NO_GRACE), at('2026-03-31T23:59:59.999Z'), ex, SERIAL), 'exempted');
  assert.equal(findingState(finding(NO_GRACE), at('2026-04-01T00:00:00.000Z'), ex, SERIAL), 'active');
});

test("an exemption is in force until its expiry, excluded; without one, for good (the API's active flag)", () => {
  const expiry = at('2026-04-01T00:00:00.000Z');
  assert.equal(exemptionInForce(exemption({}), expiry - 1), true);
  assert.equal(exemptionInForce(exemption({}), expiry), false);
  assert.equal(exemptionInForce(exemption({ expiresAt: null }), at('2099-01-01T00:00:00.000Z')), true);
});

test('exemption wins over pending', () => {
  assert.equal(
    findingState(finding(GRACE), at('2026-03-01T12:00:00.000Z'), [exemption({})], SERIAL),
    'exempted',
  );
});

test('matching: device or all x rule or all x user or any', () => {
  const now = at('2026-03-10T00:00:00.000Z');
  const state = (over: Partial<Exemption>) => findingState(finding(NO_GRACE), now, [exemption(over)], SERIAL);
  assert.equal(state({ serial: null, rule: null, user: null }), 'exempted');
  assert.equal(state({ serial: null }), 'exempted');
  assert.equal(state({ rule: null }), 'exempted');
  assert.equal(state({ user: null }), 'exempted');
  assert.equal(state({ serial: 'OTHER' }), 'active');
  assert.equal(state({ rule: 'filevault-off' }), 'active');
  assert.equal(state({ user: 'alice' }), 'active');
});

test('exemptionExpiry: the latest among matching exemptions; NO_EXPIRY for none; null when none matches', () => {
  const f = finding(NO_GRACE);
  assert.equal(exemptionExpiry(f, [], SERIAL), null);
  assert.equal(exemptionExpiry(f, [exemption({ serial: 'OTHER' })], SERIAL), null);
  assert.equal(
    exemptionExpiry(
      f,
      [
        exemption({ expiresAt: at('2026-03-05T00:00:00Z') }),
        exemption({ id: 'ex-2', rule: null, expiresAt: at('2026-03-20T00:00:00Z') }),
      ],
      SERIAL,
    ),
    at('2026-03-20T00:00:00.000Z'),
  );
  assert.equal(
    exemptionExpiry(f, [exemption({}), exemption({ id: 'ex-2', expiresAt: null })], SERIAL),
    NO_EXPIRY,
  );
  assert.equal(
    findingState(f, at('2099-01-01T00:00:00.000Z'), [exemption({ expiresAt: null })], SERIAL),
    'exempted',
  );
});

test('activeFrom: the first instant findingState says active, at every boundary of grace and expiry', () => {
  const cases: [string, FindingTimes, Exemption[], number | null][] = [
    ['no grace, no exemption: firstSeen', finding(NO_GRACE), [], FIRST_SEEN],
    ['grace: its end', finding(GRACE), [], at('2026-03-03T00:00:00.000Z')],
    [
      'an exemption beyond the grace: its expiry',
      finding(GRACE),
      [exemption({})],
      at('2026-04-01T00:00:00Z'),
    ],
    [
      'an exemption inside the grace: the grace',
      finding(GRACE),
      [exemption({ expiresAt: at('2026-03-02T06:00:00Z') })],
      at('2026-03-03T00:00:00.000Z'),
    ],
    [
      'an expired exemption: firstSeen',
      finding(NO_GRACE),
      [exemption({ expiresAt: FIRST_SEEN - 1 })],
      FIRST_SEEN,
    ],
    ['an exemption without expiry: never', finding(GRACE), [exemption({ expiresAt: null })], null],
    [
      'an exemption of another user: firstSeen',
      finding(NO_GRACE),
      [exemption({ user: 'alice' })],
      FIRST_SEEN,
    ],
  ];
  for (const [label, f, exemptions, expected] of cases) {
    const from = activeFrom(f, exemptions, SERIAL);
    assert.equal(from, expected, label);
    if (from === null) continue;
    // Active from that instant on, never active between firstSeen and it.
    for (const t of [from, from + 1, from + 86_400_000])
      assert.equal(findingState(f, t, exemptions, SERIAL), 'active');
    for (const t of [FIRST_SEEN, from - 1].filter((x) => x >= FIRST_SEEN && x < from))
      assert.notEqual(findingState(f, t, exemptions, SERIAL), 'active', `${label} at ${t}`);
  }
});

test('exemptionFor: the exemption that exempts a finding now is the longest-running one in force; none when none is', () => {
  const e = (id: string, over: Partial<Exemption>): Exemption => ({
    id,
    serial: null,
    rule: 'filevault-off',
    user: null,
    reason: id,
    createdBy: 'jane',
    createdAt: 0,
    expiresAt: null,
    ...over,
  });
  const finding = { rule: 'filevault-off' as const, user: null };
  const soon = e('soon', { expiresAt: 2_000 });
  const later = e('later', { expiresAt: 5_000 });
  const other = e('other', { rule: 'stale', expiresAt: null });
  const mine = e('mine', { serial: 'S1', expiresAt: 3_000 });
  assert.equal(exemptionFor(finding, 1_000, [soon, later, other], 'S1'), later);
  assert.equal(exemptionFor(finding, 1_000, [soon, mine], 'S1'), mine);
  assert.equal(exemptionFor(finding, 1_000, [soon, mine], 'S2'), soon, "another device's is not its");
  assert.equal(exemptionFor(finding, 4_000, [soon, mine, later], 'S1'), later);
  assert.equal(exemptionFor(finding, 5_000, [soon, later], 'S1'), null, 'expired at its expiry');
  assert.equal(exemptionFor(finding, 1_000, [later, e('forever', {})], 'S1')?.id, 'forever');
  for (const now of [1_000, 4_000, 5_000])
    assert.equal(
      findingState({ ...finding, pendingUntil: null }, now, [soon, later], 'S1') === 'exempted',
      exemptionFor(finding, now, [soon, later], 'S1') !== null,
    );
});
