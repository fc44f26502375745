// Human-readable text for `collect` and `status`. Pure. Most of it comes from the Mac's tools (user
// names, the MDM server, errors quoting output) or from the collector (upload errors), so every line
// leaves through displayText: a name carrying escape sequences or a bidi override is shown escaped,
// never acted on by the terminal. Padded values are escaped before padding so the columns line up.
import type { Snapshot } from './snapshot/index.ts';
import { displayText } from './snapshot/display-text.ts';
import { errorSubject } from './snapshot/errors.ts';
import type { OutboxSummary } from './cache/outbox.ts';
import type { SnapshotStats } from './cache/snapshots.ts';

const show = (v: boolean | string | null | undefined): string =>
  v === null || v === undefined ? 'unknown' : v === true ? 'yes' : v === false ? 'no' : displayText(v);

/** The lines as one text, each line display text (values that were not escaped yet are escaped here). */
const text = (lines: readonly string[]): string => `${lines.map(displayText).join('\n')}\n`;

export function renderSnapshot(s: Snapshot): string {
  const na = new Set(s.notApplicable);
  const d = s.device;
  const lines = [
    `tokenwatch snapshot ${s.id} collected ${s.collectedAt}`,
    `Device     ${show(d.serial)}  ${show(d.model)}  ${d.appleSilicon === null ? 'arch unknown' : d.appleSilicon ? 'Apple silicon' : 'Intel'}  macOS ${show(d.osVersion)} (${show(d.osBuild)})  ${show(d.hostname)}`,
    `MDM        enrolled ${show(s.mdm.enrolled)}, user approved ${show(s.mdm.userApproved)}, DEP ${show(s.mdm.dep)}${s.mdm.server ? `, server ${s.mdm.server}` : ''}`,
    `Bootstrap  supported on server ${show(s.bootstrapToken.supportedOnServer)}, escrowed ${na.has('bootstrapToken.escrowed') ? 'n/a' : show(s.bootstrapToken.escrowed)}, allowed ${show(s.bootstrapToken.allowed)}, EACSPreflight ${na.has('bootstrapToken.eacsPreflight') ? 'n/a' : show(s.bootstrapToken.eacsPreflight)}`,
    `FileVault  ${s.fileVault.state}, personal recovery key ${show(s.fileVault.personalRecoveryKey)}, institutional ${show(s.fileVault.institutionalRecoveryKey)}`,
    `  escrow   ${escrowFileLine(s.fileVault.prkEscrowFile)}`,
    `  deferral ${deferralLine(s.fileVault.deferral)}`,
    `Console    ${s.consoleUser ?? 'nobody'}`,
    `PSSO       ${na.has('platformSso') ? 'n/a (macOS 12 or earlier)' : platformSsoLine(s.platformSso, na)}`,
    'Users',
  ];
  for (const u of s.users) {
    const flags = [
      u.admin ? (u.adminDirect === false ? 'admin through a group' : 'admin') : null,
      u.mobile ? 'mobile' : null,
      u.disabled ? 'disabled' : null,
      u.excluded ? 'excluded' : null,
    ]
      .filter(Boolean)
      .join(',');
    lines.push(
      `  ${displayText(u.name).padEnd(20)} uid ${String(u.uid).padEnd(6)} token ${show(u.secureToken).padEnd(8)} filevault ${show(u.fileVault).padEnd(8)} owner ${na.has('users.volumeOwner') ? 'n/a' : show(u.volumeOwner)}${flags ? `  (${flags})` : ''}`,
    );
  }
  if (s.users.length === 0) lines.push('  (none)');
  lines.push('Crypto users');
  for (const c of s.cryptoUsers)
    lines.push(
      `  ${displayText(c.uuid)}  ${c.kind.padEnd(28)} ${c.type}${c.volumeOwner ? '  volume owner' : ''}`,
    );
  if (s.cryptoUsers.length === 0) lines.push('  (none)');
  lines.push(s.errors.length ? `Errors (${s.errors.length})` : 'Errors     none');
  for (const e of s.errors) lines.push(`  ${errorSubject(e)}: ${e.message}`);
  return text(lines);
}

