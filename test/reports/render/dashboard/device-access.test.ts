// The device page's access sections from the read model's views (the unlock matrix, the update verdict,
// the incidents) and the crypto users from the snapshot: what they show, what they say when the collector
// does not compute a part, and a Mac's hostile names as text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  accessOfDetail,
  cryptoUsersOf,
  cryptoUsersSection,
  incidentsSection,
  unlockSection,
  updateSection,
} from '../../../../reports/render/dashboard/device-access.ts';
import type { DeviceAccess, UnlockUser } from '../../../../reports/render/dashboard/device-access.ts';
import { compliantSnapshot } from '../../../collector/rules/compliant-snapshot.ts';
import { HOSTILE, assertNoUnsafe } from '../../../helpers/hostile-strings.ts';
import { escapeText } from '../../../../reports/render/html/escape.ts';

const NOW = new Date('2026-03-02T12:00:00.000Z');

const person = (name: string, o: Partial<UnlockUser> = {}): UnlockUser => ({
  name,
  uid: 501,
  secureToken: false,
  volumeOwner: false,
  fileVault: false,
  admin: false,
  accountType: 'local',
  consoleUser: false,
  disabled: false,
  excluded: false,
  ...o,
});

const ACCESS: DeviceAccess = {
  unlock: {
    person: 'bob',
    personSource: 'console',
    onlyOthersCanUnlock: true,
    reason: 'bob uses this Mac but holds no SecureToken: only itadmin can unlock the disk',
  },
  unlockMatrix: {
    users: [
      person('itadmin', { uid: 502, secureToken: true, volumeOwner: true, fileVault: true, admin: true }),
      person('bob', { consoleUser: true, accountType: 'mobile', fileVault: null }),
    ],
    cryptoUsers: [
      {
        kind: 'mdm_bootstrap_token',
        uuid: '2457711A-523C-4604-B75A-F48A571D5036',
        type: 'MDM Bootstrap Token External Key',
        volumeOwner: true,
      },
    ],
  },
  mdmUpdate: { verdict: 'no', reason: 'the Bootstrap Token is not escrowed' },
  incidents: [
    {
      id: 'i1',
      rule: 'user-without-securetoken',
      user: 'bob',
      state: 'open',
      severity: 'high',
      failingSince: '2026-02-28T12:00:00.000Z',
      openedAt: '2026-02-28T13:00:00.000Z',
      resolvedAt: null,
      reason: 'bob has no SecureToken',
    },
  ],
};

const rowOf = (html: string, name: string) =>
  html.split('<tr>').find((r) => r.startsWith(`<td>${name}`)) ?? '';
const marks = (row: string) => [...row.matchAll(/class="mark-(yes|no|unknown)"/g)].map((m) => m[1]);

test('the unlock matrix: one row per user with each capability, the person marked, the keys that are not people beside', () => {
  const html = unlockSection(ACCESS).toString();
  assert.match(
    html,
    /<p class="alert" id="unlock-glance">Only others can unlock this Mac: bob uses this Mac/,
  );
  assert.deepEqual(marks(rowOf(html, 'itadmin')), ['yes', 'yes', 'yes', 'yes']);
  const bob = rowOf(html, 'bob');
  assert.deepEqual(marks(bob), ['no', 'no', 'unknown', 'no'], 'SecureToken, owner, FileVault, admin');
  assert.match(bob, /uses this Mac/);
  assert.match(bob, /mobile \(directory\)/);
  assert.match(html, /<table class="data" id="unlock-keys">.*mdm_bootstrap_token/);
});

test('the update verdict with its reason; yes has none; Intel is not applicable', () => {
  assert.match(
    updateSection(ACCESS).toString(),
    /<span class="badge no">no<\/span><\/p><p>the Bootstrap Token is not escrowed<\/p>/,
  );
  const yes = updateSection({ mdmUpdate: { verdict: 'yes', reason: null } }).toString();
  assert.match(yes, /<span class="badge yes">yes<\/span><\/p><p class="note">/);
  assert.match(
    updateSection({ mdmUpdate: { verdict: 'not_applicable', reason: null } }).toString(),
    /not applicable \(Intel\)/,
  );
});

