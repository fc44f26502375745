// The device list: filters (a GET form, so a filtered list is a link that can be shared and bookmarked),
// one page of devices from the read model's cursor, and the link to the next page. Sorting a column sorts
// the page shown (table-sort.js); the pages themselves follow the serial order of the cursor.
import { RULE_IDS } from '../../../collector/rules/index.ts';
import type { DeviceStatus, RuleId } from '../../../collector/rules/index.ts';
import type { DevicePage, DeviceView } from '../../../collector/services/views.ts';
import { deviceTable } from '../html/device-table.ts';
import type { DeviceTableRow } from '../html/device-table.ts';
import type { PageAssets } from '../html/document.ts';
import { href, markup } from '../html/escape.ts';
import type { Html } from '../html/escape.ts';
import { dashboardPage } from './layout.ts';

export const STATUSES: readonly DeviceStatus[] = ['noncompliant', 'unknown', 'compliant'];
/** The "seen within" choices, in days. */
export const SEEN_DAYS = [1, 7, 30, 90] as const;
export const PAGE_SIZES = [50, 100, 500, 1000] as const;
export const DEFAULT_PAGE_SIZE = 100;

export interface DeviceListFilter {
  status?: DeviceStatus;
  rule?: RuleId;
  osVersion?: string;
  model?: string;
  seenDays?: (typeof SEEN_DAYS)[number];
  serial?: string;
  limit: number;
}

/** The filter as query parameters (the default page size left out). */
export function filterQuery(f: DeviceListFilter): Record<string, string | undefined> {
  return {
    status: f.status,
    rule: f.rule,
    os: f.osVersion,
    model: f.model,
    seen: f.seenDays === undefined ? undefined : String(f.seenDays),
    serial: f.serial,
    limit: f.limit === DEFAULT_PAGE_SIZE ? undefined : String(f.limit),
  };
}

export const deviceHref = (serial: string) => href(['devices', serial]);

export function tableRow(d: DeviceView): DeviceTableRow {
  return {
    serial: d.serial,
    hostname: d.hostname,
    model: d.model,
    osVersion: d.osVersion,
    status: d.status,
    lastSeen: d.lastSeen ?? d.enrolledAt,
    consoleUser: d.consoleUser,
    findings: d.findings,
  };
}

function select(
  name: string,
  label: string,
  current: string | undefined,
  options: readonly [string, string][],
): Html {
  const items = options.map(([value, text]) =>
    value === (current ?? '')
      ? markup`<option value="${value}" selected>${text}</option>`
      : markup`<option value="${value}">${text}</option>`,
  );
  return markup`<label>${label}<select name="${name}">${items}</select></label>`;
}

function filters(f: DeviceListFilter): Html {
  const status = select('status', 'Status', f.status, [
    ['', 'any'],
    ...STATUSES.map((s): [string, string] => [s, s]),
  ]);
  const rule = select('rule', 'Failing rule', f.rule, [
    ['', 'any'],
    ...RULE_IDS.map((r): [string, string] => [r, r]),
  ]);
  const seen = select('seen', 'Seen within', f.seenDays === undefined ? undefined : String(f.seenDays), [
    ['', 'any time'],
    ...SEEN_DAYS.map((d): [string, string] => [String(d), d === 1 ? '1 day' : `${d} days`]),
  ]);
  const size = select(
    'limit',
    'Per page',
    String(f.limit),
    PAGE_SIZES.map((n): [string, string] => [String(n), String(n)]),
  );
  return markup`<form class="filters" method="get" action="/devices" role="search">${status}${rule}<label>macOS<input name="os" value="${f.osVersion ?? ''}" placeholder="14 or 15.3" size="8" pattern="[0-9][0-9.]{0,31}"></label><label>Model<input name="model" value="${f.model ?? ''}" placeholder="Mac14,2" size="14" maxlength="128"></label>${seen}<label>Serial<input name="serial" value="${f.serial ?? ''}" size="14" maxlength="64"></label>${size}<button class="primary" type="submit">Filter</button> <a href="/devices">Clear</a></form>`;
}

/** What the filter shows, in words: `noncompliant devices failing filevault-off on macOS 14`. */
function described(f: DeviceListFilter): string {
  const parts = [
    f.status ? `${f.status} devices` : 'devices',
    f.rule ? `failing ${f.rule}` : '',
    f.osVersion ? `on macOS ${f.osVersion}` : '',
    f.model ? `of model ${f.model}` : '',
    f.seenDays ? `seen within ${f.seenDays === 1 ? '1 day' : `${f.seenDays} days`}` : '',
    f.serial ? `with serial ${f.serial}` : '',
  ];
  return parts.filter((p) => p !== '').join(' ');
}

export interface DevicesPageData {
  page: DevicePage;
  filter: DeviceListFilter;
  /** The cursor this page started from (undefined: the first page). */
  cursor: string | undefined;
  now: Date;
}

export function devicesPage(data: DevicesPageData, assets: PageAssets, sessionEnds: string): string {
  const { page, filter } = data;
  const query = filterQuery(filter);
  const table = deviceTable(page.devices.map(tableRow), {
    id: 'devices',
    now: data.now,
    deviceHref,
    ruleHref: (rule) => href(['devices'], { ...query, rule }),
    empty: data.cursor === undefined ? 'No devices match.' : 'No more devices match.',
  });
  const next = page.nextCursor
    ? markup`<a rel="next" href="${href(['devices'], { ...query, cursor: page.nextCursor })}">Next ${filter.limit}</a>`
    : '';
  const first = data.cursor !== undefined ? markup`<a href="${href(['devices'], query)}">First page</a>` : '';
  const count = `${page.devices.length} ${data.cursor === undefined ? 'first' : 'more'} ${described(filter)}, by serial.`;
  const body = markup`<h1>Devices</h1>${filters(filter)}<section class="panel"><p class="note" role="status">${count} Select a column's header to sort this page by it.</p>${table}<nav class="pager" aria-label="Pages">${first}${next}</nav></section>`;
  return dashboardPage({ title: 'Devices', assets, section: 'devices', sessionEnds }, body);
}
