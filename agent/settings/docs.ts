// The settings as documentation, generated from the declaration: the table of README.md (environment and
// flags), the table of launchd/README.md (what a profile writes) and the settings part of the usage text.
// Tests compare the documents' generated blocks (between `<!-- NAME:start -->` and `<!-- NAME:end -->`)
// with these functions.
import { CONFIG_KEYS, settingOf } from './declaration.ts';
import type { ProfileAdvice, Setting } from './declaration.ts';

/** The default as documentation shows it: `unset` and `none` rather than the `config` sentences. */
function shownDefault(s: Setting<unknown>): string {
  const d = s.default;
  if (d === null) return 'unset';
  if (Array.isArray(d) && d.length === 0) return 'none';
  return `\`${s.type.display(d)}\``;
}

const PROFILE_ADVICE: Record<ProfileAdvice, string> = {
  example: 'set in the example',
  optional: 'optional',
  local: 'leave unmanaged (changed on one Mac while debugging)',
};

/** A Markdown table; a `|` inside a cell is escaped. */
const table = (header: string[], rows: string[][]): string =>
  [header, header.map(() => '---'), ...rows.map((r) => r.map((cell) => cell.replaceAll('|', '\\|')))]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .join('\n');

/** `--splay N`, `--exclude-user X (repeatable)`, `--allow-insecure-http`. */
function flagForm(s: Setting<unknown>): string {
  if (s.type.plist === 'boolean') return `--${s.flag}`;
  const value = s.type.range ? 'N' : s.path ? 'PATH' : 'X';
  return `--${s.flag} ${value}${s.type.plist.includes('array') ? ' (repeatable)' : ''}`;
}

/** README.md: every setting with its environment variable, flag, type and default. */
export function renderSettingsTable(): string {
  return table(
    ['key', 'environment', 'flag', 'type', 'default', 'meaning'],
    CONFIG_KEYS.map((key) => {
      const s = settingOf(key);
      return [
        `\`${key}\``,
        `\`${s.env}\``,
        `\`${flagForm(s)}\``,
        s.type.name,
        shownDefault(s),
        s.description,
      ];
    }),
  );
}

/** launchd/README.md: every preference key as a profile or /Library/Preferences writes it. */
export function renderPreferencesTable(): string {
  return table(
    ['key', 'plist type', 'default', 'in a profile', 'meaning'],
    CONFIG_KEYS.map((key) => {
      const s = settingOf(key);
      const type = s.type.range ? `${s.type.plist} ${s.type.range.min}..${s.type.range.max}` : s.type.plist;
      return [`\`${key}\``, type, shownDefault(s), PROFILE_ADVICE[s.profile], s.description];
    }),
  );
}

/** The settings' flags for the usage text, wrapped at `width` characters, each line indented by two spaces. */
export function renderFlagUsage(width = 110): string {
  const words = CONFIG_KEYS.map((key) => flagForm(settingOf(key)));
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line !== '' && line.length + 1 + w.length > width - 2) {
      lines.push(`  ${line}`);
      line = w;
    } else line = line === '' ? w : `${line} ${w}`;
  }
  if (line !== '') lines.push(`  ${line}`);
  return lines.join('\n');
}