function escrowFileLine(f: Snapshot['fileVault']['prkEscrowFile']): string {
  if (f === undefined) return 'not reported';
  if (f === null) return 'unknown';
  return f.present
    ? `a key was written for MDM escrow at ${f.modifiedAt ?? 'an unknown time'} (/var/db/FileVaultPRK.dat, ${f.size ?? '?'} bytes)`
    : 'no key written for MDM escrow (/var/db/FileVaultPRK.dat absent)';
}

function deferralLine(d: Snapshot['fileVault']['deferral']): string {
  if (d === undefined) return 'not reported';
  if (d === null) return 'unknown';
  if (!d.deferred && d.outputPath === null) return 'none';
  const who = d.users === null ? 'users unknown' : d.users.length === 0 ? 'any user' : d.users.join(', ');
  const record =
    d.outputPath === null
      ? ''
      : `; record ${d.outputPath} ${d.recordPresent === null ? 'unknown' : d.recordPresent ? 'ON DISK (holds the key in clear)' : 'absent'}`;
  return `${d.deferred ? 'enablement at the next logout of' : 'not deferred; was for'} ${who}${d.fromProfile ? ' (profile)' : ''}${record}`;
}

function platformSsoLine(p: Snapshot['platformSso'], na: Set<string>): string {
  if (p === undefined) return 'not reported';
  if (p === null)
    return na.has('platformSso.user') ? 'not read yet: nobody logged in at the console' : 'unknown';
  if (!p.deviceConfigured) return 'not configured';
  const user =
    p.user === null
      ? ''
      : `, ${p.user.name} registered ${show(p.user.registered)}${p.user.state ? ` (${p.user.state})` : ''}`;
  return `device registered ${show(p.deviceRegistered)} with ${show(p.extensionIdentifier)}${user}`;
}

export interface StatusView {
  stateDir: string;
  latest: Snapshot | null;
  cacheFileBytes: number;
  snapshots: SnapshotStats;
  outbox: OutboxSummary;
  lastUpload: { at: string; sent: number } | null;
  lastUploadError: { at: string; error: string } | null;
  enrolled: boolean;
  serverUrl: string | null;
}

export function renderStatus(v: StatusView): string {
  const lines = [`State directory  ${v.stateDir}`];
  if (!v.latest) lines.push('Last collection  never');
  else {
    lines.push(`Last collection  ${v.latest.collectedAt} (snapshot ${v.latest.id})`);
    lines.push(`Errors           ${v.latest.errors.length === 0 ? 'none' : v.latest.errors.length}`);
    for (const e of v.latest.errors) lines.push(`  ${errorSubject(e)}: ${e.message}`);
  }
  lines.push(
    `Cache            ${v.snapshots.changes} changed snapshot(s), ${v.snapshots.bytes} bytes of JSON, file ${v.cacheFileBytes} bytes`,
    `Server           ${v.serverUrl ?? '(not configured)'}${v.enrolled ? ', enrolled' : ', not enrolled'}`,
    `Outbox           ${v.outbox.snapshots} snapshot(s), ${v.outbox.checkins} check-in(s) queued, ${v.outbox.rejected} rejected`,
  );
  if (v.outbox.oldestQueuedAt)
    lines.push(
      `  oldest queued  ${v.outbox.oldestQueuedAt}, next attempt ${v.outbox.nextAttemptAt ?? 'now'}`,
    );
  if (v.outbox.lastError) lines.push(`  last error     ${v.outbox.lastError}`);
  lines.push(`Last upload      ${v.lastUpload ? `${v.lastUpload.at} (${v.lastUpload.sent} sent)` : 'never'}`);
  if (v.lastUploadError) lines.push(`Last problem     ${v.lastUploadError.at}: ${v.lastUploadError.error}`);
  return text(lines);
}
