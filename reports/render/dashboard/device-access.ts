// The device page's sections on who can get at the Mac: who can unlock it (the matrix of its users, and
// the crypto users that are not people beside them), whether MDM can update it without a person, the
// volume's crypto users as the Mac reported them, and the incidents the alerting opened for it.
//
// The matrix, the verdict and the incidents are computed by the collector's read model; this module takes
// them through the small interfaces below (structurally the read model's views: UnlockView, UnlockMatrix,
// MdmUpdateView, IncidentView), each optional: a collector that does not compute one shows the section
// saying so, never a guess. The crypto users are read from the device's current snapshot, checked against
// the snapshot contract element by element (a stored body may be from any version).
import { Compile } from 'typebox/compile';
import { CryptoUser } from '../../../agent/snapshot/index.ts';
import type { CryptoUser as CryptoUserValue } from '../../../agent/snapshot/index.ts';
import { markup } from '../html/escape.ts';
import type { Html } from '../html/escape.ts';
import { age, mark, when } from '../html/marks.ts';

/** One user of the Mac and what each can do to its encrypted volume (null: not established). */
export interface UnlockUser {
  name: string;
  uid: number;
  secureToken: boolean | null;
  volumeOwner: boolean | null;
  fileVault: boolean | null;
  admin: boolean | null;
  accountType: 'local' | 'mobile' | null;
  /** The person who uses the Mac (the console user, or the latest one reported). */
  consoleUser: boolean;
  disabled: boolean | null;
  /** In the agent's ExcludeUsers (a service account). */
  excluded: boolean;
}

/** A crypto user of the volume that is not a person: the Bootstrap Token's external key, a recovery key. */
export interface UnlockCryptoUser {
  kind: string;
  uuid: string;
  type: string;
  volumeOwner: boolean | null;
}

export interface UnlockMatrixData {
  users: readonly UnlockUser[];
  cryptoUsers: readonly UnlockCryptoUser[];
}

/** Who can unlock the Mac, at a glance: whether only people other than its user hold a SecureToken. */
export interface UnlockGlance {
  person: string | null;
  personSource: 'console' | 'last_console' | null;
  /** null: cannot be told (reason says why). */
  onlyOthersCanUnlock: boolean | null;
  reason: string;
}

/** Can MDM update this Mac without a person (Apple silicon; not_applicable on Intel). */
export interface MdmUpdateData {
  verdict: 'yes' | 'no' | 'unknown' | 'not_applicable';
  /** Why not, or why unknown; null for yes. */
  reason: string | null;
}

/** An alert incident of the device (one per rule and user at a time). */
export interface IncidentData {
  id: string;
  rule: string;
  user: string | null;
  state: 'open' | 'exempted' | 'resolved';
  severity: string;
  failingSince: string;
  openedAt: string;
  resolvedAt: string | null;
  reason: string;
}

/**
 * What the read model computes for the device page beyond the device view. Absent (undefined) means this
 * collector does not compute it; null means it does, and the device has none yet (no snapshot).
 */
export interface DeviceAccess {
  unlock?: UnlockGlance;
  unlockMatrix?: UnlockMatrixData | null;
  mdmUpdate?: MdmUpdateData | null;
  incidents?: readonly IncidentData[];
}

/**
 * The access parts a device view carries itself (the read model's device page adds unlock, unlockMatrix
 * and mdmUpdate where it computes them): each taken when present, absent otherwise.
 */
export function accessOfDetail(detail: object): DeviceAccess {
  const d = detail as {
    unlock?: UnlockGlance;
    unlockMatrix?: UnlockMatrixData | null;
    mdmUpdate?: MdmUpdateData | null;
  };
  return {
    ...(d.unlock !== undefined ? { unlock: d.unlock } : {}),
    ...(d.unlockMatrix !== undefined ? { unlockMatrix: d.unlockMatrix } : {}),
    ...(d.mdmUpdate !== undefined ? { mdmUpdate: d.mdmUpdate } : {}),
  };
}

const notComputed = (what: string) =>
  markup`<p class="note">This collector does not compute ${what} yet.</p>`;

const ACCOUNT: Record<'local' | 'mobile', string> = { local: 'local', mobile: 'mobile (directory)' };

function glance(u: UnlockGlance | undefined): Html {
  if (u === undefined) return markup``;
  const tone = u.onlyOthersCanUnlock === true ? 'alert' : 'note';
  const lead =
    u.onlyOthersCanUnlock === true
      ? 'Only others can unlock this Mac: '
      : u.onlyOthersCanUnlock === false
        ? ''
        : 'Cannot tell: ';
  return markup`<p class="${tone}" id="unlock-glance">${lead}${u.reason}.</p>`;
}