test('a part the collector does not compute says so; a device without a snapshot says that instead', () => {
  assert.match(unlockSection({}).toString(), /does not compute the unlock matrix yet/);
  assert.match(updateSection({}).toString(), /does not compute the update verdict yet/);
  assert.equal(incidentsSection({}, NOW).toString(), '', 'no alerting: no section');
  assert.match(incidentsSection({ incidents: [] }, NOW).toString(), /None\./);
  assert.match(unlockSection({ unlockMatrix: null }).toString(), /No snapshot of its users yet/);
  assert.match(updateSection({ mdmUpdate: null }).toString(), /No snapshot yet/);
});

test('incidents: rule, user, state and failing since with its age', () => {
  const html = incidentsSection(ACCESS, NOW).toString();
  assert.match(
    html,
    /<td>user-without-securetoken<\/td><td>bob<\/td><td><span class="badge no">open<\/span>/,
  );
  assert.match(html, /2026-02-28 12:00 UTC<\/time> <span class="note">\(2 d\)/);
});

test('crypto users from the snapshot: every entry that fits the contract; the others counted, never shown', () => {
  const s = compliantSnapshot() as unknown as Record<string, unknown>;
  const all = cryptoUsersOf(s);
  assert.ok(all && all.users.length >= 2 && all.unreadable === 0);
  const odd = { ...s, cryptoUsers: [...(s['cryptoUsers'] as unknown[]), { kind: 'wizard', uuid: 1 }, null] };
  const html = cryptoUsersSection(odd).toString();
  assert.match(html, /<td>mdm_bootstrap_token<\/td>/);
  assert.match(html, /2 stored entries do not fit the snapshot contract and are not shown/);
  assert.ok(!html.includes('wizard'));
  assert.match(cryptoUsersSection(null).toString(), /No snapshot of the volume yet/);
  assert.match(cryptoUsersSection({ cryptoUsers: [] }).toString(), /reported no crypto users/);
});

const accessOf = (t: string): DeviceAccess => ({
  unlock: { person: t, personSource: 'console', onlyOthersCanUnlock: true, reason: t },
  unlockMatrix: {
    users: [person(t, { consoleUser: true })],
    cryptoUsers: [{ kind: t, uuid: t, type: t, volumeOwner: null }],
  },
  mdmUpdate: { verdict: 'no', reason: t },
  incidents: (ACCESS.incidents ?? []).map((i) => ({ ...i, user: t, reason: t })),
});
const sections = (a: DeviceAccess) =>
  [unlockSection(a), updateSection(a), incidentsSection(a, NOW)].map(String).join('');
const tags = (html: string) => html.match(/<\/?[a-z]+/g) ?? [];

test('the hostile corpus as user names, reasons and key kinds: shown as text, never markup', () => {
  const plain = tags(sections(accessOf('x')));
  assert.ok(plain.length > 50);
  for (const h of HOSTILE) {
    const html = sections(accessOf(h.text));
    assertNoUnsafe(html, h.id);
    assert.ok(html.includes(escapeText(h.text)), `${h.id}: shown as text`);
    assert.deepEqual(tags(html), plain, `${h.id}: no element added, closed or changed`);
  }
});

test("a device view's own access parts are taken as they are; parts it lacks stay absent (not computed)", () => {
  const { unlock, unlockMatrix, mdmUpdate } = ACCESS;
  assert.deepEqual(accessOfDetail({ serial: 'X', unlock, unlockMatrix, mdmUpdate }), {
    unlock,
    unlockMatrix,
    mdmUpdate,
  });
  assert.deepEqual(accessOfDetail({ serial: 'X', unlockMatrix: null, mdmUpdate: null }), {
    unlockMatrix: null,
    mdmUpdate: null,
  });
  assert.deepEqual(accessOfDetail({ serial: 'X' }), {});
});
