// The README's main job: `npm run demo` must work on a fresh clone and show the whole simulated fleet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { listMacs, readManifest } from '../helpers/sysroot.ts';
import { cleanEnv } from '../helpers/agent-process.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

test('npm run demo: every simulated Mac enrolls and uploads; the report lists each with its status', async () => {
  const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'scripts/demo.ts'), '--no-color'],
      { env: cleanEnv(), timeout: 120_000, cwd: ROOT },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
  assert.equal(out.code, 0, out.stderr);
  const macs = listMacs();
  assert.match(
    out.stdout,
    new RegExp(`${macs.length} devices: \\d+ noncompliant, \\d+ unknown, \\d+ compliant`),
  );
  for (const name of macs) {
    const serial = (readManifest(name).expect?.['facts'] as Record<string, unknown> | undefined)?.[
      'device.serial'
    ];
    if (typeof serial === 'string')
      assert.match(out.stdout, new RegExp(`^${serial} .*`, 'm'), `${name} (${serial}) is in the report`);
  }
  assert.match(out.stdout, /^D5XQV1FMA1\s.*\scompliant\s/m, 'the compliant Mac is compliant');
  assert.match(out.stdout, /^D5XQV1FMA6\s.*noncompliant.*filevault-off/m, 'FileVault off is flagged');
  assert.match(out.stdout, /^D5XQV1FMA7\s.*noncompliant.*mdm-not-enrolled/m, 'not enrolled is flagged');
  assert.match(out.stdout, /user-without-securetoken \(bob, jdoe\)/, 'users without tokens are named');
});