/** The unlock matrix section: one row per user, then the crypto users that are not people (the matrix is too wide to share its row). */
export function unlockSection(access: DeviceAccess): Html {
  const head = markup`<h2>Who can unlock this Mac</h2>`;
  if (access.unlockMatrix === undefined)
    return markup`<section class="panel" id="unlock">${head}${notComputed('the unlock matrix')}</section>`;
  if (access.unlockMatrix === null)
    return markup`<section class="panel" id="unlock">${head}${glance(access.unlock)}<p class="note">No snapshot of its users yet.</p></section>`;
  const m = access.unlockMatrix;
  const users = m.users.map((u) => {
    const who = u.consoleUser ? markup` <span class="badge">uses this Mac</span>` : '';
    const notes = [u.disabled ? 'disabled' : '', u.excluded ? 'excluded (service account)' : '']
      .filter((x) => x !== '')
      .join(', ');
    return markup`<tr><td>${u.name}${who}${notes ? markup`<br><span class="note">${notes}</span>` : ''}</td><td class="num">${u.uid}</td><td>${mark(u.secureToken)}</td><td>${mark(u.volumeOwner)}</td><td>${mark(u.fileVault)}</td><td>${mark(u.admin)}</td><td>${u.accountType === null ? '-' : ACCOUNT[u.accountType]}</td></tr>`;
  });
  const table =
    m.users.length === 0
      ? markup`<p class="note">No local users reported.</p>`
      : markup`<table class="data" id="unlock-matrix"><thead><tr><th>user</th><th>uid</th><th>SecureToken</th><th>volume owner</th><th>FileVault-enabled</th><th>admin</th><th>account</th></tr></thead><tbody>${users}</tbody></table>`;
  const keys =
    m.cryptoUsers.length === 0
      ? markup`<p class="note">No crypto users other than people.</p>`
      : markup`<table class="data" id="unlock-keys"><thead><tr><th>not a person</th><th>volume owner</th></tr></thead><tbody>${m.cryptoUsers.map((c) => markup`<tr><td>${c.kind}<br><span class="note mono">${c.uuid}</span></td><td>${mark(c.volumeOwner)}</td></tr>`)}</tbody></table>`;
  return markup`<section class="panel" id="unlock">${head}${glance(access.unlock)}${table}${keys}</section>`;
}

const VERDICT: Record<MdmUpdateData['verdict'], { badge: string; text: string }> = {
  yes: { badge: 'yes', text: 'yes' },
  no: { badge: 'no', text: 'no' },
  unknown: { badge: 'unknown', text: 'unknown' },
  not_applicable: { badge: '', text: 'not applicable (Intel)' },
};

/** The verdict: can MDM update this Mac without a person, and the reason when not. */
export function updateSection(access: DeviceAccess): Html {
  const head = markup`<h2>Can MDM update it without a person</h2>`;
  if (access.mdmUpdate === undefined)
    return markup`<section class="panel" id="mdm-update">${head}${notComputed('the update verdict')}</section>`;
  if (access.mdmUpdate === null)
    return markup`<section class="panel" id="mdm-update">${head}<p class="note">No snapshot yet.</p></section>`;
  const v = VERDICT[access.mdmUpdate.verdict];
  const reason = access.mdmUpdate.reason ? markup`<p>${access.mdmUpdate.reason}</p>` : '';
  return markup`<section class="panel" id="mdm-update">${head}<p><span class="badge ${v.badge}">${v.text}</span></p>${reason}<p class="note">On Apple silicon: a volume owner exists, the Bootstrap Token is escrowed (and not refused by the MDM preflight where the Mac reports it), and MDM is enrolled and user-approved.</p></section>`;
}

let cryptoUserCheck: ReturnType<typeof Compile> | null = null;

/** The volume's crypto users from the current snapshot; unreadable entries are counted, not shown. */
export function cryptoUsersOf(snapshot: object | null): {
  users: CryptoUserValue[];
  unreadable: number;
} | null {
  if (snapshot === null) return null;
  const list = (snapshot as { cryptoUsers?: unknown }).cryptoUsers;
  if (!Array.isArray(list)) return null;
  const check = (cryptoUserCheck ??= Compile(CryptoUser));
  const users = list.filter((c): c is CryptoUserValue => check.Check(c));
  return { users, unreadable: list.length - users.length };
}

export function cryptoUsersSection(snapshot: object | null): Html {
  const head = markup`<h2>Crypto users</h2>`;
  const found = cryptoUsersOf(snapshot);
  if (found === null)
    return markup`<section class="panel" id="crypto-users">${head}<p class="note">No snapshot of the volume yet.</p></section>`;
  const rows = found.users.map(
    (c) =>
      markup`<tr><td>${c.kind}</td><td>${c.type}</td><td class="mono">${c.uuid}</td><td>${mark(c.volumeOwner)}</td></tr>`,
  );
  const unreadable =
    found.unreadable > 0
      ? markup`<p class="note">${found.unreadable} stored entries do not fit the snapshot contract and are not shown.</p>`
      : '';
  const table =
    rows.length === 0
      ? markup`<p class="note">The volume reported no crypto users.</p>`
      : markup`<table class="data"><thead><tr><th>kind</th><th>type</th><th>UUID</th><th>volume owner</th></tr></thead><tbody>${rows}</tbody></table>`;
  return markup`<section class="panel" id="crypto-users">${head}<p class="note">As <code>diskutil apfs listCryptoUsers</code> reported them in the latest snapshot.</p>${table}${unreadable}</section>`;
}

/** The incidents alerting opened for the device; nothing at all when the collector has no alerting. */
export function incidentsSection(access: DeviceAccess, now: Date): Html {
  if (access.incidents === undefined) return markup``;
  const head = markup`<h2>Incidents</h2>`;
  if (access.incidents.length === 0)
    return markup`<section class="panel" id="incidents">${head}<p class="note">None.</p></section>`;
  const rows = access.incidents.map(
    (i) =>
      markup`<tr><td>${i.rule}</td><td>${i.user ?? '-'}</td><td><span class="badge ${i.state === 'open' ? 'no' : i.state === 'resolved' ? 'yes' : 'exempted'}">${i.state}</span></td><td>${i.severity}</td><td>${when(i.failingSince)} <span class="note">(${age(i.failingSince, now)})</span></td><td>${when(i.openedAt)}</td><td>${when(i.resolvedAt)}</td><td class="wrap">${i.reason}</td></tr>`,
  );
  return markup`<section class="panel" id="incidents">${head}<table class="data"><thead><tr><th>rule</th><th>user</th><th>state</th><th>severity</th><th>failing since</th><th>opened</th><th>resolved</th><th>why</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}
