// /usr/bin/stat -f %Su /dev/console: the owner of the console. root, _mbsetupuser (Setup Assistant)
// and loginwindow mean nobody is logged in: user null.
// Carrier: the one stdout line. A stderr line beside it is unrelated (the noise policy of result.ts); a
// second stdout line, or a name with white space in it, makes the answer unknown.
import type { CommandOutput, ParseResult, ProbeError } from './result.ts';
import { exitError, numberedLines, problem, settle, strayLines, unrecognised } from './output-lines.ts';

export interface ConsoleUser {
  user: string | null;
}

const NOBODY = new Set(['root', '_mbsetupuser', 'loginwindow']);

export function parseConsoleUser(out: CommandOutput): ParseResult<ConsoleUser> {
  const errors: ProbeError[] = [];
  const lines = numberedLines(out.stdout);
  for (const line of lines.slice(1)) errors.push(unrecognised(line));
  const first = lines[0];
  if (first && /\s/.test(first.text.trim())) errors.push(unrecognised(first));
  const stray = strayLines(out, 'stderr');
  errors.push(...stray);
  const exit = exitError(out, errors);
  if (exit) errors.push(exit);
  if (!first) {
    if (!exit) errors.push(problem.missing('no output'));
    return settle(null, errors, stray);
  }
  if (errors.length > stray.length) return settle(null, errors, stray);
  const name = first.text.trim();
  return settle({ user: NOBODY.has(name) ? null : name }, errors, stray);
}
