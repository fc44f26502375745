// npm run demo: a simulated fleet against a local collector, no set-up.
// Starts a collector on a free loopback port with a temporary SQLite file, runs the real agent (as a
// process, `run`, exactly what launchd runs) against each simulated Mac in test/fixtures/macs that it can
// run on (demo-macs.ts; the fleet itself is demo-fleet.ts), lets them enroll and upload, prints the fleet's
// compliance report (the terminal table of tokenwatch report, each Mac named by what it is) and exits 0.
// `npm run demo -- --serve` keeps the collector running and prints the dashboard's URL, how to sign in, and
// the API's admin token.
// With TOKENWATCH_WEBHOOK_URL (and TOKENWATCH_WEBHOOK_SECRET, else one is made and printed) the collector
// sends its alert events there, and the demo lists the events it sent.
import { parseArgs } from 'node:util';
import { apiSource, fetchFleet } from '../reports/source.ts';
import { renderFleetTable } from '../reports/render/index.ts';
import { demoMacs, NOT_RUN, SYNTHETIC_LEGEND } from './demo-macs.ts';
import { startDemoFleet } from './demo-fleet.ts';
import { alertWebhook, sentEvents } from './demo-alerts.ts';

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { serve: { type: 'boolean' }, 'no-color': { type: 'boolean' }, port: { type: 'string' } },
});

const webhook = alertWebhook(process.env);
const fleet = await startDemoFleet({ ...(values.port ? { port: values.port } : {}), env: webhook.env });
const { collector, adminToken } = fleet;
const say = (s: string) => process.stdout.write(`${s}\n`);
say(`collector  ${collector.url}  (SQLite ${fleet.dbPath})`);

const described = demoMacs();
const macs = described.filter((m) => m.run).map((m) => m.name);
say(
  `agents     ${macs.length} simulated Macs, each running: tokenwatch-agent run --sysroot <mac> --server-url ${collector.url}`,
);
for (const { name, result } of fleet.agents)
  say(`  ${name.padEnd(34)} exit ${result.code}  ${Math.round(result.ms)} ms`);
for (const m of described.filter((d) => !d.run)) say(`  ${m.name.padEnd(34)} not run: ${NOT_RUN[m.name]}`);
const failed = fleet.agents.filter((x) => x.result.code !== 0);

const rows = await fetchFleet(collector.url, adminToken);
const summary = await apiSource(collector.url, adminToken).summary(undefined);
say('');
process.stdout.write(
  renderFleetTable(rows, {
    width: process.stdout.columns || 120,
    color: !values['no-color'] && process.stdout.isTTY,
    summary,
    labels: new Map(described.map((m) => [m.serial, m.label])),
    notes: described.some((m) => m.synthetic) ? [SYNTHETIC_LEGEND] : [],
  }),
);

if (webhook.env.TOKENWATCH_WEBHOOK_URL) say(await sentEvents(collector, adminToken, webhook.made));

if (failed.length > 0) {
  for (const f of failed)
    process.stderr.write(`agent on ${f.name} exited ${f.result.code}:\n${f.result.stderr}\n`);
}
if (values.serve) {
  say(`\nThe collector keeps running at ${collector.url}`);
  say(`  dashboard:     ${collector.url}/  (sign in with the admin token below)`);
  say(`  admin token:   ${adminToken}`);
  say(`  enroll secret: ${fleet.enrollSecret}`);
  say(`  API:           curl -s -H "Authorization: Bearer ${adminToken}" ${collector.url}/api/v1/summary`);
  say('Ctrl-C stops it.');
  const stop = () => {
    void fleet.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} else {
  await fleet.stop();
  process.exitCode = failed.length > 0 || rows.length !== macs.length ? 1 : 0;
  if (rows.length !== macs.length)
    process.stderr.write(`expected ${macs.length} devices, the collector has ${rows.length}\n`);
}
