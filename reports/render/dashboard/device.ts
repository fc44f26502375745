// A device's page: what it is, who can unlock it and whether MDM can update it without a person, its open
// findings with how long each has failed and what to do, the findings that wait on an unknown, its crypto
// users, its incidents, the history of its changes, the resolved findings, and the exemptions that apply. Everything shown comes from the Mac or from admins: every value goes through `markup`.
import { ruleById } from '../../../collector/rules/index.ts';
import type { DeviceDetail, ExemptionView, FindingView } from '../../../collector/services/views.ts';
import type { PageAssets } from '../html/document.ts';
import { href, markup } from '../html/escape.ts';
import type { Html } from '../html/escape.ts';
import { age, mark, severityBadge, stateBadge, statusBadge, when } from '../html/marks.ts';
import { remediationText } from '../html/remediation.ts';
import { cryptoUsersSection, incidentsSection, unlockSection, updateSection } from './device-access.ts';
import type { DeviceAccess } from './device-access.ts';
import { dashboardPage } from './layout.ts';

export interface DevicePageData {
  device: DeviceDetail;
  /** The exemptions that may apply: the device's own and the fleet-wide ones, expired ones too. */
  exemptions: readonly ExemptionView[];
  /** The unlock matrix, the update verdict and the incidents, where the collector computes them. */
  access: DeviceAccess;
  now: Date;
}

const sortable = (labels: readonly string[]) =>
  labels.map((l) => markup`<th aria-sort="none"><button class="sort" type="button">${l}</button></th>`);

function facts(d: DeviceDetail, now: Date): Html {
  const ago = age(d.lastSeen, now);
  const seen = d.lastSeen
    ? markup`${when(d.lastSeen)} (${ago === 'now' ? 'just now' : `${ago} ago`})`
    : markup`never (enrolled ${when(d.enrolledAt)})`;
  const rows: [string, Html | string][] = [
    ['hostname', d.hostname ?? '-'],
    ['model', d.model ?? '-'],
    ['macOS', d.osVersion ? `${d.osVersion}${d.osBuild ? ` (${d.osBuild})` : ''}` : '-'],
    ['Apple silicon', d.appleSilicon === null ? '-' : mark(d.appleSilicon)],
    ['hardware UUID', markup`<span class="mono">${d.hardwareUuid}</span>`],
    ['console user', d.consoleUser ?? 'nobody'],
    ['last seen', seen],
    ['collected', when(d.collectedAt)],
    ['enrolled', when(d.enrolledAt)],
    ['agent', d.agentVersion ?? '-'],
  ];
  if (d.clockSkewSeconds !== null)
    rows.push(['clock skew', `its clock is ${d.clockSkewSeconds} s ahead of the collector's`]);
  if (d.revokedAt !== null) rows.push(['revoked', when(d.revokedAt)]);
  return markup`<dl class="facts">${rows.map(([k, v]) => markup`<dt>${k}</dt><dd>${v}</dd>`)}</dl>`;
}

function findingRows(findings: readonly FindingView[], now: Date): Html[] {
  return findings.map((f) => {
    const pending = f.pendingUntil
      ? markup`<br><span class="note">pending until ${when(f.pendingUntil)}</span>`
      : '';
    return markup`<tr><td data-sort="${f.rule}"><span title="${f.title}">${f.rule}</span>${stateBadge(f.state)}<br><span class="note">${f.title}</span></td><td data-sort="${9 - ['info', 'low', 'medium', 'high', 'critical'].indexOf(f.severity)}">${severityBadge(f.severity)}</td><td>${f.user ?? '-'}</td><td data-sort="${f.firstSeen}">${when(f.firstSeen)} <span class="note">(${age(f.firstSeen, now)})</span>${pending}</td><td class="wrap">${f.reason}</td></tr>`;
  });
}

function openFindings(d: DeviceDetail, now: Date): Html {
  if (d.findings.length === 0) return markup`<p class="note">No open findings.</p>`;
  const rules = [...new Set(d.findings.map((f) => f.rule))];
  const fixes = rules.map((id) => {
    const rule = ruleById(id);
    return markup`<details><summary>What to do: ${rule.title}</summary><p>${remediationText(rule.remediation)}</p></details>`;
  });
  return markup`<table class="data" id="findings" data-sortable><thead><tr>${sortable(['rule', 'severity', 'user', 'failing since', 'why'])}</tr></thead><tbody>${findingRows(d.findings, now)}</tbody></table>${fixes}`;
}

