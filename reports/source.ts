// Where reports get their data: the collector's admin API (--server, with the admin token) or a collector
// database through the read model the API itself answers from (--db: collector/cli.ts opens the file
// read-only and hands the read model over). Both give the API's declared shapes (collector/services/
// views.ts): what the API answers is checked against them, never cast: an answer of another shape
// (another version of the collector, a proxy's page) is an ApiReadError naming the path of the first
// field that does not fit.
import { Compile } from 'typebox/compile';
import { DevicePage, ErrorBody, Summary, Trend } from '../collector/services/views.ts';
import type { DeviceView } from '../collector/services/views.ts';
import type { ReadModel } from '../collector/services/read-model.ts';
import type { FleetRow } from './render/types.ts';

/** The device list's filters (status, rule, ...), as the read model takes them. */
export type DeviceFilter = Parameters<ReadModel['listDevices']>[0];

export function toFleetRow(d: DeviceView): FleetRow {
  return {
    serial: d.serial,
    hardwareUuid: d.hardwareUuid,
    hostname: d.hostname,
    model: d.model,
    osVersion: d.osVersion,
    consoleUser: d.consoleUser ?? d.unlock.person,
    status: d.status,
    mdmUpdate: d.mdmUpdate,
    lastSeen: d.lastSeen ?? d.enrolledAt,
    findings: d.findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      user: f.user,
      state: f.state,
      firstSeen: f.firstSeen,
      reason: f.reason,
      exemption: f.exemption,
      pendingUntil: f.pendingUntil,
    })),
  };
}

export class ApiReadError extends Error {
  override name = 'ApiReadError';
}

/** What a report reads: the summary, the trend, and the devices a page at a time. */
export interface ReportSource {
  /** The collector's URL or the database file, as the report names it. */
  readonly name: string;
  summary(asOf: Date | undefined): Promise<Summary>;
  trend(range: { from: Date; to: Date }): Promise<Trend>;
  /** The devices the filter selects, by serial, a page at a time. */
  devices(filter: DeviceFilter, asOf: Date | undefined, pageSize: number): AsyncIterable<DeviceView[]>;
}

const devicePage = Compile(DevicePage);
const summaryShape = Compile(Summary);
const trendShape = Compile(Trend);
const errorBody = Compile(ErrorBody);

/** Why a value is not of the declared shape: the first misfit's path and what is wrong there. */
function misfit(errors: readonly { instancePath: string; message: string }[]): string {
  const first = errors[0];
  return first === undefined ? 'it does not fit' : `${first.instancePath || '/'} ${first.message}`;
}

interface Shape<T> {
  Check(v: unknown): v is T;
  Errors(v: unknown): Iterable<{ instancePath: string; message: string }>;
}

/** The admin API of a running collector. */
export function apiSource(baseUrl: string, adminToken: string): ReportSource {
  async function get<T>(
    path: string,
    params: Record<string, string | undefined>,
    shape: Shape<T>,
    what: string,
  ) {
    const url = new URL(path, baseUrl);
    for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
    let res: Response;
    try {
      res = await fetch(url, {
        headers: { authorization: `Bearer ${adminToken}`, accept: 'application/json' },
      });
    } catch (e) {
      const cause = (e as { cause?: { message?: string } }).cause?.message ?? (e as Error).message;
      throw new ApiReadError(`GET ${url.origin}${url.pathname}: ${cause}`);
    }
    const body: unknown = await res.json().catch(() => undefined);
    const where = `GET ${url.pathname} answered ${res.status}`;
    if (!res.ok) {
      const said = errorBody.Check(body)
        ? `${body.error}: ${body.message}`
        : 'a body that is no error of its API';
      throw new ApiReadError(`${where}: ${said}`);
    }
    if (body === undefined) throw new ApiReadError(`${where} with a body that is not JSON`);
    if (!shape.Check(body))
      throw new ApiReadError(`${where} with a body that is not ${what}: ${misfit([...shape.Errors(body)])}`);
    return body;
  }
  const at = (d: Date | undefined) => d?.toISOString();
  return {
    name: baseUrl,
    summary: (asOf) => get('/api/v1/summary', { asOf: at(asOf) }, summaryShape, 'a summary'),
    trend: (r) =>
      get('/api/v1/trend', { from: r.from.toISOString(), to: r.to.toISOString() }, trendShape, 'a trend'),
    async *devices(filter, asOf, pageSize) {
      let cursor: string | null = null;
      do {
        const page: DevicePage = await get(
          '/api/v1/devices',
          {
            limit: String(pageSize),
            cursor: cursor ?? undefined,
            asOf: at(asOf),
            status: filter.status,
            rule: filter.rule,
          },
          devicePage,
          'a device page',
        );
        yield page.devices;
        cursor = page.nextCursor;
      } while (cursor);
    },
  };
}

/** A collector database's read model (the one the API answers from), read at `now`. */
export function readModelSource(name: string, readModel: ReadModel, now: Date): ReportSource {
  return {
    name,
    summary: (asOf) => readModel.summary(now, asOf),
    trend: (range) => readModel.trend(range, now),
    async *devices(filter, asOf, pageSize) {
      let cursor: string | undefined;
      do {
        const page = await readModel.listDevices(
          filter,
          { ...(cursor !== undefined ? { cursor } : {}), limit: pageSize },
          now,
          asOf,
        );
        yield page.devices;
        cursor = page.nextCursor ?? undefined;
      } while (cursor !== undefined);
    },
  };
}

/** Every device from the API, following the cursor. */
export async function fetchFleet(baseUrl: string, adminToken: string, pageSize = 500): Promise<FleetRow[]> {
  const rows: FleetRow[] = [];
  for await (const page of apiSource(baseUrl, adminToken).devices({}, undefined, pageSize))
    rows.push(...page.map(toFleetRow));
  return rows;
}
