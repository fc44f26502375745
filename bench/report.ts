// BENCHMARKS.md from one run's results: a short header per figure (what it measures, the target it is
// held to) and the numbers with the machine they came from.
import type { Machine } from './lib.ts';
import { mib } from './lib.ts';
import type { IngestResult } from './ingest.ts';
import type { PostgresIngestResult, PostgresIngestRun } from './postgres.ts';
import type { ReportsPostgresResult } from './reports-postgres.ts';
import type { FleetResult } from './fleet.ts';
import type { DashboardResult } from './dashboard.ts';
import { DASHBOARD_FIRST_PAGE_MS } from './dashboard.ts';
import type { StorageResult } from './storage.ts';
import type { AgentResult } from './agent.ts';
import type { ReportsResult } from './reports.ts';
import { REPORT_TARGETS } from './reports.ts';
import type { ScenarioResult } from './load.ts';
import type { AlertsResult } from './alerts.ts';

export interface Results {
  startedAt: string;
  seconds: number;
  quick: boolean;
  machine: Machine;
  loadBefore: number[];
  loadAfter: number[];
  command: string;
  ingest?: IngestResult;
  fleet?: FleetResult;
  dashboard?: DashboardResult;
  storage?: StorageResult;
  agent?: AgentResult;
  ingestPostgres?: PostgresIngestResult;
  reportsPostgres?: ReportsPostgresResult;
  reports?: ReportsResult;
  alerts?: AlertsResult;
}

/** The collector's storage targets (ingest, fleet queries, history growth); the agent's figures have none. */
export const TARGETS = {
  uploadsPerSecond: 5000,
  ofNoop: 0.6,
  fixedRate: 1000,
  p99Ms: 50,
  /** "Well under a second", read as: the median at most a quarter of a second. */
  fleetMedianMs: 250,
};

