// Every admin answer is what the read model built, field for field: the response schemas Fastify
// serialises with (collector/services/views.ts) drop nothing, and each answer fits its declaration (what
// the reports' client checks). The device page is a full one: findings active, pending, exempted,
// unconfirmed and resolved, history with changes and clock skew, problems, an identity conflict, a revocation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { Compile } from 'typebox/compile';
import type { TSchema } from 'typebox';
import { startTestCollector, snapshotFor } from '../../helpers/collector.ts';
import { fv, userNamed } from '../rules/compliant-snapshot.ts';
import type { Snapshot } from '../../../agent/snapshot/index.ts';
import type { TestCollector } from '../../helpers/collector.ts';
import { openSqliteStore } from '../../../collector/store/sqlite/index.ts';
import { createReadModel } from '../../../collector/services/read-model.ts';
import { ruleConfig } from '../../../collector/services/evaluation.ts';
import {
  DeviceDetail,
  DevicePage,
  EnrollmentPage,
  ErrorBody,
  ExemptionList,
  IdentityConflictPage,
  IdentityConflictView,
  RuleList,
  Summary,
} from '../../../collector/services/views.ts';

let c: TestCollector;
before(async () => {
  c = await startTestCollector({ graceSeconds: 'user-without-securetoken=3600' });
});
after(() => c.stop());

/** Round-trip through JSON: what any correct serialiser would send. */
const asJson = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

function fits(schema: TSchema, value: unknown, what: string): void {
  const check = Compile(schema);
  assert.ok(check.Check(value), `${what}: ${JSON.stringify(check.Errors(value)[0])}`);
}

test("the admin answers are the read model's, every field, and fit their declarations", async () => {
  const t0 = c.clock.now().getTime();
  const at = (ms: number) => new Date(t0 + ms).toISOString();
  const a = await c.device();
  const b = await c.device();
  await c.upload(
    a.token,
    snapshotFor(a.serial, a.hardwareUuid, (s) => void (s.collectedAt = at(0))),
  );
  c.clock.set(new Date(t0 + 60_000));
  // Dated an hour ahead of the collector: clock skew.
  await c.upload(
    a.token,
    snapshotFor(a.serial, a.hardwareUuid, (s) => {
      s.collectedAt = at(3_660_000);
      s.consoleUser = 'alice';
    }),
  );
  const failing = (s: Snapshot) => {
    s.bootstrapToken.escrowed = false;
    s.fileVault.personalRecoveryKey = false;
    s.fileVault.institutionalRecoveryKey = false;
    userNamed(s, 'bob').secureToken = false;
  };
  await c.upload(
    b.token,
    snapshotFor(b.serial, b.hardwareUuid, (s) => ((s.collectedAt = at(60_000)), failing(s))),
  );
  for (const body of [
    {
      serial: b.serial,
      rule: 'filevault-off',
      reason: 'waiting for MDM',
      createdBy: 'jdoe',
      expires: '30d',
    },
    { rule: 'stale', reason: 'fleet-wide', createdBy: 'jdoe', expires: '2d' },
  ])
    assert.equal((await c.admin('/api/v1/exemptions', 'POST', body)).status, 201);
  c.clock.set(new Date(t0 + 120_000));
  // Escrow now unknown (kept open, unconfirmed), FileVault off (exempted; its recovery-key finding resolved),
  // the user still without a token (pending in its grace window).
  await c.upload(
    b.token,
    snapshotFor(b.serial, b.hardwareUuid, (s) => {
      failing(s);
      s.collectedAt = at(120_000);
      s.bootstrapToken.escrowed = null;
      s.fileVault.state = fv('off');
      s.errors.push({ probe: 'profiles_bootstrap', kind: 'timeout', message: 'timed out after 15000 ms' });
    }),
  );
  // The other Mac's hardware UUID claimed with its serial: an identity conflict.
  assert.equal((await c.enroll(b.serial, '44444444-4444-4444-4444-444444444444')).status, 409);
  // A stored value no instant: a problem on the device page.
  const db = new Database(c.dbPath);
  db.prepare(
    `INSERT INTO snapshot_history (device_id, snapshot_id, digest, collected_at, received_at, encoding, body)
     SELECT id, 'odd', ?, 'soon', ?, 'zstd', X'7B7D' FROM devices WHERE serial = ?`,
  ).run('9'.repeat(64), t0 + 90_000, b.serial);
  db.close();
  c.clock.set(new Date(t0 + 30 * 60_000));
  assert.equal((await c.admin(`/api/v1/devices/${a.serial}/revoke`, 'POST')).status, 200);

  const now = c.clock.now();
  const store = openSqliteStore(c.dbPath);
  try {
    const model = createReadModel(store, ruleConfig(c.config));
    const detail = await model.device(b.serial, now);
    assert.ok(detail);
    for (const [field, n] of [
      ['findings', 2],
      ['unconfirmedFindings', 1],
      ['resolvedFindings', 1],
      ['problems', 1],
    ] as const)
      assert.ok(detail[field].length >= n, `${field}: ${JSON.stringify(detail[field])}`);
    assert.deepEqual(
      new Set(detail.findings.map((f) => f.state)),
      new Set(['pending', 'exempted', 'active']),
      JSON.stringify(detail.findings),
    );
    assert.equal(detail.identityConflict, true);
    assert.ok(detail.history.some((h) => h.changes.length > 0));
    const answers: [string, unknown, TSchema][] = [
      [`/api/v1/devices/${b.serial}`, detail, DeviceDetail],
      [`/api/v1/devices/${a.serial}`, await model.device(a.serial, now), DeviceDetail],
      ['/api/v1/devices', await model.listDevices({}, { limit: 100 }, now), DevicePage],
      ['/api/v1/devices?limit=1', await model.listDevices({}, { limit: 1 }, now), DevicePage],
      ['/api/v1/summary', await model.summary(now), Summary],
      ['/api/v1/rules', model.rules(), RuleList],
      ['/api/v1/exemptions', await model.exemptions(now), ExemptionList],
      ['/api/v1/enrollments', await model.enrollments({ limit: 100 }), EnrollmentPage],
      ['/api/v1/identity-conflicts', await model.identityConflicts({ limit: 100 }), IdentityConflictPage],
      [
        '/api/v1/identity-conflicts/1',
        (await model.identityConflicts({ limit: 1 })).conflicts[0],
        IdentityConflictView,
      ],
    ];
    for (const [path, built, schema] of answers) {
      const r = await c.admin(path);
      assert.equal(r.status, 200, `${path}: ${r.text}`);
      assert.deepEqual(r.json, asJson(built), path);
      fits(schema, r.json, path);
    }
    assert.equal((await c.admin('/api/v1/devices/C02NOSUCH')).status, 404);
    fits(ErrorBody, (await c.admin('/api/v1/devices/C02NOSUCH')).json, 'a 404');
    const revoked = await model.device(a.serial, now);
    assert.equal(revoked?.revokedAt, now.toISOString());
    assert.ok(revoked?.clockSkewSeconds !== null, 'the skew of the upload dated ahead');
  } finally {
    await store.close();
  }
});