function unconfirmed(d: DeviceDetail, now: Date): Html {
  if (d.unconfirmedFindings.length === 0) return markup``;
  return markup`<section class="panel"><h2>Waiting on an unknown</h2><p class="note">Open findings the latest collection could not confirm (the rule answered unknown): kept open until it can.</p><table class="data"><thead><tr><th>rule</th><th>severity</th><th>user</th><th>failing since</th><th>why</th></tr></thead><tbody>${findingRows(d.unconfirmedFindings, now)}</tbody></table></section>`;
}

function resolved(d: DeviceDetail): Html {
  if (d.resolvedFindings.length === 0) return markup`<p class="note">None.</p>`;
  const rows = d.resolvedFindings.map(
    (f) =>
      markup`<tr><td>${f.rule}</td><td>${f.user ?? '-'}</td><td>${when(f.firstSeen)}</td><td>${when(f.resolvedAt)}</td></tr>`,
  );
  return markup`<table class="data"><thead><tr><th>rule</th><th>user</th><th>failing since</th><th>resolved</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function history(d: DeviceDetail): Html {
  if (d.history.length === 0) return markup`<p class="note">No upload yet.</p>`;
  const rows = d.history.map((h) => {
    const changes =
      h.changes.length > 0
        ? h.changes.join(', ')
        : h === d.history[d.history.length - 1]
          ? 'first upload kept'
          : '-';
    const skew =
      h.clockSkewSeconds !== null
        ? markup` <span class="note">(clock ${h.clockSkewSeconds} s ahead)</span>`
        : '';
    return markup`<tr><td>${when(h.receivedAt)}</td><td>${when(h.collectedAt)}${skew}</td><td class="wrap">${changes}</td><td class="mono" title="${h.digest}">${h.digest.slice(0, 12)}</td></tr>`;
  });
  return markup`<table class="data"><thead><tr><th>received</th><th>collected</th><th>what changed</th><th>digest</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function exemptions(list: readonly ExemptionView[]): Html {
  if (list.length === 0)
    return markup`<p class="note">None. Exemptions are added with <code>tokenwatch exempt add</code>.</p>`;
  const rows = list.map((e) => {
    const state = e.problem
      ? markup`<span class="badge no">unusable</span> ${e.problem}`
      : e.active
        ? markup`<span class="badge yes">in force</span>`
        : markup`<span class="badge">expired</span>`;
    return markup`<tr><td>${e.serial === null ? 'every device' : 'this device'}</td><td>${e.rule ?? 'every rule'}</td><td>${e.user ?? 'every user'}</td><td class="wrap">${e.reason}</td><td>${e.createdBy}<br><span class="note">${when(e.createdAt)}</span></td><td>${e.expiresAt ? when(e.expiresAt) : 'never'}</td><td>${state}</td></tr>`;
  });
  return markup`<table class="data"><thead><tr><th>devices</th><th>rule</th><th>user</th><th>reason</th><th>by</th><th>expires</th><th>state</th></tr></thead><tbody>${rows}</tbody></table>`;
}

export function devicePage(data: DevicePageData, assets: PageAssets, sessionEnds: string): string {
  const d = data.device;
  const conflict = d.identityConflict
    ? markup`<p class="alert">An open identity conflict claims this serial or hardware UUID: see <code>tokenwatch conflicts list --serial ${d.serial}</code>.</p>`
    : '';
  const problems =
    d.problems.length > 0
      ? markup`<section class="panel"><h2>Stored values that cannot be shown</h2><ul>${d.problems.map((p) => markup`<li>${p}</li>`)}</ul></section>`
      : '';
  const body = markup`<p><a href="${href(['devices'])}">Devices</a> /</p><h1><span class="mono">${d.serial}</span> ${statusBadge(d.status)}</h1><p class="lede">${d.hostname ?? 'no hostname reported'}</p>${conflict}<div class="grid-2"><section class="panel"><h2>This Mac</h2>${facts(d, data.now)}</section>${updateSection(data.access)}</div>${unlockSection(data.access)}<section class="panel" id="open-findings"><h2>Open findings</h2>${openFindings(d, data.now)}</section>${unconfirmed(d, data.now)}${cryptoUsersSection(d.snapshot)}${incidentsSection(data.access, data.now)}<section class="panel" id="exemptions"><h2>Exemptions</h2>${exemptions(data.exemptions)}</section><div class="grid-2"><section class="panel" id="history"><h2>History of changes</h2>${history(d)}</section><section class="panel"><h2>Resolved findings</h2>${resolved(d)}</section></div>${problems}`;
  return dashboardPage({ title: d.serial, assets, section: 'devices', sessionEnds }, body);
}
