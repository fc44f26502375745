// `npm run demo -- --serve` keeps the collector running and prints the dashboard's address: the address
// answers with the sign-in form, the printed admin token signs in, and SIGTERM stops it cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { cleanEnv } from '../helpers/agent-process.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

test('npm run demo -- --serve prints the dashboard URL; it serves the sign-in form and the printed token signs in', async () => {
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/demo.ts'), '--serve', '--no-color'], {
    env: cleanEnv(),
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  const deadline = setTimeout(() => child.kill('SIGKILL'), 120_000);
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        stdout += c.toString('utf8');
        if (/Ctrl-C stops it\./.test(stdout)) resolve();
      });
      child.on('exit', () => reject(new Error(`demo exited before serving:\n${stdout}\n${stderr}`)));
    });
    const url = /^ {2}dashboard: +(http:\/\/127\.0\.0\.1:\d+\/) /m.exec(stdout)?.[1];
    const token = /^ {2}admin token: +(\S+)$/m.exec(stdout)?.[1];
    assert.ok(url, `a dashboard line in:\n${stdout}`);
    assert.ok(token);
    const home = await fetch(url, { redirect: 'manual' });
    assert.equal(home.status, 303);
    assert.equal(home.headers.get('location'), '/sign-in');
    const form = await fetch(new URL('/sign-in', url));
    assert.equal(form.status, 200);
    assert.match(await form.text(), /name="token"/);
    const signIn = await fetch(new URL('/sign-in', url), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: url.replace(/\/$/, '') },
      body: new URLSearchParams({ token }).toString(),
    });
    assert.equal(signIn.status, 303);
    const cookie = signIn.headers.get('set-cookie')?.split(';')[0] ?? '';
    const summary = await fetch(url, { headers: { cookie } });
    assert.equal(summary.status, 200);
    assert.match(await summary.text(), /<h1>Fleet summary<\/h1>/);
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
  } finally {
    clearTimeout(deadline);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
