// The admin CLI as a real process, on the database file (--db) and through a running collector's admin API
// (--server with TOKENWATCH_ADMIN_TOKEN): the same actions, the same answers, the same lines. The collector
// is real (HTTP on port 0, a SQLite file), on the real clock so that the CLI's --db path (the system clock)
// and the server agree on every instant.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startTestCollector, snapshotFor, ADMIN_TOKEN } from '../../helpers/collector.ts';
import type { TestCollector } from '../../helpers/collector.ts';
import { systemClock } from '../../../collector/clock.ts';
import { ruleById } from '../../../collector/rules/index.ts';

const BIN = new URL('../../../bin/tokenwatch.js', import.meta.url).pathname;

let c: TestCollector;
before(async () => {
  c = await startTestCollector();
  c.clock.set(systemClock.now());
});
after(() => c.stop());

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** tokenwatch ARGS as a process (asynchronous: the collector in this process keeps answering). */
function tokenwatch(
  args: string[],
  env: Record<string, string> = { TOKENWATCH_ADMIN_TOKEN: ADMIN_TOKEN },
): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', ...env } },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The two ways in: the database file and the admin API. */
const targets = (): [string, string[]][] => [
  ['--db', ['--db', c.dbPath]],
  ['--server', ['--server', c.url]],
];

/** A Mac whose FileVault is off (one active finding). */
async function failingMac() {
  const d = await c.device();
  const r = await c.upload(
    d.token,
    snapshotFor(d.serial, d.hardwareUuid, (s) => ((s.fileVault as { state: string }).state = 'off')),
  );
  assert.equal(r.status, 200, r.text);
  return d;
}

test('devices list and show print the same lines through --db and --server, and --json the API answer', async () => {
  const d = await failingMac();
  const [db, server] = await Promise.all(
    targets().map(([, where]) => tokenwatch(['devices', 'list', ...where, '--status', 'noncompliant'])),
  );
  assert.equal(db?.code, 0, db?.stderr);
  assert.equal(server?.code, 0, server?.stderr);
  assert.equal(db?.stdout, server?.stdout);
  assert.match(db?.stdout ?? '', new RegExp(`^${d.serial}  noncompliant  .*  filevault-off$`, 'm'));

  const shows = await Promise.all(
    targets().map(([, where]) => tokenwatch(['devices', 'show', d.serial, ...where])),
  );
  assert.equal(shows[0]?.stdout, shows[1]?.stdout);
  assert.match(shows[0]?.stdout ?? '', /^status {8}noncompliant$/m);
  assert.match(shows[0]?.stdout ?? '', /^ {2}active {3}filevault-off: /m);

  const json = await tokenwatch(['devices', 'show', d.serial, '--server', c.url, '--json']);
  assert.deepEqual(JSON.parse(json.stdout), (await c.admin(`/api/v1/devices/${d.serial}`)).json);

  for (const [name, where] of targets()) {
    const missing = await tokenwatch(['devices', 'show', 'C02NOSUCH', ...where]);
    assert.equal(missing.code, 1, name);
    assert.match(missing.stderr, /^tokenwatch devices show: no device with serial C02NOSUCH/, name);
  }
});

