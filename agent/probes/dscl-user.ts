// /usr/bin/dscl . -read /Users/NAME GeneratedUID AuthenticationAuthority
// AuthenticationAuthority comes single-line (";ShadowHash;HASHLIST:<...> ;Kerberosv5;;... ;SecureToken;")
// or multi-line (one value per line after "AuthenticationAuthority:", used when a value has a space,
// e.g. ";LocalCachedUser;/Active Directory/..."). Tokens read:
//   ;SecureToken;       a HINT only (the attribute "is not itself the SecureToken"); sysadminctl decides
//   ;LocalCachedUser;   mobile (cached network) account
//   DisabledUser        bare token or ;DisabledUser;, appended by admins: the account is disabled
// `No such key: AuthenticationAuthority` is dscl saying the attribute is absent: no tokens, so not mobile
// and not disabled (established, not guessed). A DS Error (e.g. -14136 eDSRecordNotFound) is an error.
// Noise policy (result.ts): a stderr line beside a record read in full is unrelated.
import type { CommandOutput, ParseResult, ProbeError } from './result.ts';
import { readDsRecord } from './dscl-record.ts';
import { exitError, problem, settle } from './output-lines.ts';

export interface DirectoryUserRecord {
  /** GeneratedUID as printed (matches diskutil crypto users and fdesetup list, case-insensitively). */
  guid: string | null;
  /** AuthenticationAuthority values; null when the output did not establish them. */
  authenticationAuthority: string[] | null;
  secureTokenHint: boolean | null;
  mobile: boolean | null;
  disabled: boolean | null;
}

const AA = 'AuthenticationAuthority';

export function parseDsclUser(out: CommandOutput): ParseResult<DirectoryUserRecord> {
  const rec = readDsRecord(out);
  const errors: ProbeError[] = [...rec.dsErrors, ...rec.errors, ...rec.stray];
  const exit = exitError(out, errors);
  if (exit && rec.dsErrors.length === 0) errors.push(exit);
  if (rec.dsErrors.length > 0) return settle(null, errors, rec.stray);
  const readErrors = errors.length;

  const guidValues = rec.attributes.get('GeneratedUID');
  let guid: string | null = null;
  if (guidValues && guidValues.length === 1) guid = guidValues[0] ?? '';
  else if (guidValues) errors.push(problem.conflict(`GeneratedUID has ${guidValues.length} values`));
  else
    errors.push(
      problem.missing(rec.missing.has('GeneratedUID') ? 'No such key: GeneratedUID' : 'no GeneratedUID line'),
    );

  let aa: string[] | null = rec.attributes.get(AA) ?? null;
  if (aa === null) {
    if (rec.missing.has(AA)) aa = [];
    else errors.push(problem.missing('no AuthenticationAuthority line'));
  }
  const value: DirectoryUserRecord = {
    guid,
    authenticationAuthority: aa,
    secureTokenHint: aa && aa.some((v) => v === ';SecureToken;'),
    mobile: aa && aa.some((v) => v.startsWith(';LocalCachedUser;')),
    disabled: aa && aa.some((v) => v === 'DisabledUser' || v.startsWith(';DisabledUser;')),
  };
  if (guid === null && aa === null) return settle(null, errors, rec.stray);
  const inFull = rec.errors.length === 0 && !exit && errors.length === readErrors;
  return settle(value, errors, rec.stray, inFull);
}
