// /usr/sbin/diskutil apfs listcryptousers /
//   Cryptographic users for disk3s1s1 (3 found)      also "Cryptographic user for diskX (1 found)",
//   |                                                  10.13 beta "Cryptographic users (N found)",
//   +-- DA145BD0-81C7-41AA-9676-794E0A14B63D           "No cryptographic users for diskX"
//   |   Type: Local Open Directory User
//   |   Volume Owner: Yes                              Apple silicon only
//   |
//   +-- EBC6C064-0000-11AA-AA11-00306543ECAC
//       Type: Personal Recovery User                   last entry: four spaces, no '|'
//    (a line holding one space ends the listing)
// No "Volume Owner" line anywhere means volume ownership is not reported (Intel): not "No".
// Unknown types keep their printed text with kind "unknown" (no error: a new type is not a failure).
// Carrier: stdout, a list: an unrecognised stdout line may be an entry, so the list is incomplete; a
// stderr line beside a list read in full is unrelated (the noise policy of result.ts).
import type { CryptoUserKind } from '../snapshot/schema.ts';
import type { CommandOutput, ParseResult, ProbeError } from './result.ts';
import { excerpt } from './excerpt.ts';
import { exitError, numberedLines, problem, settle, strayLines, unrecognised } from './output-lines.ts';

export interface CryptoUserEntry {
  /** As printed (GeneratedUID for local users; fixed UUIDs for recovery/bootstrap entries). */
  uuid: string;
  type: string;
  kind: CryptoUserKind;
  volumeOwner: boolean | null;
}

export interface CryptoUsers {
  device: string | null;
  users: CryptoUserEntry[];
  /** true when diskutil printed Volume Owner lines (Apple silicon); false: not reported (Intel). */
  volumeOwnerReported: boolean;
}

const KINDS: Record<string, CryptoUserKind> = {
  'local open directory user': 'local_user',
  'local open directory': 'local_user', // 10.13 betas
  'mdm bootstrap token external key': 'mdm_bootstrap_token',
  'personal recovery user': 'personal_recovery_user',
  'personal recovery': 'personal_recovery_user', // 10.13 betas
  personal: 'personal_recovery_user', // 10.13 beta 4, as printed in the only capture
  'personal recovery key': 'personal_recovery_key',
  'personal recovery external key': 'personal_recovery_key',
  'institutional recovery user': 'institutional_recovery_user',
  'institutional recovery key': 'institutional_recovery_key',
  'institutional recovery external key': 'institutional_recovery_key',
  'icloud recovery user': 'icloud_recovery_user',
  'icloud recovery key': 'icloud_recovery_key',
  'icloud recovery external key': 'icloud_recovery_key',
};

export function cryptoUserKind(type: string): CryptoUserKind {
  return KINDS[type.trim().toLowerCase()] ?? 'unknown';
}

const HEADER = /^Cryptographic users? (?:for (\S+) )?\((\d+) found\)$/;
const NONE = /^No cryptographic users(?: for (\S+))?\.?$/;

export function parseCryptoUsers(out: CommandOutput): ParseResult<CryptoUsers> {
  const stray = strayLines(out, 'stderr');
  const errors: ProbeError[] = [...stray];
  const lines = numberedLines(out.stdout);
  const exit = exitError(out, errors);
  const first = lines[0];
  const header = first ? HEADER.exec(first.text) : null;
  const none = first ? NONE.exec(first.text) : null;
  if (!header && !none) {
    errors.push(
      exit ??
        (first
          ? {
              ...unrecognised(first),
              message: `no "Cryptographic users" header: ${unrecognised(first).message}`,
            }
          : problem.missing('no output')),
    );
    return settle(null, errors, stray);
  }
  if (exit) errors.push(exit);
  const value: CryptoUsers = { device: (header ?? none)?.[1] ?? null, users: [], volumeOwnerReported: false };
  let current: CryptoUserEntry | null = null;
  const typeSeen = new Set<CryptoUserEntry>();
  const ownerSeen = new Set<CryptoUserEntry>();
  for (const line of lines.slice(1)) {
    const t = line.text.replace(/^[|\s]+/, '');
    if (t === '') continue; // the "|" spacer lines
    const entry = /^\+--?\s+(\S+)$/.exec(t);
    if (entry) {
      current = { uuid: entry[1] ?? '', type: '', kind: 'unknown', volumeOwner: null };
      value.users.push(current);
      continue;
    }
    const attr = /^([A-Za-z][A-Za-z ]*?):\s*(.*)$/.exec(t);
    if (attr && current && attr[1] === 'Type' && attr[2] !== '') {
      current.type = attr[2] ?? '';
      current.kind = cryptoUserKind(attr[2] ?? '');
      typeSeen.add(current);
    } else if (attr && current && attr[1] === 'Volume Owner' && /^(Yes|No)$/.test(attr[2] ?? '')) {
      current.volumeOwner = attr[2] === 'Yes';
      ownerSeen.add(current);
      value.volumeOwnerReported = true;
    } else {
      errors.push(unrecognised(line));
    }
  }
  for (const u of value.users) {
    if (!typeSeen.has(u)) errors.push(problem.missing(`crypto user ${excerpt(u.uuid)} has no Type line`));
    if (value.volumeOwnerReported && !ownerSeen.has(u)) {
      errors.push(problem.missing(`crypto user ${excerpt(u.uuid)} has no Volume Owner line while others do`));
    }
  }
  const expected = header ? Number(header[2]) : 0;
  if (expected !== value.users.length) {
    errors.push(problem.conflict(`header says ${expected} found, ${value.users.length} listed`));
  }
  return settle(value, errors, stray, errors.length === stray.length);
}
