// /usr/bin/fdesetup showdeferralinfo (root): the deferred-enablement settings ("a user will be asked to
// turn FileVault on at logout"), printed as one old-style plist dictionary:
//   {
//       Defer = 1;
//       OutputPath = "/var/db/ConfigurationProfiles/fdesetup.plist";
//       ProfileUUID = "418DEB1B-....";          (the deferral came from a configuration profile)
//       ShowRecoveryKey = 1;
//       Usernames =     (
//       );
//   }
// or, when no deferral is set, the single line `Not found.` with exit code 20 (the form scripts compare
// against; exit code 20 accepted by carlashley/munkicon; no raw capture). The dictionary stays after
// FileVault is on (seen: FileVault On and Defer = 1 on the same Mac), so "deferred" is not "off": the
// caller joins it with `fdesetup status`. Keys other than the ones read are allowed; a dictionary
// without Defer, or a Defer that is neither 0 nor 1, is an error.
// Carrier: stdout. A stderr line beside an answer read in full is unrelated (the noise policy of result.ts).
import type { CommandOutput, ParseResult, ProbeError } from './result.ts';
import type { PlistValue, Reader } from './old-style-plist.ts';
import { isSyntaxError, parseValue, skipSpace } from './old-style-plist.ts';
import { exitError, numberedLines, problem, settle, strayLines, unrecognised } from './output-lines.ts';

export interface FileVaultDeferral {
  /** A deferred enablement is configured (Defer = 1). */
  deferred: boolean;
  /** The deferral came from a configuration profile (ProfileUUID printed), e.g. an MDM FileVault payload. */
  fromProfile: boolean;
  /** Where fdesetup writes the enablement record (with the recovery key); never read by the agent. */
  outputPath: string | null;
  /** Usernames as printed (an empty list: any user who logs out); null when not printed. */
  users: string[] | null;
}

/** `fdesetup showdeferralinfo` answers 20 with `Not found.` (munkicon accepts it). */
export const NOT_FOUND_EXIT_CODE = 20;

const NOT_DEFERRED: FileVaultDeferral = {
  deferred: false,
  fromProfile: false,
  outputPath: null,
  users: null,
};

function notFound(
  out: CommandOutput,
  errors: ProbeError[],
  stray: readonly ProbeError[],
): ParseResult<FileVaultDeferral> {
  const exit = exitError(out, errors, [0, NOT_FOUND_EXIT_CODE]);
  if (exit) errors.push(exit);
  return settle(errors.length > stray.length ? null : { ...NOT_DEFERRED }, errors, stray);
}

function stringList(v: PlistValue | undefined): string[] | null | 'invalid' {
  if (v === undefined) return null;
  if (!Array.isArray(v)) return 'invalid';
  const names = v.filter((n): n is string => typeof n === 'string');
  return names.length === v.length ? names : 'invalid';
}

function fromDictionary(dict: Map<string, PlistValue>, errors: ProbeError[]): FileVaultDeferral | null {
  const defer = dict.get('Defer');
  if (defer === undefined) {
    errors.push(problem.missing('no Defer key in the deferral settings'));
    return null;
  }
  if (defer !== '0' && defer !== '1') {
    errors.push(problem.unreadable('Defer is neither 0 nor 1'));
    return null;
  }
  const users = stringList(dict.get('Usernames'));
  if (users === 'invalid') errors.push(problem.unreadable('Usernames is not a list of names'));
  const outputPath = dict.get('OutputPath');
  if (outputPath !== undefined && typeof outputPath !== 'string')
    errors.push(problem.unreadable('OutputPath is not a string'));
  return {
    deferred: defer === '1',
    fromProfile: dict.has('ProfileUUID'),
    outputPath: typeof outputPath === 'string' ? outputPath : null,
    users: users === 'invalid' ? null : users,
  };
}

export function parseDeferralInfo(out: CommandOutput): ParseResult<FileVaultDeferral> {
  const stray = strayLines(out, 'stderr');
  const errors: ProbeError[] = [...stray];
  const lines = numberedLines(out.stdout);
  const first = lines[0];
  if (!first) {
    const exit = exitError(out, errors);
    if (exit) errors.push(exit);
    errors.push(problem.missing('no output: neither deferral settings nor "Not found."'));
    return settle(null, errors, stray);
  }
  if (first.text.trim() === 'Not found.') {
    for (const line of lines.slice(1)) errors.push(unrecognised(line));
    return notFound(out, errors, stray);
  }
  if (!first.text.trim().startsWith('{')) {
    for (const line of lines) errors.push(unrecognised(line));
    const exit = exitError(out, errors);
    if (exit) errors.push(exit);
    return settle(null, errors, stray);
  }
  const r: Reader = { text: out.stdout, pos: 0, line: 1 };
  let parsed: PlistValue;
  try {
    parsed = parseValue(r);
  } catch (e) {
    if (!isSyntaxError(e)) throw e;
    errors.push(problem.unreadable(`deferral settings: line ${e.line}: ${e.message}`));
    const exit = exitError(out, errors);
    if (exit) errors.push(exit);
    return settle(null, errors, stray);
  }
  skipSpace(r);
  if (r.pos < out.stdout.length)
    errors.push(problem.unreadable(`line ${r.line}: unexpected text after the deferral settings`));
  const exit = exitError(out, errors);
  if (exit) errors.push(exit);
  if (!(parsed instanceof Map)) {
    errors.push(problem.unreadable('the deferral settings are not a dictionary'));
    return settle(null, errors, stray);
  }
  const value = fromDictionary(parsed, errors);
  return settle(errors.length > stray.length ? null : value, errors, stray);
}
