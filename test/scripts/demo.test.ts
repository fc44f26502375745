// The README's main job: `npm run demo` must work on a fresh clone and show the whole simulated fleet.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { cleanEnv } from '../helpers/agent-process.ts';
import { demoMacs, NOT_RUN } from '../../scripts/demo-macs.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

test('npm run demo: every simulated Mac the agent runs on enrolls and uploads; the report names each by what it is', async () => {
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
  const all = demoMacs();
  const run = all.filter((m) => m.run);
  assert.ok(run.length >= 7, `${run.length} Macs run`);
  assert.match(
    out.stdout,
    new RegExp(`^${run.length} devices: \\d+ noncompliant, \\d+ unknown, \\d+ compliant`, 'm'),
  );
  for (const m of run)
    assert.match(
      out.stdout,
      new RegExp(`^${m.serial} {2}${m.label.replace(/[*()]/g, '\\$&')}\\s`, 'm'),
      `${m.name} (${m.serial}) is named by what it is beside its serial`,
    );
  // The Catalina Mac is not a live agent: said once, and not in the report.
  const catalina = all.find((m) => m.name === 'intel-catalina');
  assert.ok(catalina && !catalina.run);
  assert.ok(out.stdout.includes(`intel-catalina                     not run: ${NOT_RUN['intel-catalina']}`));
  assert.ok(!out.stdout.includes(catalina.serial), 'the Catalina Mac is not in the report');
  // SYNTHETIC once, in the legend.
  assert.equal(out.stdout.split('SYNTHETIC').length, 2, 'SYNTHETIC once');
  assert.match(out.stdout, /\nNotes\n {2}\* some of this Mac's recorded tool outputs are SYNTHETIC/);
  // The summary first; each failing rule under its Mac with when it started; each fix once.
  assert.ok(out.stdout.indexOf('Bootstrap Token escrowed:') < out.stdout.indexOf('SERIAL'));
  assert.match(out.stdout, /^D5XQV1FMA1 .*\scompliant\s/m, 'the compliant Mac is compliant');
  assert.match(out.stdout, /^D5XQV1FMA6 .*noncompliant.*\n {4}filevault-off\s+critical\s+since \d{4}-/m);
  assert.match(out.stdout, /^D5XQV1FMA7 .*noncompliant.*\n {4}mdm-not-enrolled\s+high\s+since /m);
  assert.match(out.stdout, /^D5XQV1FMA3 .* jdoe\s+noncompliant/m, 'the console user');
  assert.match(out.stdout, /user-without-securetoken \(bob, jdoe\)/, 'users without tokens are named');
  assert.match(out.stdout, /\nHOW TO FIX\nfilevault-off\n {6}Turn FileVault on/);
});
