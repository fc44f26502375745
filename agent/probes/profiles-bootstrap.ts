// /usr/bin/profiles status -type bootstraptoken
//   profiles: Bootstrap Token supported on server: YES
//   profiles: Bootstrap Token escrowed to server: NO
// The "profiles: " prefix is stripped; "is supported", "escrowed on server" are the same facts.
// Server without Bootstrap Token support prints ONE line: escrowed does not apply (not "NO").
// "escrowed ... YES" is what the Mac claims (it sent the token), not a server-side verification.
// Carrier: the two key lines (either stream). Another line is recorded, and unrelated when both facts
// were read cleanly (the noise policy of result.ts).
import type { CommandOutput, ParseResult, ProbeError } from './result.ts';
import { exitError, numberedLines, problem, settle, unrecognised } from './output-lines.ts';

export interface BootstrapTokenStatus {
  supportedOnServer: boolean | null;
  escrowed: boolean | null;
  /** true when escrow does not apply (server does not support Bootstrap Token). */
  escrowedNotApplicable: boolean;
}

const SUPPORTED = /^Bootstrap Token (?:is )?supported (?:on|by) (?:the )?server:\s*(YES|NO)$/i;
const ESCROWED = /^Bootstrap Token (?:is )?escrowed (?:to|on|with) (?:the )?server:\s*(YES|NO)$/i;

export function parseBootstrapTokenStatus(out: CommandOutput): ParseResult<BootstrapTokenStatus> {
  const errors: ProbeError[] = [];
  const stray: ProbeError[] = [];
  const value: BootstrapTokenStatus = {
    supportedOnServer: null,
    escrowed: null,
    escrowedNotApplicable: false,
  };
  let facts = 0;
  for (const [stream, text] of [
    ['stdout', out.stdout],
    ['stderr', out.stderr],
  ] as const) {
    for (const line of numberedLines(text)) {
      const t = line.text.trim().replace(/^profiles:\s*/, '');
      const s = SUPPORTED.exec(t);
      const e = ESCROWED.exec(t);
      if (s) value.supportedOnServer = (s[1] ?? '').toUpperCase() === 'YES';
      else if (e) value.escrowed = (e[1] ?? '').toUpperCase() === 'YES';
      else {
        const err = unrecognised(line, stream);
        stray.push(err);
        errors.push(err);
        continue;
      }
      facts++;
    }
  }
  const exit = exitError(out, errors);
  if (exit) errors.push(exit);
  if (value.supportedOnServer === false && value.escrowed === null) value.escrowedNotApplicable = true;
  if (value.supportedOnServer === null) errors.push(problem.missing('no "supported on server" line'));
  else if (value.supportedOnServer && value.escrowed === null)
    errors.push(problem.missing('no "escrowed to server" line'));
  return settle(facts > 0 ? value : null, errors, stray, facts > 0 && errors.length === stray.length);
}
