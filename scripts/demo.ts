// npm run demo: a simulated fleet against a local collector, no set-up.
// Starts a collector on a free loopback port with a temporary SQLite file, runs the real agent (as a
// process, `run`, exactly what launchd runs) against each simulated Mac in test/fixtures/macs, lets them
// enroll and upload, prints the fleet's compliance report and exits 0.
// `npm run demo -- --serve` keeps the collector running and prints its URL and admin token.
// With TOKENWATCH_WEBHOOK_URL (and TOKENWATCH_WEBHOOK_SECRET, else one is made and printed) the collector
// sends its alert events there, and the demo lists the events it sent.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '../collector/config.ts';
import { createLogger } from '../collector/log.ts';
import { startCollector } from '../collector/main.ts';
import { fetchFleet } from '../reports/source.ts';
import { renderFleetTable } from '../reports/render/index.ts';
import { listMacs, readManifest } from '../test/helpers/sysroot.ts';
import { cleanEnv, runAgent, simulatedMac } from '../test/helpers/agent-process.ts';
import { alertWebhook, sentEvents } from './demo-alerts.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { serve: { type: 'boolean' }, 'no-color': { type: 'boolean' }, port: { type: 'string' } },
});

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwatch-demo-'));
const adminToken = randomBytes(32).toString('base64url');
const enrollSecret = randomBytes(24).toString('base64url');
const webhook = alertWebhook(process.env);
const { config } = loadConfig({
  env: webhook.env,
  flags: {
    db: path.join(work, 'tokenwatch.db'),
    host: '127.0.0.1',
    port: values.port ?? '0',
    adminToken,
    enrollSecret,
    logLevel: 'warn',
  },
});
const collector = await startCollector(config, { logger: createLogger('warn') });
const say = (s: string) => process.stdout.write(`${s}\n`);
say(`collector  ${collector.url}  (SQLite ${config.db})`);

const macs = listMacs();
say(
  `agents     ${macs.length} simulated Macs, each running: tokenwatch-agent run --sysroot <mac> --server-url ${collector.url}`,
);
const results = await Promise.all(
  macs.map(async (name) => {
    const mac = simulatedMac(name, work); // inside work/: removed with it
    const r = await runAgent(['run', ...mac.flags, '--collect-timeout', '5'], {
      env: cleanEnv({ TOKENWATCH_SERVER_URL: collector.url, TOKENWATCH_ENROLL_SECRET: enrollSecret }),
    });
    return { name, mac, r };
  }),
);
for (const { name, r } of results) {
  const synthetic = readManifest(name).synthetic?.length ? '  (has SYNTHETIC outputs)' : '';
  say(`  ${name.padEnd(34)} exit ${r.code}  ${Math.round(r.ms)} ms${synthetic}`);
}
const failed = results.filter((x) => x.r.code !== 0);

const rows = await fetchFleet(collector.url, adminToken);
say('');
process.stdout.write(
  renderFleetTable(rows, {
    width: process.stdout.columns || 120,
    color: !values['no-color'] && process.stdout.isTTY,
  }),
);

if (webhook.env.TOKENWATCH_WEBHOOK_URL) say(await sentEvents(collector, adminToken, webhook.made));

if (failed.length > 0) {
  for (const f of failed) process.stderr.write(`agent on ${f.name} exited ${f.r.code}:\n${f.r.stderr}\n`);
}
if (values.serve) {
  say(`\nThe collector keeps running at ${collector.url}`);
  say(`  admin token:   ${adminToken}`);
  say(`  enroll secret: ${enrollSecret}`);
  say(`  try: curl -s -H "Authorization: Bearer ${adminToken}" ${collector.url}/api/v1/summary`);
  say('Ctrl-C stops it.');
  const stop = () => {
    void collector.close().then(() => {
      fs.rmSync(work, { recursive: true, force: true });
      process.exit(0);
    });
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else {
  await collector.close();
  fs.rmSync(work, { recursive: true, force: true });
  process.exitCode = failed.length > 0 || rows.length !== macs.length ? 1 : 0;
  if (rows.length !== macs.length)
    process.stderr.write(`expected ${macs.length} devices, the collector has ${rows.length}\n`);
}
