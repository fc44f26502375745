// /usr/libexec/mdmclient QueryDeviceInformation (slow; run at most once a day):
//   === CPF_GetInstalledProfiles === (<Device>)              header lines (13.x)
//   Number of <Device> profiles found: 6 (Filtered: 0)
//   Daemon response: {                                        old-style plist, TAB or 4-space indent
//       QueryResponses = { ...; EACSPreflight = success; MDMOptions = { BootstrapTokenAllowed = 1; }; };
//   }
//   Agent response: { ... }  |  Agent response: (null)
// Read from the Daemon response: QueryResponses.MDMOptions.BootstrapTokenAllowed and
// QueryResponses.EACSPreflight. Absent keys (pre-Catalina: neither) are "not reported" (not
// applicable), never "no". The whole output must parse; keys that are not used are fine.
// Carrier: stdout. A stderr line beside a Daemon response read in full is unrelated (result.ts).
import type { CommandOutput, ParseResult, ProbeError } from './result.ts';
import type { PlistValue, Reader } from './old-style-plist.ts';
import { isSyntaxError, lookup, parseValue } from './old-style-plist.ts';
import { exitError, problem, settle, strayLines, unrecognised } from './output-lines.ts';

export interface DeviceInformation {
  /** MDMOptions.BootstrapTokenAllowed; null when not reported (see allowedReported) or unreadable. */
  bootstrapTokenAllowed: boolean | null;
  allowedReported: boolean;
  /** EACSPreflight as printed (e.g. "success"); null when not reported. */
  eacsPreflight: string | null;
  eacsReported: boolean;
}

const HEADER = [/^=== .+ ===(?: \(.*\))?$/, /^Number of .+ profiles found: \d+(?: \(.*\))?$/];
const RESPONSE = /^(Daemon|Agent) response:[ \t]*/;

function responses(text: string, errors: ProbeError[]): Map<string, PlistValue | null> {
  const found = new Map<string, PlistValue | null>();
  const r: Reader = { text, pos: 0, line: 1 };
  while (r.pos < text.length) {
    const eol = text.indexOf('\n', r.pos);
    const end = eol < 0 ? text.length : eol;
    const lineText = text.slice(r.pos, end).replace(/\s+$/, '');
    const m = RESPONSE.exec(lineText);
    if (m) {
      const which = m[1] ?? '';
      if (lineText.slice(m[0].length) === '(null)') {
        found.set(which, null);
      } else {
        r.pos += m[0].length;
        try {
          found.set(which, parseValue(r));
        } catch (e) {
          if (!isSyntaxError(e)) throw e;
          errors.push(problem.unreadable(`${which} response: line ${e.line}: ${e.message}`));
          return found;
        }
        const rest = text.slice(
          r.pos,
          text.indexOf('\n', r.pos) < 0 ? text.length : text.indexOf('\n', r.pos),
        );
        if (rest.trim() !== '')
          errors.push(problem.unreadable(`line ${r.line}: unexpected text after the ${which} response`));
        const next = text.indexOf('\n', r.pos);
        r.pos = next < 0 ? text.length : next + 1;
        r.line++;
        continue;
      }
    } else if (lineText.trim() !== '' && !HEADER.some((h) => h.test(lineText))) {
      errors.push(unrecognised({ no: r.line, text: lineText }));
    }
    r.pos = end + 1;
    r.line++;
  }
  return found;
}

export function parseDeviceInformation(out: CommandOutput): ParseResult<DeviceInformation> {
  const stray = strayLines(out, 'stderr');
  const errors: ProbeError[] = [...stray];
  const found = responses(out.stdout, errors);
  const exit = exitError(out, errors);
  if (exit) errors.push(exit);
  const daemon = found.get('Daemon');
  if (daemon === undefined || daemon === null) {
    errors.push(problem.missing(daemon === null ? 'Daemon response: (null)' : 'no Daemon response'));
    return settle(null, errors, stray);
  }
  const query = lookup(daemon, 'QueryResponses');
  if (!(query instanceof Map)) {
    errors.push(problem.missing('Daemon response has no QueryResponses dictionary'));
    return settle(null, errors, stray);
  }
  const value: DeviceInformation = {
    bootstrapTokenAllowed: null,
    allowedReported: false,
    eacsPreflight: null,
    eacsReported: false,
  };
  const allowed = lookup(query, 'MDMOptions', 'BootstrapTokenAllowed');
  if (allowed !== undefined) {
    value.allowedReported = true;
    if (allowed === '1' || allowed === '0') value.bootstrapTokenAllowed = allowed === '1';
    else errors.push(problem.unreadable('MDMOptions.BootstrapTokenAllowed is neither 0 nor 1'));
  }
  const eacs = lookup(query, 'EACSPreflight');
  if (eacs !== undefined) {
    value.eacsReported = true;
    if (typeof eacs === 'string') value.eacsPreflight = eacs;
    else errors.push(problem.unreadable('EACSPreflight is not a string'));
  }
  return settle(value, errors, stray, errors.length === stray.length);
}
