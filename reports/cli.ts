// tokenwatch report: the fleet's compliance from a collector's admin API (--server URL, with
// TOKENWATCH_ADMIN_TOKEN) or its database (--db FILE or --database-url URL, or TOKENWATCH_DATABASE_URL or
// TOKENWATCH_DB when no flag names a source; opened read-only by collector/cli.ts and read through the API's
// read model), as a terminal table, CSV, JSON or HTML, now or as of a past instant.
// CSV and JSON are written a page of devices at a time (bounded memory at any fleet size), with a progress
// bar on stderr when it is a terminal; the table holds the devices it lists. --out writes a temporary file
// beside FILE and renames it when the report is complete, so FILE is never half a report.
import { closeSync, createWriteStream, openSync, renameSync, rmSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { RULE_IDS, ruleById } from '../collector/rules/index.ts';
import type { RuleId } from '../collector/rules/index.ts';
import type { DeviceView, Summary } from '../collector/services/views.ts';
import type { ReadModel } from '../collector/services/read-model.ts';
import { GROUP_BY, REPORT_STATUSES, FLEET_REPORT_SCHEMA } from './report-schema.ts';
import type { GroupBy, ReportDevice, ReportHeader, ReportStatus } from './report-schema.ts';
import { ApiReadError, apiSource, readModelSource, toFleetRow } from './source.ts';
import type { DeviceFilter, ReportSource } from './source.ts';
import {
  addToGroups,
  csvHeader,
  csvLines,
  groupRows,
  jsonDevice,
  jsonHead,
  jsonTail,
  renderFleetTable,
  renderGroupsCsv,
} from './render/index.ts';
import type { FleetRow } from './render/index.ts';
import type { Groups } from './render/groups.ts';
import { renderHtml } from './render/html.ts';
import { loadPageAssets } from './page-assets.ts';
import { HtmlReportBuilder } from './html-report.ts';

export const REPORT_USAGE =
  'tokenwatch report (--server URL | --db FILE | --database-url URL) [--format table|csv|json|html] [--out FILE] [--status S[,S...]] [--rule ID] [--as-of DATE] [--group-by rule|os|model] [--trend-days N] [--no-color]';

export const FORMATS = ['table', 'csv', 'json', 'html'] as const;
export type ReportFormat = (typeof FORMATS)[number];

/** Where text goes: process.stdout and process.stderr, or a test's collector. */
export interface Output {
  write(text: string): boolean;
  once?(event: 'drain', listener: () => void): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ReportDeps {
  env: Record<string, string | undefined>;
  now: Date;
  stdout: Output;
  stderr: Output;
  /**
   * Open a collector database read-only (a SQLite file, or a PostgreSQL URL) and give its read model and
   * the name to show for it (no password); throws with a one-line reason.
   */
  openDb(source: DatabaseSource): Promise<{ name: string; readModel: ReadModel; close(): unknown }>;
}

export class ReportUsageError extends Error {
  override name = 'ReportUsageError';
}

const DAY = 86_400_000;
/** Devices a page: smaller pages keep the command's resident size down (BENCHMARKS.md section 5). */
const PAGE = 250;
const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/** --as-of: a UTC day (its end: the fleet as that day closed) or an RFC 3339 instant. */
export function parseAsOf(text: string): Date {
  const m = DATE_ONLY.exec(text) ?? DATE_TIME.exec(text);
  const [y, mo, d] = m ? m.slice(1, 4).map(Number) : [NaN, NaN, NaN];
  const day = new Date(Date.UTC(y ?? NaN, (mo ?? NaN) - 1, d ?? NaN));
  if (!m || day.getUTCMonth() !== (mo ?? 0) - 1 || day.getUTCDate() !== d)
    throw new ReportUsageError(
      `--as-of "${text}" is not a date (2026-03-01, the end of that UTC day) or an instant (2026-03-01T12:00:00Z)`,
    );
  if (DATE_ONLY.test(text)) return new Date(day.getTime() + DAY - 1);
  const t = Date.parse(text);
  if (Number.isNaN(t)) throw new ReportUsageError(`--as-of "${text}" is not a real instant`);
  return new Date(t);
}

export type DatabaseSource = { db: string } | { databaseUrl: string };

interface Options {
  source: { server: string } | DatabaseSource;
  format: ReportFormat;
  out: string | null;
  statuses: ReportStatus[];
  rule: RuleId | null;
  asOf: Date | undefined;
  groupBy: GroupBy | null;
  trendDays: number;
  color: boolean;
}

function options(argv: string[], deps: ReportDeps): Options {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      server: { type: 'string' },
      db: { type: 'string' },
      'database-url': { type: 'string' },
      format: { type: 'string', default: 'table' },
      out: { type: 'string' },
      status: { type: 'string', multiple: true },
      rule: { type: 'string' },
      'as-of': { type: 'string' },
      'group-by': { type: 'string' },
      'trend-days': { type: 'string', default: '30' },
      'no-color': { type: 'boolean' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0) throw new ReportUsageError(`unexpected argument "${positionals[0]}"`);
  const given = [values.server, values.db, values['database-url']].filter((v) => v !== undefined);
  // The environment names the database when no flag names a source (the URL holds a password: it belongs
  // there, not on a command line); the URL first, as tokenwatch serve reads them.
  const fromEnv = deps.env['TOKENWATCH_DATABASE_URL'] || deps.env['TOKENWATCH_DB'] || '';
  if (given.length > 1 || (given.length === 0 && fromEnv === ''))
    throw new ReportUsageError(
      'give exactly one of --server URL, --db FILE or --database-url URL (or TOKENWATCH_DATABASE_URL or TOKENWATCH_DB)',
    );
  const source: Options['source'] =
    values.server !== undefined
      ? { server: values.server }
      : values.db !== undefined
        ? { db: values.db }
        : values['database-url'] !== undefined
          ? { databaseUrl: values['database-url'] }
          : deps.env['TOKENWATCH_DATABASE_URL']
            ? { databaseUrl: deps.env['TOKENWATCH_DATABASE_URL'] }
            : { db: fromEnv };
  if ('databaseUrl' in source && !/^postgres(ql)?:\/\//.test(source.databaseUrl))
    throw new ReportUsageError('--database-url must be a postgres:// or postgresql:// URL');
  const format = values.format as ReportFormat;
  if (!FORMATS.includes(format))
    throw new ReportUsageError(`--format must be one of ${FORMATS.join(', ')}, not "${values.format}"`);
  const statuses = (values.status ?? []).flatMap((s) => s.split(',')).map((s) => s.trim());
  for (const s of statuses)
    if (!(REPORT_STATUSES as readonly string[]).includes(s))
      throw new ReportUsageError(`--status must be one of ${REPORT_STATUSES.join(', ')}, not "${s}"`);
  const rule = values.rule ?? null;
  if (rule !== null && !(RULE_IDS as readonly string[]).includes(rule))
    throw new ReportUsageError(`unknown rule "${rule}" (rules: ${RULE_IDS.join(', ')})`);
  const groupBy = values['group-by'] ?? null;
  if (groupBy !== null && !(GROUP_BY as readonly string[]).includes(groupBy))
    throw new ReportUsageError(`--group-by must be one of ${GROUP_BY.join(', ')}, not "${groupBy}"`);
  const trendDays = Number(values['trend-days']);
  if (!Number.isInteger(trendDays) || trendDays < 1 || trendDays > 400)
    throw new ReportUsageError(
      `--trend-days must be a whole number from 1 to 400, not "${values['trend-days']}"`,
    );
  if (values.server !== undefined && !/^https?:\/\//.test(values.server))
    throw new ReportUsageError(`--server must be an http:// or https:// URL, not "${values.server}"`);
  const out = values.out ?? null;
  return {
    source,
    format,
    out,
    statuses: [...new Set(statuses)] as ReportStatus[],
    rule: rule as RuleId | null,
    asOf: values['as-of'] === undefined ? undefined : parseAsOf(values['as-of']),
    groupBy: groupBy as GroupBy | null,
    trendDays,
    color:
      out === null &&
      values['no-color'] !== true &&
      deps.env['NO_COLOR'] === undefined &&
      deps.stdout.isTTY === true,
  };
}

/** The device list's filters for the statuses asked for (stale is the stale rule's finding). */
function filters(o: Options): { filter: DeviceFilter; alsoRule: RuleId | null }[] {
  const statuses: (ReportStatus | null)[] = o.statuses.length > 0 ? o.statuses : [null];
  return statuses.map((s) => {
    if (s === 'stale')
      return { filter: { rule: 'stale' }, alsoRule: o.rule !== null && o.rule !== 'stale' ? o.rule : null };
    return { filter: { ...(s ? { status: s } : {}), ...(o.rule ? { rule: o.rule } : {}) }, alsoRule: null };
  });
}

/** How many devices the report will list, as far as the summary tells (for the progress bar). */
function expected(summary: Summary, o: Options): number {
  const ofRule = (r: RuleId) => summary.byRule.find((x) => x.rule === r)?.devices ?? 0;
  if (o.statuses.length === 0) return o.rule ? ofRule(o.rule) : summary.devices;
  return o.statuses.reduce((n, s) => n + (s === 'stale' ? ofRule('stale') : summary.byStatus[s]), 0);
}

const withRemediation = (d: DeviceView): ReportDevice => ({
  ...d,
  findings: d.findings.map((f) => ({ ...f, remediation: ruleById(f.rule)?.remediation ?? '' })),
});

/** Writes that wait when the destination's buffer is full (a file or a pipe slower than the database). */
function sink(target: Output | WriteStream) {
  return async (text: string) => {
    if (!target.write(text) && target.once) await new Promise<void>((r) => target.once?.('drain', r));
  };
}

export async function reportCommand(argv: string[], deps: ReportDeps): Promise<number> {
  let o: Options;
  try {
    o = options(argv, deps);
  } catch (e) {
    if (e instanceof ReportUsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      deps.stderr.write(`tokenwatch report: ${(e as Error).message}\n${REPORT_USAGE}\n`);
      return 2;
    }
    throw e;
  }
  let source: ReportSource;
  let close: () => unknown = () => undefined;
  if ('server' in o.source) {
    const token = deps.env['TOKENWATCH_ADMIN_TOKEN'] ?? '';
    if (token === '') {
      deps.stderr.write('tokenwatch report: --server needs the admin token in TOKENWATCH_ADMIN_TOKEN\n');
      return 2;
    }
    source = apiSource(o.source.server, token);
  } else {
    const opened = await deps.openDb(o.source);
    source = readModelSource(opened.name, opened.readModel, deps.now);
    close = opened.close;
  }
  let bar: cliProgress.SingleBar | null = null;
  const progress = (total: number) => {
    if (o.format === 'table' || deps.stderr.isTTY !== true) return null;
    bar = new cliProgress.SingleBar(
      {
        stream: deps.stderr as NodeJS.WritableStream,
        format: 'devices {bar} {value}/{total} {eta_formatted}',
        hideCursor: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0);
    return bar;
  };
  try {
    const width = deps.stdout.columns || 120;
    if (o.out === null) await writeReport(o, source, deps.now, deps.stdout, width, progress);
    else {
      const out = o.out;
      await toFileAtomically(out, (file) => writeReport(o, source, deps.now, file, 120, progress));
      (bar as cliProgress.SingleBar | null)?.stop();
      deps.stderr.write(`tokenwatch report: wrote ${out}\n`);
    }
    return 0;
  } catch (e) {
    const io = e as NodeJS.ErrnoException;
    if (o.out !== null && typeof io.syscall === 'string' && typeof io.code === 'string') {
      deps.stderr.write(`tokenwatch report: cannot write ${o.out}: ${io.code} (${io.syscall})\n`);
      return 1;
    }
    if (!(e instanceof ApiReadError)) throw e;
    deps.stderr.write(`tokenwatch report: ${e.message}\n`);
    return 1;
  } finally {
    (bar as cliProgress.SingleBar | null)?.stop();
    await close();
  }
}

/**
 * Write `out` through a temporary file beside it (0640), renamed over it only when complete: a reader never
 * sees half a report, and a failed one leaves the previous file as it was.
 */
async function toFileAtomically(out: string, write: (file: WriteStream) => Promise<void>): Promise<void> {
  const temp = join(dirname(out), `.${basename(out)}.${process.pid}.tmp`);
  // Opened here, so a missing directory or a refusal is an error now, not an event later.
  const fd = openSync(temp, 'wx', 0o640);
  const file = createWriteStream('', { fd });
  let failed: Error | null = null;
  file.on('error', (e) => (failed = e));
  try {
    await write(file);
    await new Promise<void>((resolve, reject) =>
      file.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    if (failed) throw failed;
    renameSync(temp, out);
  } finally {
    if (!file.closed) {
      file.destroy();
      try {
        closeSync(fd);
      } catch {
        // already closed by the stream
      }
    }
    rmSync(temp, { force: true });
  }
}

/** A report of the whole fleet now, written to `out` (the collector's scheduled report). */
export async function reportToFile(
  source: ReportSource,
  r: { format: ReportFormat; out: string; now: Date },
): Promise<void> {
  const o: Options = {
    source: { db: source.name },
    format: r.format,
    out: r.out,
    statuses: [],
    rule: null,
    asOf: undefined,
    groupBy: null,
    trendDays: 30,
    color: false,
  };
  await toFileAtomically(r.out, (file) => writeReport(o, source, r.now, file, 120, () => null));
}

async function writeReport(
  o: Options,
  source: ReportSource,
  now: Date,
  target: Output | WriteStream,
  width: number,
  progress: (total: number) => cliProgress.SingleBar | null,
): Promise<void> {
  const write = sink(target);
  const summary = await source.summary(o.asOf);
  const groups: Groups = new Map();
  const seen = new Set<string>();
  const several = o.statuses.length > 1;
  const bar = progress(expected(summary, o));
  let listed = 0;
  const rows: FleetRow[] = [];

  if (o.groupBy !== null && o.format === 'csv') {
    // A breakdown is what the CSV holds: one line per key.
    for await (const d of devicesOf(o, source, seen, several)) {
      addToGroups(groups, o.groupBy, toFleetRow(d));
      listed += 1;
      bar?.update(listed);
    }
    await write(renderGroupsCsv(o.groupBy, groupRows(groups, o.groupBy)));
    return;
  }
  if (o.format === 'json') {
    const to = o.asOf ?? now;
    const header: ReportHeader = {
      schema: FLEET_REPORT_SCHEMA,
      generatedAt: now.toISOString(),
      asOf: o.asOf?.toISOString() ?? null,
      source: source.name,
      filter: { status: o.statuses, rule: o.rule },
      summary,
      trend: await source.trend({ from: new Date(to.getTime() - (o.trendDays - 1) * DAY), to }),
    };
    await write(jsonHead(header));
  } else if (o.format === 'csv') await write(csvHeader());
  const html = o.format === 'html' ? new HtmlReportBuilder() : null;

  for await (const d of devicesOf(o, source, seen, several)) {
    const row = toFleetRow(d);
    if (o.groupBy !== null) addToGroups(groups, o.groupBy, row);
    if (o.format === 'json') await write(jsonDevice(withRemediation(d), listed === 0));
    else if (o.format === 'csv') await write(csvLines(row));
    else if (html) html.add(row);
    else rows.push(row);
    listed += 1;
    bar?.update(listed);
  }
  const grouped = o.groupBy === null ? null : { by: o.groupBy, rows: groupRows(groups, o.groupBy) };
  if (o.format === 'json') await write(jsonTail(grouped, listed));
  if (html) {
    const to = o.asOf ?? now;
    const trend = await source.trend({ from: new Date(to.getTime() - (o.trendDays - 1) * DAY), to });
    await write(
      renderHtml(html.input({ generatedAt: now, source: source.name, summary, trend }), loadPageAssets()),
    );
  }
  if (o.format === 'table')
    await write(
      renderFleetTable(rows, {
        width,
        color: o.color,
        summary,
        asOf: summary.asOf,
        ...(grouped ? { groups: grouped } : {}),
      }),
    );
}

/** The devices of every filter asked for, each once (a stale device is noncompliant too). */
async function* devicesOf(
  o: Options,
  source: ReportSource,
  seen: Set<string>,
  several: boolean,
): AsyncIterable<DeviceView> {
  for (const { filter, alsoRule } of filters(o))
    for await (const page of source.devices(filter, o.asOf, PAGE))
      for (const d of page) {
        if (alsoRule !== null && !d.findings.some((f) => f.rule === alsoRule)) continue;
        if (several) {
          if (seen.has(d.serial)) continue;
          seen.add(d.serial);
        }
        // --rule: the devices with a finding of the rule, and of their findings that rule's only.
        yield o.rule === null ? d : { ...d, findings: d.findings.filter((f) => f.rule === o.rule) };
      }
}
