// Where reports get their rows: the collector's admin API (GET /api/v1/devices, paginated).
// The JSON it returns is the read model's DeviceView; a row keeps what a fleet report shows.
import type { DeviceView } from '../collector/services/read-model.ts';
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

export class ApiReadError extends Error {}

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
    const body = (await res.json().catch(() => null)) as {
      devices?: DeviceView[];
      nextCursor?: string | null;
      message?: string;
    } | null;
    if (!res.ok || !body || !Array.isArray(body.devices)) {
      throw new ApiReadError(
        `GET ${url.pathname} answered ${res.status}: ${body?.message ?? 'unexpected body'}`,
      );
    }
    rows.push(...body.devices.map(toFleetRow));
    cursor = body.nextCursor ?? null;
  } while (cursor);
  return rows;
}
