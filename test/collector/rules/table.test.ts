import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RULES, RULE_IDS, SEVERITIES, ruleById } from '../../../collector/rules/index.ts';

test('every rule id has exactly one row in RULES, in RULE_IDS order', () => {
  assert.deepEqual(
    RULES.map((r) => r.id),
    [...RULE_IDS],
  );
  for (const id of RULE_IDS) assert.equal(RULES.filter((r) => r.id === id).length, 1, id);
});

test('every row has a title, a known severity and a non-empty remediation', () => {
  for (const r of RULES) {
    assert.ok(r.title.trim().length > 0, r.id);
    assert.ok(SEVERITIES.includes(r.severity), r.id);
    assert.ok(r.remediation.trim().length > 40, `${r.id}: remediation too short`);
  }
});

test('the severity column', () => {
  assert.deepEqual(Object.fromEntries(RULES.map((r) => [r.id, r.severity])), {
    'bootstrap-not-escrowed': 'high',
    'bootstrap-unsupported': 'high',
    'bootstrap-key-missing': 'high',
    'bootstrap-unusable': 'high',
    'user-without-securetoken': 'high',
    'no-securetoken-holder': 'critical',
    'no-securetoken-admin': 'high',
    'no-volume-owner': 'critical',
    'filevault-off': 'critical',
    'filevault-no-recovery-key': 'high',
    'filevault-key-not-escrowable': 'medium',
    'filevault-key-record-on-disk': 'high',
    'mdm-not-enrolled': 'high',
    'mdm-not-user-approved': 'medium',
    stale: 'medium',
    'platform-sso-not-registered': 'low',
    'collection-incomplete': 'info',
  });
});

test('only platform-sso-not-registered and collection-incomplete are informational', () => {
  assert.deepEqual(
    RULES.filter((r) => r.informational).map((r) => r.id),
    ['platform-sso-not-registered', 'collection-incomplete'],
  );
});

test('remediations name the documented commands', () => {
  const text = (id: (typeof RULE_IDS)[number]) => ruleById(id).remediation;
  assert.match(text('bootstrap-not-escrowed'), /sudo profiles install -type bootstraptoken/);
  assert.match(
    text('user-without-securetoken'),
    /sysadminctl -secureTokenOn USER -password - -adminUser ADMIN -adminPassword -/,
  );
  assert.match(text('user-without-securetoken'), /diskutil apfs updatePreboot \//);
  assert.match(text('filevault-off'), /sudo fdesetup enable/);
  assert.match(text('filevault-no-recovery-key'), /fdesetup changerecovery -personal/);
  assert.match(text('mdm-not-enrolled'), /sudo profiles renew -type enrollment/);
  assert.match(text('no-securetoken-admin'), /dsmemberutil checkmembership -U USER -G admin/);
  assert.match(text('filevault-key-not-escrowable'), /com\.apple\.security\.FDERecoveryKeyEscrow/);
  assert.match(text('filevault-key-record-on-disk'), /sudo rm PATH/);
  assert.match(text('platform-sso-not-registered'), /app-sso platform -s/);
  assert.match(text('mdm-not-user-approved'), /System Settings > Privacy & Security > Profiles/);
});

test('ruleById', () => {
  assert.equal(ruleById('stale').id, 'stale');
  assert.equal(ruleById('no-such-rule'), undefined);
});

test("the README's rule table is the rule table", async () => {
  const { readFile } = await import('node:fs/promises');
  const readme = await readFile(new URL('../../../collector/rules/README.md', import.meta.url), 'utf8');
  // Cells of the rows that start with a rule id (prettier may pad the columns).
  const rows = readme
    .split('\n')
    .filter((l) => /^\| `[a-z-]+` +\|/.test(l))
    .map((l) =>
      l
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  assert.deepEqual(
    rows,
    RULES.map((r) => [`\`${r.id}\``, r.severity, r.title]),
  );
});
