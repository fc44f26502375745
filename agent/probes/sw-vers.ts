// /usr/bin/sw_vers: "Key:<TAB(s)>Value" lines (one TAB up to 11.x, two from 13.3; pastes may use spaces).
// Carrier: stdout (noise policy: result.ts).
import type { CommandOutput, ParseResult, ProbeError } from './result.ts';
import { exitError, numberedLines, problem, settle, strayLines, unrecognised } from './output-lines.ts';

export interface SwVers {
  productName: string | null;
  productVersion: string | null;
  /** Rapid Security Response letter, e.g. "(a)" (13.3+), null when not printed. */
  productVersionExtra: string | null;
  buildVersion: string | null;
}

const KEYS = {
  ProductName: 'productName',
  ProductVersion: 'productVersion',
  ProductVersionExtra: 'productVersionExtra',
  BuildVersion: 'buildVersion',
} as const;

export function parseSwVers(out: CommandOutput): ParseResult<SwVers> {
  const errors: ProbeError[] = [];
  const value: SwVers = {
    productName: null,
    productVersion: null,
    productVersionExtra: null,
    buildVersion: null,
  };
  let seen = 0;
  for (const line of numberedLines(out.stdout)) {
    const m = /^(\w+):\s*(.*)$/.exec(line.text);
    const field = m && Object.hasOwn(KEYS, m[1] ?? '') ? KEYS[m[1] as keyof typeof KEYS] : undefined;
    if (!m || !field || m[2] === '') {
      errors.push(unrecognised(line));
      continue;
    }
    value[field] = m[2] ?? '';
    seen++;
  }
  const stray = strayLines(out, 'stderr');
  errors.push(...stray);
  const exit = exitError(out, errors);
  if (exit) errors.push(exit);
  if (value.productVersion === null) errors.push(problem.missing('no ProductVersion line'));
  if (value.buildVersion === null) errors.push(problem.missing('no BuildVersion line'));
  return settle(seen > 0 ? value : null, errors, stray);
}