test('exempt add, list and remove work both ways; an exempted finding shows its reason, author and expiry in the CLI and the API', async () => {
  const fileVault = async () =>
    (await c.admin('/api/v1/summary')).json.byRule.find((r: { rule: string }) => r.rule === 'filevault-off');
  for (const [name, where] of targets()) {
    const d = await failingMac();
    const before = await fileVault();
    const add = await tokenwatch([
      'exempt',
      'add',
      ...where,
      '--serial',
      d.serial,
      '--rule',
      'filevault-off',
      '--reason',
      `lab Mac (${name})`,
      '--by',
      'jane',
      '--expires',
      '30d',
    ]);
    assert.equal(add.code, 0, `${name}: ${add.stderr}`);
    assert.equal(add.stderr, '', 'a known serial needs no word');
    const id = add.stdout.trim();
    assert.match(id, /^[0-9a-f-]{36}$/);

    const detail = (await c.admin(`/api/v1/devices/${d.serial}`)).json;
    assert.equal(detail.status, 'compliant', name);
    // /summary separates the exempted from the active, per rule.
    const after = await fileVault();
    assert.deepEqual(
      { devices: after.devices, active: after.active, exempted: after.exempted },
      { devices: before.devices, active: before.active - 1, exempted: before.exempted + 1 },
      name,
    );
    const [finding] = detail.findings;
    assert.equal(finding.state, 'exempted');
    assert.equal(finding.exemption.id, id);
    assert.equal(finding.exemption.reason, `lab Mac (${name})`);
    assert.equal(finding.exemption.createdBy, 'jane');
    assert.equal(
      Date.parse(finding.exemption.expiresAt) - Date.parse(finding.firstSeen) > 29 * 86_400_000,
      true,
    );
    const page = (await c.admin(`/api/v1/devices?rule=filevault-off&limit=1000`)).json;
    assert.deepEqual(
      page.devices.find((x: { serial: string }) => x.serial === d.serial).findings[0].exemption,
      finding.exemption,
      'the list shows it too',
    );
    const show = await tokenwatch(['devices', 'show', d.serial, ...where]);
    assert.match(
      show.stdout,
      new RegExp(
        `^  exempted filevault-off: .*; exempted by jane until ${finding.exemption.expiresAt}: lab Mac \\(${name}\\)$`,
        'm',
      ),
    );

    const list = await tokenwatch(['exempt', 'list', ...where, '--serial', d.serial]);
    assert.match(
      list.stdout,
      new RegExp(
        `^${id}  ${d.serial}  filevault-off  \\(all users\\)  active  expires ${finding.exemption.expiresAt}  by jane: lab Mac`,
        'm',
      ),
    );
    const removed = await tokenwatch(['exempt', 'remove', ...where, id]);
    assert.equal(removed.stdout, `removed ${id}\n`, removed.stderr);
    assert.equal((await c.admin(`/api/v1/devices/${d.serial}`)).json.status, 'noncompliant', 'active again');
    const again = await tokenwatch(['exempt', 'remove', ...where, id]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`no exemption ${id}`));
  }
});

test('an exemption for a serial the collector has never seen is refused unless --pre-enrolled (API: preEnrolled), which says so', async () => {
  const refused = await c.admin('/api/v1/exemptions', 'POST', {
    serial: 'C02TYPO01',
    reason: 'r',
    createdBy: 'j',
  });
  assert.equal(refused.status, 404, refused.text);
  assert.equal(refused.json.error, 'device_not_found');
  assert.match(
    refused.json.message,
    /^no device with serial C02TYPO01 has enrolled: to exempt a Mac before it enrolls, say so/,
  );
  const accepted = await c.admin('/api/v1/exemptions', 'POST', {
    serial: 'C02LATER01',
    reason: 'r',
    createdBy: 'j',
    preEnrolled: true,
  });
  assert.equal(accepted.status, 201, accepted.text);
  assert.equal(accepted.json.preEnrolled, true);
  const d = await failingMac();
  const known = await c.admin('/api/v1/exemptions', 'POST', {
    serial: d.serial,
    reason: 'r',
    createdBy: 'j',
    preEnrolled: true,
  });
  assert.equal(known.json.preEnrolled, false, 'a known serial is no pre-enrolment');

  for (const [name, where] of targets()) {
    const serial = `C02TYPO${name === '--db' ? 'D' : 'S'}`;
    const typo = await tokenwatch([
      'exempt',
      'add',
      ...where,
      '--serial',
      serial,
      '--reason',
      'r',
      '--by',
      'j',
    ]);
    assert.equal(typo.code, 2, name);
    assert.equal(typo.stdout, '');
    assert.match(
      typo.stderr,
      new RegExp(`^tokenwatch exempt: no device with serial ${serial} has enrolled: .*--pre-enrolled`),
      name,
    );
    const pre = await tokenwatch([
      'exempt',
      'add',
      ...where,
      '--serial',
      serial,
      '--pre-enrolled',
      '--reason',
      'r',
      '--by',
      'j',
    ]);
    assert.equal(pre.code, 0, pre.stderr);
    assert.match(
      pre.stderr,
      new RegExp(
        `^tokenwatch exempt add: ${serial} has not enrolled yet: the exemption waits for it \\(pre-enrolled\\)$`,
        'm',
      ),
    );
  }
  const list = (await c.admin('/api/v1/exemptions')).json as { serial: string | null }[];
  assert.ok(!list.some((e) => e.serial === 'C02TYPO01'), 'the refused one was not written');
});

