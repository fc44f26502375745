// /usr/bin/fdesetup status
//   FileVault is On.  /  FileVault is Off.
//   Encryption in progress: Percent completed = 12.34    (documented; exit code 2 while it runs)
//   Decryption in progress: Percent completed = 87.6     (documented; exit code 2)
//   Encryption in progress: Pending                      (documented, CoreStorage era)
//   FileVault master keychain appears to be installed.   (institutional recovery keychain present)
//   Deferred enablement appears to be active[ for user 'name'].
// A progress line wins over On/Off. No On/Off/progress line: state "unknown" with an error.
// Carrier: the state line on stdout. Another line (either stream) the parser does not recognise is
// recorded and leaves the state as read; beside a state read cleanly it is unrelated (result.ts).
import type { FileVaultState } from '../snapshot/schema.ts';
import type { CommandOutput, ParseResult, ProbeError } from './result.ts';
import { exitError, numberedLines, problem, settle, strayLines, unrecognised } from './output-lines.ts';

export interface FileVaultStatus {
  state: FileVaultState;
  /** Percent completed while encrypting/decrypting, when printed. */
  percent: number | null;
  masterKeychain: boolean;
  deferredEnablement: boolean;
}

const PROGRESS = /^(Encryption|Decryption) in progress: (?:Percent completed = (\d+(?:\.\d+)?)|Pending)\.?$/i;

export function parseFileVaultStatus(out: CommandOutput): ParseResult<FileVaultStatus> {
  const errors: ProbeError[] = [];
  const stray: ProbeError[] = [];
  const value: FileVaultStatus = {
    state: 'unknown',
    percent: null,
    masterKeychain: false,
    deferredEnablement: false,
  };
  let onOff: 'on' | 'off' | null = null;
  let progress: 'encrypting' | 'decrypting' | null = null;
  for (const line of numberedLines(out.stdout)) {
    const t = line.text.trim();
    const state = /^FileVault is (On|Off)\.$/.exec(t);
    const prog = PROGRESS.exec(t);
    if (state) {
      const s = state[1] === 'On' ? 'on' : 'off';
      if (onOff !== null && onOff !== s)
        errors.push(problem.conflict(`conflicting lines: FileVault is On and Off (line ${line.no})`));
      onOff = s;
    } else if (prog) {
      progress = (prog[1] ?? '').toLowerCase() === 'encryption' ? 'encrypting' : 'decrypting';
      value.percent = prog[2] === undefined ? null : Number(prog[2]);
    } else if (t === 'FileVault master keychain appears to be installed.') {
      value.masterKeychain = true;
    } else if (/^Deferred enablement appears to be active(?: for user '.*')?\.$/.test(t)) {
      value.deferredEnablement = true;
    } else if (/^Volume is APFS\. \(FileVault (?:Enabled|Disabled)\)$/.test(t)) {
      // printed with -extended; harmless
    } else {
      const e = unrecognised(line);
      stray.push(e);
      errors.push(e);
    }
  }
  const stderr = strayLines(out, 'stderr');
  stray.push(...stderr);
  errors.push(...stderr);
  // Exit code 2 is documented while encrypting or decrypting: a state, not a failure.
  const exit = exitError(out, errors, progress ? [0, 2] : [0]);
  if (exit) errors.push(exit);
  if (progress) value.state = progress;
  else if (onOff && !errors.some((e) => e.kind === 'conflict')) value.state = onOff;
  else if (!onOff) errors.push(problem.missing('no "FileVault is On/Off" line: state unknown'));
  return settle(value, errors, stray, value.state !== 'unknown' && !exit);
}
