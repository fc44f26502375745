// `npm run demo` with TOKENWATCH_WEBHOOK_URL: the collector sends the fleet's alert events to that
// receiver (a real one here), signed with the secret the demo makes and prints, and the demo lists them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { cleanEnv } from '../helpers/agent-process.ts';
import { startReceiver } from '../helpers/receiver.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

test('npm run demo with TOKENWATCH_WEBHOOK_URL sends the events and shows what it sent', async () => {
  const receiver = await startReceiver();
  try {
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [path.join(ROOT, 'scripts/demo.ts'), '--no-color'],
        { env: cleanEnv({ TOKENWATCH_WEBHOOK_URL: receiver.url }), timeout: 120_000, cwd: ROOT },
        (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
      );
    });
    assert.equal(out.code, 0, out.stderr);
    const secret = /signed with (whsec_\S+)\)/.exec(out.stdout)?.[1];
    assert.ok(secret, out.stdout);
    const wh = new Webhook(secret);
    const events = receiver.received.map((r) => wh.verify(r.body, r.headers) as { id: string; type: string });
    assert.ok(events.length >= 3, `the noncompliant Macs' events arrived (${events.length})`);
    const listed =
      out.stdout.match(/^ {2}opened +\S+ +\S+(?: \(\S+\))? +delivered \(200\) +(evt_\S+)$/gm) ?? [];
    assert.equal(listed.length, events.filter((e) => e.type === 'opened').length);
    for (const e of events) assert.ok(out.stdout.includes(e.id), `${e.id} is listed`);
    assert.match(out.stdout, /D5XQV1FMA6 +filevault-off +delivered \(200\)/);
  } finally {
    await receiver.close();
  }
});
