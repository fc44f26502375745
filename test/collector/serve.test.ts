// `tokenwatch serve` as a real child process: config from env + flags, enroll, upload, a rejected upload,
// the admin read, `tokenwatch config` with sources and masked secrets, `tokenwatch exempt` on the same db.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { compliantSnapshot } from './rules/compliant-snapshot.ts';

const BIN = new URL('../../bin/tokenwatch.js', import.meta.url).pathname;

test('tokenwatch serve: a real process serving real HTTP on a real SQLite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-serve-'));
  const db = join(dir, 'c.db');
  const env = {
    ...process.env,
    TOKENWATCH_ADMIN_TOKEN: 'adm-secret-123-for-the-serve-test-0123456789',
    TOKENWATCH_ENROLL_SECRET: 'enr-secret-456',
    TOKENWATCH_LOG_LEVEL: 'info',
  };
  const child = spawn(process.execPath, [BIN, 'serve', '--db', db, '--host', '127.0.0.1', '--port', '0'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no listening line: ${out} ${err}`)), 60_000);
      child.stdout.on('data', () => {
        const m = /listening on (http:\/\/[\d.:]+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
      });
    });
    const post = (path: string, body: unknown, token?: string) =>
      fetch(url + path, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        body: JSON.stringify(body),
      });
    const serial = 'C02SERVE0001';
    const hardwareUuid = randomUUID().toUpperCase();
    const enroll = await post('/api/v1/enroll', { enrollSecret: 'enr-secret-456', serial, hardwareUuid });
    assert.equal(enroll.status, 200);
    const { deviceToken } = (await enroll.json()) as { deviceToken: string };
    const s = compliantSnapshot();
    s.id = randomUUID();
    s.device.serial = serial;
    s.device.hardwareUuid = hardwareUuid;
    const up = await post('/api/v1/snapshots', s, deviceToken);
    assert.equal(up.status, 200);
    const bad = await post(
      '/api/v1/snapshots',
      { ...s, id: randomUUID(), mdm: { ...s.mdm, enrolled: 'true' } },
      deviceToken,
    );
    assert.equal(bad.status, 400);
    const badBody = (await bad.json()) as { error: string; message: string };
    assert.equal(badBody.error, 'invalid_body');
    assert.match(badBody.message, /^body\/mdm\/enrolled must be boolean/);
    const dev = await fetch(`${url}/api/v1/devices/${serial}`, {
      headers: { authorization: 'Bearer adm-secret-123-for-the-serve-test-0123456789' },
    });
    assert.equal(dev.status, 200);
    assert.equal(((await dev.json()) as { status: string }).status, 'compliant');
    const health = await fetch(`${url}/healthz`);
    assert.deepEqual(await health.json(), {
      status: 'ok',
      devices: 1,
      database: { backend: 'sqlite', state: 'ready', detail: null },
    });
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), {
      ready: true,
      database: { backend: 'sqlite', state: 'ready', detail: null },
    });
    // The CLI works on the same database while the server runs (WAL).
    const id = execFileSync(
      process.execPath,
      [
        BIN,
        'exempt',
        'add',
        '--db',
        db,
        '--serial',
        serial,
        '--rule',
        'filevault-off',
        '--reason',
        'lab Mac',
        '--by',
        'jane',
        '--expires',
        '30d',
      ],
      { env },
    )
      .toString()
      .trim();
    assert.match(id, /^[0-9a-f-]{36}$/);
    const listed = execFileSync(process.execPath, [BIN, 'exempt', 'list', '--db', db], { env }).toString();
    assert.match(
      listed,
      new RegExp(`${id}  ${serial}  filevault-off  \\(all users\\)  active .* by jane: lab Mac`),
    );
    const viaApi = await fetch(`${url}/api/v1/exemptions`, {
      headers: { authorization: 'Bearer adm-secret-123-for-the-serve-test-0123456789' },
    });
    assert.equal(((await viaApi.json()) as unknown[]).length, 1);
    assert.equal(
      execFileSync(process.execPath, [BIN, 'exempt', 'remove', '--db', db, id], { env }).toString().trim(),
      `removed ${id}`,
    );
    // Logs are JSON lines and never contain the secrets or the device token.
    assert.ok(!err.includes(deviceToken) && !out.includes(deviceToken));
    assert.ok(
      !out.includes('adm-secret-123-for-the-serve-test-0123456789') && !out.includes('enr-secret-456'),
    );
  } finally {
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    assert.equal(code, 0, err);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('tokenwatch serve refuses a weak admin token with one line on stderr and exit 2', () => {
  const r = spawnSync(process.execPath, [BIN, 'serve', '--db', ':memory:', '--port', '0'], {
    env: {
      ...process.env,
      TOKENWATCH_ADMIN_TOKEN: 'adm-secret-123',
      TOKENWATCH_ENROLL_SECRET: 'enr-secret-456',
    },
    encoding: 'utf8',
  });
  assert.equal(r.status, 2);
  assert.equal(
    r.stderr,
    'tokenwatch serve: adminToken (TOKENWATCH_ADMIN_TOKEN) is 14 characters long: it must have at least 32; make one with: openssl rand -base64 32\n',
  );
});

test('tokenwatch config prints every setting with its source; secrets are masked', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-config-'));
  try {
    const file = join(dir, 'collector.json');
    writeFileSync(
      file,
      JSON.stringify({
        port: 9443,
        staleAfterSeconds: 86400,
        graceSeconds: { 'no-securetoken-holder': 3600 },
      }),
    );
    const env = { ...process.env, TOKENWATCH_ADMIN_TOKEN: 'very-secret', TOKENWATCH_PORT: '9555' };
    const out = execFileSync(process.execPath, [BIN, 'config', '--config', file, '--host', '0.0.0.0'], {
      env,
    }).toString();
    const line = (key: string) => out.split('\n').find((l) => l.startsWith(`${key} `)) ?? '';
    assert.match(line('host'), /0\.0\.0\.0\s+flag:--host\s+TOKENWATCH_HOST/);
    assert.match(line('port'), /9555\s+env:TOKENWATCH_PORT/);
    assert.match(line('staleAfterSeconds'), new RegExp(`86400\\s+file:${file.replace(/[.]/g, '\\.')}`));
    assert.match(line('graceSeconds'), /\{"no-securetoken-holder":3600\}/);
    assert.match(line('adminToken'), /\*{8}\s+env:TOKENWATCH_ADMIN_TOKEN/);
    assert.match(line('enrollSecret'), /\(unset\)\s+default/);
    assert.ok(!out.includes('very-secret'));
    let failed = false;
    try {
      execFileSync(process.execPath, [BIN, 'config', '--port', 'eighty'], { env, stdio: 'pipe' });
    } catch (e) {
      failed = true;
      assert.equal((e as { status: number }).status, 2);
      assert.match(String((e as { stderr: Buffer }).stderr), /port must be an integer/);
    }
    assert.ok(failed);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the example configuration loads and sets sensible grace windows', async () => {
  const { loadConfig } = await import('../../collector/config.ts');
  const file = new URL('../../collector/config.example.json', import.meta.url).pathname;
  const { config, settings } = loadConfig({ env: {}, flags: {}, configFile: file });
  assert.equal(config.graceSeconds['no-securetoken-holder'], 86400);
  assert.equal(settings.find((s) => s.key === 'graceSeconds')?.source, `file:${file}`);
});
