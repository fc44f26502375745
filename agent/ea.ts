// Jamf extension attributes: one value each, printed as <result>...</result> (ea-summary.ts writes them
// all into the summary plist at each collection; `ea NAME` reads it back). Pure: a snapshot in, text out.
// Unknown is never "No".
import type { Snapshot, User } from './snapshot/index.ts';

export interface EaDefinition {
  name: string;
  description: string;
  value(snapshot: Snapshot): string;
}

const counted = (s: Snapshot): User[] => s.users.filter((u) => !u.excluded);

function namesWhere(users: User[], pick: (u: User) => boolean | null): { yes: string[]; unknown: string[] } {
  const yes: string[] = [];
  const unknown: string[] = [];
  for (const u of users) {
    const v = pick(u);
    if (v === null) unknown.push(u.name);
    else if (v) yes.push(u.name);
  }
  return { yes, unknown };
}

function listWithUnknown(yes: string[], unknown: string[], none = 'None'): string {
  if (yes.length === 0 && unknown.length > 0) return `Unknown (${unknown.join(', ')})`;
  const base = yes.length ? yes.join(', ') : none;
  return unknown.length ? `${base}; unknown: ${unknown.join(', ')}` : base;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `YYYY-MM-DD hh:mm:ss` in UTC, the form Jamf's date-type extension attributes take. */
export function jamfDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return 'Unknown';
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

export const EAS: readonly EaDefinition[] = [
  {
    name: 'bootstrap-escrowed',
    description: 'Bootstrap Token escrowed to the MDM server: Yes / No / Not supported / Unknown',
    value: (s) => {
      const bt = s.bootstrapToken;
      if (bt.escrowed === true) return 'Yes';
      if (bt.supportedOnServer === false) return 'Not supported';
      if (bt.escrowed === false) return 'No';
      return 'Unknown';
    },
  },
  {
    name: 'users-without-securetoken',
    description: 'Counted users without a SecureToken (names), None, or Unknown',
    value: (s) => {
      const r = namesWhere(counted(s), (u) => (u.secureToken === null ? null : !u.secureToken));
      return listWithUnknown(r.yes, r.unknown);
    },
  },
  {
    name: 'securetoken-holders',
    description: 'Users holding a SecureToken (names), None, or Unknown',
    value: (s) => {
      const r = namesWhere(s.users, (u) => u.secureToken);
      return listWithUnknown(r.yes, r.unknown);
    },
  },
  {
    name: 'volume-owners',
    description: 'Users who are volume owners (Apple silicon), None, Not applicable (Intel) or Unknown',
    value: (s) => {
      if (s.device.appleSilicon === false) return 'Not applicable';
      if (s.device.appleSilicon === null) return 'Unknown';
      const r = namesWhere(s.users, (u) => u.volumeOwner);
      return listWithUnknown(r.yes, r.unknown);
    },
  },
  {
    name: 'filevault',
    description: 'FileVault: On / Off / Encrypting / Decrypting / Unknown',
    value: (s) => s.fileVault.state.charAt(0).toUpperCase() + s.fileVault.state.slice(1),
  },
  {
    name: 'mdm-enrolled',
    description: 'MDM enrollment: Yes (DEP) / Yes (User Approved) / Yes / No / Unknown',
    value: (s) => {
      const m = s.mdm;
      if (m.enrolled === null) return 'Unknown';
      if (!m.enrolled) return 'No';
      if (m.dep) return 'Yes (DEP)';
      if (m.userApproved) return 'Yes (User Approved)';
      return 'Yes';
    },
  },
  {
    name: 'last-collection',
    description: 'When the agent last collected, YYYY-MM-DD hh:mm:ss (UTC)',
    value: (s) => jamfDate(s.collectedAt),
  },
  {
    name: 'collection-errors',
    description:
      'Number of probes that failed in the last collection, with their ids, or None (a line a tool printed ' +
      'beside an answer it gave in full is no failure)',
    value: (s) => {
      const failed = [...new Set(s.errors.filter((e) => e.unrelated !== true).map((e) => e.probe))];
      return failed.length === 0 ? 'None' : `${failed.length}: ${failed.join(', ')}`;
    },
  },
];

export function eaByName(name: string): EaDefinition | undefined {
  return EAS.find((e) => e.name === name);
}

export { renderEa } from './ea-result.ts';