test('retire (both ways): out of every count, list and summary, its history kept, its token revoked; shown on request; enrolling again un-retires it', async () => {
  for (const [name, where] of targets()) {
    const d = await failingMac();
    const summaryBefore = (await c.admin('/api/v1/summary')).json;
    const retire = await tokenwatch([
      'devices',
      'retire',
      d.serial,
      ...where,
      '--reason',
      'sold to staff',
      '--by',
      'jane',
    ]);
    assert.equal(retire.code, 0, `${name}: ${retire.stderr}`);
    assert.match(retire.stdout, new RegExp(`^retired ${d.serial}: out of the fleet's counts and reports`));

    const summary = (await c.admin('/api/v1/summary')).json;
    assert.equal(summary.devices, summaryBefore.devices - 1, name);
    assert.equal(summary.byStatus.noncompliant, summaryBefore.byStatus.noncompliant - 1);
    const fv = (s: { byRule: { rule: string; devices: number }[] }) =>
      s.byRule.find((r) => r.rule === 'filevault-off')?.devices ?? 0;
    assert.equal(fv(summary), fv(summaryBefore) - 1);
    const listed = (await c.admin('/api/v1/devices?limit=1000')).json.devices.map(
      (x: { serial: string }) => x.serial,
    );
    assert.ok(!listed.includes(d.serial), 'not in the fleet list');
    const retiredPage = (await c.admin('/api/v1/devices?retired=only&limit=1000')).json.devices;
    const shown = retiredPage.find((x: { serial: string }) => x.serial === d.serial);
    assert.deepEqual(
      { ...shown.retired, at: undefined },
      { at: undefined, by: 'jane', reason: 'sold to staff' },
    );
    const detail = (await c.admin(`/api/v1/devices/${d.serial}`)).json;
    assert.equal(detail.history.length, 1, 'its history is kept');
    assert.equal(detail.findings[0].rule, 'filevault-off', 'its findings are kept');
    assert.notEqual(detail.revokedAt, null);
    const cliList = await tokenwatch(['devices', 'list', ...where]);
    assert.ok(!cliList.stdout.includes(d.serial), name);
    const cliRetired = await tokenwatch(['devices', 'list', ...where, '--retired', 'only']);
    assert.match(
      cliRetired.stdout,
      new RegExp(`^${d.serial}  .*  RETIRED \\S+ by jane: sold to staff$`, 'm'),
    );

    // Its token no longer works (on the file: once a running collector's cache forgets it, within a
    // minute); a second retirement changes nothing and says so.
    if (name === '--db') c.advanceMonotonic(61_000);
    const upload = await c.upload(d.token, snapshotFor(d.serial, d.hardwareUuid));
    assert.equal(upload.status, 401);
    const twice = await tokenwatch(['devices', 'retire', d.serial, ...where, '--reason', 'again']);
    assert.equal(twice.code, 0);
    assert.match(twice.stderr, /was already retired .* by jane\); nothing changed/);
    assert.equal((await c.admin(`/api/v1/devices/${d.serial}`)).json.retired.reason, 'sold to staff');

    // The Mac comes back: enrolling again un-retires it, and the audit says what happened.
    const back = await c.enroll(d.serial, d.hardwareUuid);
    assert.equal(back.status, 200, JSON.stringify(back.json));
    assert.equal((await c.admin(`/api/v1/devices/${d.serial}`)).json.retired, null);
    assert.equal((await c.admin('/api/v1/summary')).json.devices, summaryBefore.devices);
    const audit = (await c.admin(`/api/v1/enrollments?serial=${d.serial}`)).json.enrollments.map(
      (e: { outcome: string }) => e.outcome,
    );
    assert.deepEqual(audit.slice(0, 2), ['reenrolled_retired', 'retired']);
  }
  const missing = await c.admin('/api/v1/devices/C02NOSUCH/retire', 'POST', { reason: 'x' });
  assert.equal(missing.status, 404);
  const noReason = await c.admin(`/api/v1/devices/C02NOSUCH/retire`, 'POST', {});
  assert.equal(noReason.json.message, 'body/reason is required');
});

