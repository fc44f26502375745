// /usr/bin/stat -f %Su /dev/console: the owner of the console. root, _mbsetupuser (Setup Assistant)
// and loginwindow mean nobody is logged in: user null.
import type { CommandOutput, ParseResult } from './result.ts';
import { exitError, numberedLines, unrecognised } from './output-lines.ts';

export interface ConsoleUser {
  user: string | null;
}

const NOBODY = new Set(['root', '_mbsetupuser', 'loginwindow']);

export function parseConsoleUser(out: CommandOutput): ParseResult<ConsoleUser> {
  const errors: string[] = [];
  const lines = numberedLines(out.stdout);
  for (const line of lines.slice(1)) errors.push(unrecognised(line));
  const first = lines[0];
  if (first && /\s/.test(first.text.trim())) errors.push(unrecognised(first));
  for (const line of numberedLines(out.stderr)) errors.push(unrecognised(line, 'stderr'));
  const exit = exitError(out, errors);
  if (exit) errors.push(exit);
  if (!first) {
    if (!exit) errors.push('no output');
    return { value: null, errors };
  }
  if (errors.length > 0) return { value: null, errors };
  const name = first.text.trim();
  return { value: { user: NOBODY.has(name) ? null : name }, errors };
}
