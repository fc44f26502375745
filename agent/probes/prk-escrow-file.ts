// /var/db/FileVaultPRK.dat: the personal recovery key, encrypted to the certificate of an FDE recovery key
// escrow payload (com.apple.security.FDERecoveryKeyEscrow) and wrapped in a CMS envelope, which macOS
// (mdmclient, "Saved PRK escrow file") writes when a personal recovery key is created or changed while such
// a payload is installed. The MDM collects it in its SecurityInfo answer; the file stays (Apple: other
// software "can extract the PRK from the foregoing location at any time"), and is rewritten at each new key.
// The agent never opens it: the edge that looks at it uses lstat (no process, no read, no symlink
// followed) and hands this interpreter what lstat established.
// What the facts prove:
// - present: a key created while an escrow payload was installed is waiting, encrypted for that payload's
//   certificate; modifiedAt is when that key was written. It does NOT prove the MDM has collected it, that
//   the MDM can decrypt it (a replaced profile or certificate), or that it is still the key in use (a key
//   changed after the payload was removed leaves the old file).
// - absent: the current personal recovery key (if there is one) was never written for MDM escrow: it
//   predates the payload, or no payload is installed, or escrow goes another way (Crypt, a Jamf policy).
import type { ParseResult } from './result.ts';
import { problem } from './output-lines.ts';
import type { PathStat } from './path-stat.ts';
import { lstatRefused, notAFile } from './path-stat.ts';

export type { PathStat } from './path-stat.ts';

export const PRK_ESCROW_FILE = '/var/db/FileVaultPRK.dat';

export interface PrkEscrowFile {
  present: boolean;
  /** Bytes (a CMS envelope: 460 in the mdmclient logs Elliot Jordan published); null when absent. */
  size: number | null;
  /** ISO 8601: when the escrowed key was written; null when absent. */
  modifiedAt: string | null;
}

export function interpretPrkEscrowFile(stat: PathStat): ParseResult<PrkEscrowFile> {
  switch (stat.kind) {
    case 'missing':
      return { value: { present: false, size: null, modifiedAt: null }, errors: [] };
    case 'error':
      return { value: null, errors: [lstatRefused(PRK_ESCROW_FILE, stat.code)] };
    case 'file': {
      const value = { present: true, size: stat.size, modifiedAt: stat.modifiedAt };
      const errors =
        stat.size === 0 ? [problem.unreadable(`${PRK_ESCROW_FILE} is empty: it holds no escrowed key`)] : [];
      return { value, errors };
    }
    default:
      return { value: null, errors: [notAFile(PRK_ESCROW_FILE, stat.kind)] };
  }
}