const verdict = (ok: boolean) => (ok ? 'PASS' : '**MISS**');
const n = (x: number) => x.toLocaleString('en-US');
const table = (head: string[], rows: (string | number)[][]) =>
  [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');

const LABEL: Record<ScenarioResult['scenario'], string> = {
  noop: 'no-op POST (baseline)',
  unchanged: 'unchanged snapshot uploads',
  checkin: 'check-ins',
  changed: 'changed snapshot uploads',
  'rate-changed': 'changed uploads at a fixed rate',
  'rate-unchanged': 'unchanged uploads at a fixed rate',
};

const failures = (s: ScenarioResult) => {
  const f = Object.entries(s.failures);
  return f.length === 0 ? '0' : f.map(([k, v]) => `${v} × ${k === '0' ? 'network error' : k}`).join(', ');
};

function ingest(r: IngestResult, m: Machine): string {
  const o = r.options;
  const noop = r.scenarios.find((s) => s.scenario === 'noop');
  const closed = r.scenarios.filter((s) => s.rate === null);
  const rated = r.scenarios.filter((s) => s.rate !== null);
  const perCore = (s: ScenarioResult) => (s.serverCores ? n(Math.round(s.perSecond / s.serverCores)) : '?');
  const lines = [
    '## 1. Collector ingest',
    '',
    `The collector (\`bench/server.ts\`: the app \`startCollector\` builds, from \`buildApp\` in collector/app.ts, on a fresh`,
    `temporary SQLite file, plus a \`POST /noop\` route that answers \`{"ok":true}\` behind the same JSON parser, hooks and`,
    `body limit) runs in one process; the load client (\`bench/load.ts\`: keep-alive \`node:http\`, ${o.connections} connections,`,
    `127.0.0.1 only) in another. ${n(o.devices)} devices are enrolled and upload a first snapshot before anything is`,
    `timed. Throughput runs keep ${o.connections} requests in flight for ${o.durationS} s after a ${o.warmupS} s warm-up; fixed-rate`,
    `runs start a request every 1/${n(o.rate)} s for ${o.rateDurationS} s whatever the answers do, and count latency from the`,
    "scheduled start (no coordinated omission). Bodies: the rule tests' compliant Apple silicon snapshot (about 1.6 KB),",
    "made each device's own; a change is a new uid for one user (new digest: history row, rule evaluation, findings).",
    '',
    `Target: at least ${n(TARGETS.uploadsPerSecond)} uploads/s on 2 cores, and at least ${TARGETS.ofNoop * 100}% of the same`,
    `server's no-op POST; p99 under ${TARGETS.p99Ms} ms at ${n(TARGETS.fixedRate)}/s. "server cores" is the CPU the collector process`,
    `used during the window (from /proc); the client runs on the same ${m.cpus} cores and takes the rest, so the`,
    '"per server core" column is the rate one fully used core would give. The collector is one Node.js process whose',
    'request handling and SQLite calls (better-sqlite3 is synchronous) share its main thread, so it uses about one',
    'core at most whatever the machine has: "per server core" is close to its ceiling on a 2-core machine too.',
    '',
    table(
      [
        'scenario',
        'requests/s',
        `≥ ${n(TARGETS.uploadsPerSecond)}/s`,
        '% of no-op',
        `≥ ${TARGETS.ofNoop * 100}%`,
        'p50 ms',
        'p99 ms',
        'max ms',
        'server cores',
        'per server core',
        'client cores',
        'non-200',
      ],
      closed.map((s) => {
        const isNoop = s.scenario === 'noop';
        const pct = noop ? s.perSecond / noop.perSecond : NaN;
        return [
          LABEL[s.scenario],
          n(s.perSecond),
          isNoop ? '–' : verdict(s.perSecond >= TARGETS.uploadsPerSecond),
          isNoop ? '100%' : `${Math.round(pct * 100)}%`,
          isNoop ? '–' : verdict(pct >= TARGETS.ofNoop),
          s.p50Ms,
          s.p99Ms,
          s.maxMs,
          s.serverCores ?? '?',
          perCore(s),
          s.clientCores,
          failures(s),
        ];
      }),
    ),
    '',
    table(
      [
        'fixed rate',
        'target rate',
        'achieved/s',
        'p50 ms',
        'p99 ms',
        'max ms',
        `p99 < ${TARGETS.p99Ms} ms`,
        'server cores',
        'non-200',
      ],
      rated.map((s) => [
        LABEL[s.scenario],
        `${n(s.rate ?? 0)}/s`,
        n(s.perSecond),
        s.p50Ms,
        s.p99Ms,
        s.maxMs,
        verdict(s.p99Ms < TARGETS.p99Ms && s.perSecond >= 0.98 * (s.rate ?? 0)),
        s.serverCores ?? '?',
        failures(s),
      ]),
    ),
    '',
    `Check-ins are not uploads but are held to the same bar (they are what an unchanged Mac sends). Database after the`,
    `run: ${mib(r.dbBytes)} (with WAL).`,
  ];
  return lines.join('\n');
}

function fleet(r: FleetResult): string {
  return [
    `## 2. Fleet queries over ${n(r.devices)} devices`,
    '',
    'The read model behind `GET /api/v1/summary`, `/api/v1/devices` (100 a page) and `/api/v1/devices/:serial`, in',
    "process, on a database made by the collector's migrations and filled with SQL in bulk (the store has no bulk",
    'path): about 10% of devices noncompliant with open findings, 2% stale, 1% unknown, six models and OS versions,',
    'resolved findings on 4%, 50 stored changes on the device whose detail is read (written through the store).',
    `Cached as \`${r.dbFile}\` (${mib(r.dbBytes)}; ${r.generated === 'cached' ? 'reused from an earlier run' : `generated in ${r.generated.seconds} s by this run`}).`,
    `Each query runs once cold ("first") and then repeatedly; the target, "well under a second", is read as a`,
    `median of at most ${TARGETS.fleetMedianMs} ms.`,
    '',
    table(
      ['query', 'rows', 'first ms', 'median ms', 'max ms', `≤ ${TARGETS.fleetMedianMs} ms`],
      r.queries.map((q) => [
        q.name,
        q.rows,
        q.firstMs,
        q.medianMs,
        q.maxMs,
        verdict(q.medianMs <= TARGETS.fleetMedianMs),
      ]),
    ),
  ].join('\n');
}

function dashboard(r: DashboardResult, run: Results): string {
  return [
    `## 5. Dashboard over ${n(r.devices)} devices`,
    '',
    'The collector itself (startCollector, the dashboard registered as main.ts registers it) serving the fleet',
    "queries' cached database (section 2) on a loopback port; each page fetched over HTTP with a signed-in",
    'session, timed from the request to the page\'s last byte, once cold ("first") and then',
    `${r.runs - 1} times. The target: the dashboard's first page (the summary at \`/\`) served in under`,
    `${DASHBOARD_FIRST_PAGE_MS} ms, read as its median; the other pages are shown for reference. Measured on`,
    `${run.startedAt.slice(0, 10)} on ${run.machine.cpus} CPUs (${run.machine.cpuModel}), load average`,
    `${run.loadBefore.join(', ')} before, by \`${run.command}\`${run.quick ? ' (quick: not comparable)' : ''}.`,
    '',
    table(
      ['page', 'path', 'bytes', 'first ms', 'median ms', 'max ms', `< ${DASHBOARD_FIRST_PAGE_MS} ms`],
      r.pages.map((p, i) => [
        p.name,
        `\`${p.path}\``,
        n(p.bytes),
        p.firstMs,
        p.medianMs,
        p.maxMs,
        i === 0 ? verdict(p.medianMs < DASHBOARD_FIRST_PAGE_MS) : '-',
      ]),
    ),
    '',
    'The summary page shows the counts and the trend the collector keeps (reports/dashboard/kept-summary.ts,',
    'trend-memo.ts): it reads no count for a page. The start (`startCollector`, which begins the first read of the',
    `counts) took ${r.startMs} ms. The first visit right after it took ${r.coldFirstMs} ms and`,
    `${r.coldShowedCounts ? 'showed the counts' : 'said the counts were being computed'}. While the collector then read the counts and the`,
    `trend's 30 days in the background (in the fleet reader's thread, collector/fleet-reader.ts: ${r.warmUp.seconds} s), the page asked for`,
    `every 250 ms took median ${r.warmUp.medianMs} ms, max ${r.warmUp.maxMs} ms over ${r.warmUp.visits} visits. The table's runs come after that.`,
    "The read model's summary query (what `GET /api/v1/summary` answers),",
    `timed alone in process in the same runs: first ${r.summaryQuery.firstMs} ms, median ${r.summaryQuery.medianMs} ms, max ${r.summaryQuery.maxMs} ms.`,
  ].join('\n');
}

function storage(r: StorageResult): string {
  const first = r.rows[0];
  const onlyChanges = r.rows.every(
    (x) => x.historyRows === r.devices * (x.mode === 'changed' ? x.uploadsPerDevice : 1),
  );
  return [
    '## 3. Storage growth',
    '',
    `${n(r.devices)} devices, each with one first upload, then ${r.uploads} more per device of one kind, through the collector's`,
    "ingest (`ingestSnapshot` / `ingestCheckin`) and SQLite store; bytes from SQLite's page accounting (`dbstat`), per",
    `table with its indexes, divided by the device count. Body: ${n(r.bodyBytes)} bytes of JSON. Target: history`,
    'grows with changes only. Receipts (every accepted snapshot id, for idempotent retries) grow with every upload',
    'and are pruned after `receiptRetentionDays` (30 by default); check-ins store nothing but `lastSeen`.',
    '',
    table(
      ['after', 'total B/device', 'history B/device', 'receipts B/device', 'history rows'],
      r.rows.map((x) => [
        x.mode === 'first upload only'
          ? 'the first upload'
          : `first + ${x.uploadsPerDevice - 1} ${x.mode === 'checkin' ? 'check-ins' : `${x.mode} uploads`}`,
        n(x.totalPerDevice),
        n(x.historyPerDevice),
        n(x.receiptsPerDevice),
        n(x.historyRows),
      ]),
    ),
    '',
    `History grows with changes only: ${verdict(onlyChanges)}` +
      (first
        ? ` (a change adds about ${n(Math.round(((r.rows[3]?.historyPerDevice ?? 0) - first.historyPerDevice) / r.uploads))} bytes of history per device).`
        : '.'),
  ].join('\n');
}

function agent(r: AgentResult): string {
  const lines = [
    '## 4. Agent',
    '',
    `\`tokenwatch-agent collect --json\` against a simulated Mac (\`${r.mac}\`, the test helpers' sysroot built from`,
    'the real samples): wall time of the whole process, after one warm-up run. The single executable',
    '(`dist/tokenwatch-agent-linux-x64`, from `npm run build:agent`): sizes, start-up of `--version` and peak RSS,',
    'measured by `scripts/build/measure.ts`. These figures are reported as measured, against no target.',
    '',
    table(
      ['collect, run by', 'runs', 'median ms', 'min ms', 'max ms'],
      r.collect.map((c) => [c.runner, c.runs, c.medianMs, c.minMs, c.maxMs]),
    ),
    '',
  ];
  if ('missing' in r.executable) {
    lines.push(`Executable: not measured: ${r.executable.missing}.`);
  } else {
    const e = r.executable;
    lines.push(
      table(
        ['executable figure', 'value'],
        [
          ...Object.entries(e.sizes).map(([f, s]) => [`size of ${f}`, mib(s)]),
          [
            `start-up, \`--version\` (median of ${e.startup.runs}, min–max)`,
            `${e.startup.medianMs} ms (${e.startup.minMs}–${e.startup.maxMs})`,
          ],
          ...e.peakRss.map((p) => [`peak RSS, \`${p.command}\``, `${mib(p.kib * 1024)} (${p.method})`]),
        ],
      ),
    );
  }
  return lines.join('\n');
}

/**
 * Figure 8: the same ingest scenarios on PostgreSQL with one and with two collector processes, beside
 * SQLite's from the same run where it has them.
 */
function ingestPostgres(pg: PostgresIngestResult, sqlite: IngestResult | undefined, r: Results): string {
  const o = pg.options;
  const of = (r: IngestResult | undefined, s: ScenarioResult['scenario']) =>
    r?.scenarios.find((x) => x.scenario === s);
  const cell = (x: ScenarioResult | undefined, f: (x: ScenarioResult) => string | number) =>
    x ? String(f(x)) : '–';
  const [one] = pg.runs;
  const named = (k: PostgresIngestRun) =>
    `PostgreSQL, ${k.collectors} collector${k.collectors > 1 ? 's' : ''}${k.synchronousCommit === 'off' ? ', synchronous_commit off' : ''}`;
  const runs = pg.runs;
  return [
    '## 8. Collector ingest on PostgreSQL',
    '',
    `Measured ${r.startedAt} by \`${r.command}\` on ${r.machine.cpus} CPUs (${r.machine.cpuModel}), load average`,
    `${r.loadBefore.join(', ')} before and ${r.loadAfter.join(', ')} after${r.quick ? ' (quick: short runs, not comparable)' : ''}.`,
    '',
    `The same load client, bodies and scenarios as figure 1 (${n(o.devices)} devices, ${o.connections} connections), with`,
    `\`--database-url\`: one collector process, then two collector processes on one database (the client sends to them in`,
    `turn, as a round-robin load balancer does), each on a fresh database of ${pg.server} on this machine (Debian's`,
    "package, started for the run with PostgreSQL's defaults: fsync and synchronous commit on; the last run sets",
    "synchronous_commit off on its database: a commit does not wait for the disk, as with SQLite's synchronous=NORMAL (a",
    'crash of the PostgreSQL server may then lose the last commits, up to 3 x wal_writer_delay; of SQLite, a crash of the',
    'machine); every unit of work a',
    "SERIALIZABLE transaction over a pool of 10 connections per collector). SQLite is the same run's figure 1 (WAL,",
    'synchronous=NORMAL: no fsync per commit). PostgreSQL shares the 2 cores with the collectors and the load client;',
    '"collector cores" counts the collector processes only, not the PostgreSQL backends.',
    '',
    table(
      [
        'scenario',
        'SQLite requests/s',
        ...runs.map((k) => `${named(k)}: requests/s`),
        'SQLite p99 ms',
        ...runs.map((k) => `${named(k)}: p99 ms`),
        ...runs.map((k) => `${named(k)}: collector cores`),
        'non-200 (PostgreSQL)',
      ],
      (one?.scenarios ?? []).map((p) => {
        const q = of(sqlite, p.scenario);
        const each = runs.map((k) => of(k, p.scenario));
        return [
          LABEL[p.scenario] + (p.rate !== null ? ` (${n(p.rate)}/s)` : ''),
          cell(q, (x) => n(x.perSecond)),
          ...each.map((x) => cell(x, (y) => n(y.perSecond))),
          cell(q, (x) => x.p99Ms),
          ...each.map((x) => cell(x, (y) => y.p99Ms)),
          ...each.map((x) => cell(x, (y) => y.serverCores ?? '?')),
          each.map((x) => cell(x, failures)).join(' / '),
        ];
      }),
    ),
    '',
    ...runs.map(
      (k) =>
        `${named(k)}: ${n(k.commits)} transactions committed, ${n(k.rollbacks)} rolled back${k.retries === undefined || k.retries === null ? ' (serialization failures run again, mostly)' : ` (${n(k.retries)} units run again after a serialization failure or deadlock, the collectors' count; ${n(k.deadlocks ?? 0)} deadlocks)`}, database ${mib(k.dbBytes)} after the run (\`pg_database_size\`).`,
    ),
    ...(sqlite ? [`SQLite's database after its run: ${mib(sqlite.dbBytes)}.`] : []),
    '',
    "Why PostgreSQL is slower here: every unit of work is SERIALIZABLE, and PostgreSQL's serializable isolation",
    'remembers what a unit read by B-tree leaf page. An upload reads its device through the primary key of `devices`,',
    'then updates the row; the update changes indexed columns (`last_seen`, `last_contact`), so it is not a HOT update',
    "and adds an entry to every index of `devices`, the primary key's leaf page included. Two units on devices whose ids",
    'share a leaf page (about 370 ids a page) each read the page the other writes, and one of them is rolled back and',
    `run again. The load client takes the devices in ${o.order === 'shuffled' ? 'one random order (--order shuffled), so its requests in flight are on ids spread over the fleet' : `enrolment order, so its ${o.connections} requests in flight are on neighbouring ids, one or two leaf pages, whatever the fleet's size`}.`,
    "The rest is the commit's wait for the disk (the synchronous_commit off run) and the",
    'round trips of a unit (a statement each, over loopback, to a server on the same 2 cores).',
  ].join('\n');
}

/** Figure 9: the reports' reads over the same fleet on PostgreSQL, beside SQLite's from the same run. */
function reportsPostgres(p: ReportsPostgresResult, sqlite: ReportsResult | undefined, r: Results): string {
  const t = REPORT_TARGETS;
  const side = (x: { median: number } | undefined) => (x ? `${x.median} ms` : '–');
  return [
    `## 9. Reports over ${n(p.devices)} devices on PostgreSQL`,
    '',
    `Measured ${r.startedAt} by \`${r.command}\`, load average ${r.loadBefore.join(', ')} before and`,
    `${r.loadAfter.join(', ')} after${r.quick ? ' (quick: short runs, not comparable)' : ''}.`,
    '',
    `Figure 6's database copied into a fresh database of ${p.server} on this machine (PostgreSQL's defaults, shared`,
    "buffers 64 MB) by `tokenwatch migrate-to-postgres`'s code (COPY, one transaction), vacuumed and analysed as",
    'autovacuum would after a load, then read as figure 6 reads SQLite: the summary, the first page and the summary as',
    'of ten days ago through the read model on the PostgreSQL store (median of the runs after the first); the CSV by',
    '`tokenwatch report --database-url URL --format csv --status noncompliant --out FILE` straight from the database',
    '(read-only sessions) and by `tokenwatch report --server URL ...` from a collector on the database (through the',
    'admin API); each is the wall time of the command, start-up included, and its peak RSS.',
    '',
    table(
      ['figure', 'PostgreSQL first', 'PostgreSQL median', 'SQLite median (figure 6)', 'target'],
      [
        [
          'summary',
          `${p.summaryMs.first} ms`,
          `${p.summaryMs.median} ms`,
          side(sqlite?.summaryMs),
          `< ${t.summaryMs} ms`,
        ],
        [
          'devices, first page (100)',
          `${p.firstPageMs.first} ms`,
          `${p.firstPageMs.median} ms`,
          side(sqlite?.firstPageMs),
          `< ${t.firstPageMs} ms`,
        ],
        [
          'summary as of 10 days ago',
          `${p.asOfMs.first} ms`,
          `${p.asOfMs.median} ms`,
          side(sqlite?.asOfMs),
          `< ${t.asOfMs} ms`,
        ],
        ...(p.csvDirect
          ? [
              [
                `CSV of the ${n(p.csvDirect.noncompliant)} noncompliant devices (${n(p.csvDirect.rows)} rows), --database-url`,
                `${p.csvDirect.seconds} s`,
                '',
                sqlite ? `${sqlite.csv.seconds} s (--db)` : '–',
                `< ${t.csvSeconds} s`,
              ],
              [
                'CSV --database-url: peak RSS of the command',
                `${p.csvDirect.peakRssMiB} MiB`,
                '',
                sqlite ? `${sqlite.csv.peakRssMiB} MiB` : '–',
                `< ${t.csvRssMiB} MiB`,
              ],
            ]
          : []),
        [
          `CSV of the ${n(p.csv.noncompliant)} noncompliant devices (${n(p.csv.rows)} rows)${p.csvDirect ? ', --server' : ''}`,
          `${p.csv.seconds} s`,
          '',
          sqlite ? `${sqlite.csv.seconds} s (--db)` : '–',
          `< ${t.csvSeconds} s`,
        ],
        [
          `CSV${p.csvDirect ? ' --server' : ''}: peak RSS of the command`,
          `${p.csv.peakRssMiB} MiB`,
          '',
          sqlite ? `${sqlite.csv.peakRssMiB} MiB` : '–',
          `< ${t.csvRssMiB} MiB`,
        ],
        [`copy into PostgreSQL (${n(p.copy.rows)} rows)`, `${p.copy.seconds} s`, '', '', ''],
      ],
    ),
    '',
    `Database after the copy: ${mib(p.copy.databaseBytes)} (\`pg_database_size\`).`,
  ].join('\n');
}

function reports(r: ReportsResult): string {
  const t = REPORT_TARGETS;
  return [
    `## 6. Reports over ${n(r.devices)} devices`,
    '',
    "`tokenwatch report`'s reads on a database made by the collector's migrations and filled with SQL in bulk",
    '(about 10% noncompliant with open findings, each with two state-history rows: compliant from enrollment,',
    'noncompliant for three days; 2% stale, 1% unknown; the report facts on every device). The summary, the first',
    'page and the summary as of ten days ago are the read model in process (once cold, then repeatedly: the median',
    'is held to the target); the CSV is the real command, `tokenwatch report --db FILE --format csv --status',
    'noncompliant --out FILE`, run as a child process: its wall time (start-up included) and peak RSS.',
    `Cached as \`${r.dbFile}\` (${mib(r.dbBytes)}; ${r.generated === 'cached' ? 'reused from an earlier run today' : `generated in ${r.generated.seconds} s by this run`}).`,
    '',
    table(
      ['figure', 'first', 'median', 'target', ''],
      [
        [
          'summary',
          `${r.summaryMs.first} ms`,
          `${r.summaryMs.median} ms`,
          `< ${t.summaryMs} ms`,
          verdict(r.summaryMs.median < t.summaryMs),
        ],
        [
          'devices, first page (100)',
          `${r.firstPageMs.first} ms`,
          `${r.firstPageMs.median} ms`,
          `< ${t.firstPageMs} ms`,
          verdict(r.firstPageMs.median < t.firstPageMs),
        ],
        [
          'summary as of 10 days ago',
          `${r.asOfMs.first} ms`,
          `${r.asOfMs.median} ms`,
          `< ${t.asOfMs} ms`,
          verdict(r.asOfMs.median < t.asOfMs),
        ],
        [
          `CSV of the ${n(r.csv.noncompliant)} noncompliant devices (${n(r.csv.rows)} rows, ${mib(r.csv.bytes)})`,
          `${r.csv.seconds} s`,
          '',
          `< ${t.csvSeconds} s`,
          verdict(r.csv.seconds < t.csvSeconds),
        ],
        [
          'CSV: peak RSS of the command',
          `${r.csv.peakRssMiB} MiB`,
          '',
          `< ${t.csvRssMiB} MiB`,
          verdict(r.csv.peakRssMiB < t.csvRssMiB),
        ],
      ],
    ),
  ].join('\n');
}

export function render(r: Results): string {
  const m = r.machine;
  const parts = [
    '# tokenwatch benchmarks',
    '',
    `Written by \`npm run bench\` (bench/run.ts); do not edit by hand: each run regenerates the whole file. The`,
    "collector's storage has targets (bench/report.ts TARGETS), the agent executable none; **MISS** marks a target this run",
    'did not meet. Options: `--quick` (short smoke runs), `--only ingest,fleet,storage,agent,dashboard,reports,alerts,ingest-postgres,reports-postgres`, `--build` (build the',
    'agent executable first when dist/ lacks it); quick or partial runs write .build/bench/BENCHMARKS.partial.md.',
    '',
    table(
      ['run', ''],
      [
        ['date', r.startedAt],
        ['command', `\`${r.command}\`${r.quick ? ' (quick: short runs, not comparable)' : ''}`],
        ['duration', `${r.seconds} s`],
        ['CPUs (nproc)', String(m.cpus)],
        ['CPU model', m.cpuModel],
        ['memory', m.memory],
        ['Node.js', m.node],
        ['OS', m.os],
        [
          'load average (1, 5, 15 min) before / after',
          `${r.loadBefore.join(', ')} / ${r.loadAfter.join(', ')}`,
        ],
      ],
    ),
    '',
    "The load client and the server share this machine's cores (as does anything else running on it: see the load",
    'average), so throughput here is a floor for a collector with 2 cores to itself.',
  ];
  if (r.ingest) parts.push('', ingest(r.ingest, m));
  if (r.fleet) parts.push('', fleet(r.fleet));
  if (r.storage) parts.push('', storage(r.storage));
  if (r.agent) parts.push('', agent(r.agent));
  if (r.dashboard) parts.push('', dashboard(r.dashboard, r));
  if (r.reports) parts.push('', reports(r.reports));
  if (r.alerts) parts.push('', alertsSection(r.alerts));
  if (r.ingestPostgres) parts.push('', ingestPostgres(r.ingestPostgres, r.ingest, r));
  if (r.reportsPostgres) parts.push('', reportsPostgres(r.reportsPostgres, r.reports, r));
  return `${parts.join('\n')}\n`;
}

/** The alert fan-out's section (its number follows the parts before it). */
export function alertsSection(r: AlertsResult): string {
  return [
    '## 7. Alert fan-out',
    '',
    `${n(r.findings)} Macs whose failing finding's grace window ends at the same instant: one run of the`,
    'grace-promotion job opens their incidents and writes their events to the outbox; the collector (`startCollector`,',
    'a real SQLite file, one generic webhook channel, signed) delivers them to a receiver in another process',
    `(\`bench/alert-receiver.ts\`) that answers every request after ${r.receiverDelayMs} ms (\`bench/alerts.ts\`). "All delivered":`,
    "from the job run's start until every delivery is recorded delivered. Lost: events without a delivered",
    'delivery or never received (must be 0); duplicates: requests beyond one per webhook-id. Once per channel',
    '`concurrency` (8 is the default).',
    '',
    table(
      [
        'channel concurrency',
        'events',
        'job run (events written) ms',
        'all delivered ms',
        'deliveries/s',
        'peak in flight',
        'lost',
        'duplicates',
      ],
      r.runs.map((x) => [
        x.concurrency,
        n(x.events),
        n(x.jobMs),
        n(x.allDeliveredMs),
        n(x.perSecond),
        x.peakInflight,
        `${x.lost} ${verdict(x.lost === 0)}`,
        x.duplicates,
      ]),
    ),
  ].join('\n');
}
