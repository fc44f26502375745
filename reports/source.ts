// Where reports get their rows: the collector's admin API (GET /api/v1/devices, paginated). What it answers
// is checked against the API's own declaration of a device page (collector/services/views.ts), never cast:
// an answer of another shape (another version of the collector, a proxy's page) is an ApiReadError naming
// the path of the first field that does not fit.
import { Compile } from 'typebox/compile';
import { DevicePage, ErrorBody } from '../collector/services/views.ts';
import type { DeviceView } from '../collector/services/views.ts';
import type { FleetRow } from './render/types.ts';

export function toFleetRow(d: DeviceView): FleetRow {
  return {
    serial: d.serial,
    hostname: d.hostname,
    model: d.model,
    osVersion: d.osVersion,
    status: d.status,
    lastSeen: d.lastSeen ?? d.enrolledAt,
    findings: d.findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      user: f.user,
      state: f.state,
      firstSeen: f.firstSeen,
      reason: f.reason,
    })),
  };
}

export class ApiReadError extends Error {
  override name = 'ApiReadError';
}

const devicePage = Compile(DevicePage);
const errorBody = Compile(ErrorBody);

/** Why a value is not of the declared shape: the first misfit's path and what is wrong there. */
function misfit(errors: readonly { instancePath: string; message: string }[]): string {
  const first = errors[0];
  return first === undefined ? 'it does not fit' : `${first.instancePath || '/'} ${first.message}`;
}

/** Every device from the API, following the cursor. */
export async function fetchFleet(baseUrl: string, adminToken: string, pageSize = 500): Promise<FleetRow[]> {
  const rows: FleetRow[] = [];
  let cursor: string | null = null;
  do {
    const url = new URL('/api/v1/devices', baseUrl);
    url.searchParams.set('limit', String(pageSize));
    if (cursor) url.searchParams.set('cursor', cursor);
    const res = await fetch(url, {
      headers: { authorization: `Bearer ${adminToken}`, accept: 'application/json' },
    });
    const body: unknown = await res.json().catch(() => undefined);
    const where = `GET ${url.pathname} answered ${res.status}`;
    if (!res.ok) {
      const said = errorBody.Check(body)
        ? `${body.error}: ${body.message}`
        : 'a body that is no error of its API';
      throw new ApiReadError(`${where}: ${said}`);
    }
    if (body === undefined) throw new ApiReadError(`${where} with a body that is not JSON`);
    if (!devicePage.Check(body))
      throw new ApiReadError(
        `${where} with a body that is not a device page: ${misfit(devicePage.Errors(body))}`,
      );
    rows.push(...body.devices.map(toFleetRow));
    cursor = body.nextCursor;
  } while (cursor);
  return rows;
}