test('revoke works both ways and answers the device', async () => {
  for (const [name, where] of targets()) {
    const d = await failingMac();
    const r = await tokenwatch(['devices', 'revoke', d.serial, ...where]);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.equal(
      r.stdout,
      `revoked the token of ${d.serial}: ${name === '--db' ? 'a running collector refuses its token within a minute' : 'its token stops working now'}; the Mac may enroll again\n`,
    );
    if (name === '--db') {
      assert.equal((await c.upload(d.token, snapshotFor(d.serial, d.hardwareUuid))).status, 200, 'cached');
      c.advanceMonotonic(61_000);
    }
    assert.equal((await c.upload(d.token, snapshotFor(d.serial, d.hardwareUuid))).status, 401, name);
    assert.notEqual((await c.admin(`/api/v1/devices/${d.serial}`)).json.revokedAt, null);
  }
});

test('the CLI says in one line what is wrong with its way in: no target, both, no token, a wrong token, no collector', async () => {
  const cases: [string[], Record<string, string>, number, RegExp][] = [
    [
      ['devices', 'list'],
      {},
      2,
      /^tokenwatch devices list: give --db FILE \(or TOKENWATCH_DB\), --database-url URL \(or TOKENWATCH_DATABASE_URL\) or --server URL/,
    ],
    [
      ['devices', 'list', '--db', c.dbPath, '--server', c.url],
      { TOKENWATCH_ADMIN_TOKEN: ADMIN_TOKEN },
      2,
      /give --db FILE \(or --database-url URL\) or --server URL, not both/,
    ],
    [
      ['devices', 'list', '--server', c.url],
      {},
      2,
      /--server needs the admin token in TOKENWATCH_ADMIN_TOKEN/,
    ],
    [
      ['devices', 'list', '--server', 'collector:8443'],
      { TOKENWATCH_ADMIN_TOKEN: ADMIN_TOKEN },
      2,
      /is not an http:\/\/ or https:\/\/ URL/,
    ],
    [
      ['devices', 'list', '--server', c.url],
      { TOKENWATCH_ADMIN_TOKEN: 'x'.repeat(40) },
      1,
      /refused the admin token: .*TOKENWATCH_ADMIN_TOKEN must be the collector's own/,
    ],
    [
      ['exempt', 'list', '--server', 'http://127.0.0.1:1'],
      { TOKENWATCH_ADMIN_TOKEN: ADMIN_TOKEN },
      1,
      /^tokenwatch exempt: cannot reach the collector at http:\/\/127\.0\.0\.1:1/,
    ],
    [['devices', 'retire', 'C02X', '--db', c.dbPath], {}, 2, /--reason TEXT is required/],
    [
      ['devices', 'list', '--db', c.dbPath, '--status', 'stale'],
      {},
      2,
      /--status must be one of compliant, noncompliant, unknown/,
    ],
    [
      ['devices', 'frobnicate', '--db', c.dbPath],
      {},
      2,
      /unknown action "frobnicate" \(list, show, revoke, retire\)/,
    ],
  ];
  for (const [args, env, code, message] of cases) {
    const r = await tokenwatch(args, env);
    assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  }
});

test("the stale rule's remediation says how to retire, and the command it gives works as written", async () => {
  const remediation = ruleById('stale').remediation;
  const command = /`(tokenwatch devices retire [^`]+)`/.exec(remediation)?.[1];
  assert.ok(command, remediation);
  const d = await failingMac();
  const args = command
    .split(' ')
    .slice(1)
    .map((w) => ({ SERIAL: d.serial, TEXT: 'gone', URL: c.url })[w] ?? w);
  const r = await tokenwatch(args);
  assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
  assert.equal((await c.admin(`/api/v1/devices/${d.serial}`)).json.retired.reason, 'gone');
  assert.match(remediation, /POST \/api\/v1\/devices\/\{serial\}\/retire/);
});
