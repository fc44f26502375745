// What the documents say about the collector's settings, generated from their declaration (config.ts
// SETTINGS): the README's settings table and collector/config.example.json. test/collector/config.test.ts
// checks both are current, and that every default a document states is the declared one.
import { SETTINGS, SETTING_KEYS, shownValue } from './config.ts';
import type { SettingKey } from './config.ts';

interface Bounds {
  type?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  enum?: readonly string[];
  patternProperties?: Record<string, Bounds>;
}

const range = (b: Bounds): string =>
  b.minimum !== undefined && b.maximum !== undefined
    ? `${b.minimum}-${b.maximum}`
    : b.minimum !== undefined
      ? `at least ${b.minimum}`
      : '';

/** A setting's type and range in words: `integer 1-3600`, `true or false`, `one of ...`. */
export function settingType(key: SettingKey): string {
  const b = SETTINGS[key].schema as Bounds;
  if (b.enum) return `one of ${b.enum.join(', ')}`;
  if (b.type === 'integer') return `integer ${range(b)}`.trim();
  if (b.type === 'boolean') return 'true or false';
  if (b.type === 'object' && !b.patternProperties) return 'a JSON object (docs/alerts.md)';
  if (b.type === 'object') {
    const each = Object.values(b.patternProperties ?? {})[0] ?? {};
    return `rule=seconds,... or a JSON object (seconds ${range(each)})`;
  }
  return b.minLength ? 'text, not empty' : 'text';
}

/** The README's table of the collector's settings (between its settings-table markers). */
export function renderSettingsTable(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const rows = SETTING_KEYS.map((key) => {
    const s = SETTINGS[key];
    const value = shownValue(s.default, false);
    return `| \`${key}\` | \`--${s.flag}\` | \`${s.env}\` | ${cell(settingType(key))} | ${cell(value === '(unset)' ? value : `\`${value}\``)} | ${cell(s.description)}${s.secret ? ' (secret: never printed)' : ''} |`;
  });
  return [
    '| setting | flag | environment | type | default | what it does |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** collector/config.example.json: every setting but the secrets, at its example or default value. */
export function exampleConfigJson(): string {
  const example: Record<string, unknown> = {
    $comment:
      'tokenwatch collector settings (tokenwatch serve --config FILE). Every key also has a TOKENWATCH_* environment twin and a --flag; secrets (adminToken, enrollSecret) are better given through the environment.',
  };
  for (const key of SETTING_KEYS) {
    const s = SETTINGS[key];
    if (!s.secret) example[key] = s.example ?? s.default;
  }
  return `${JSON.stringify(example, null, 2)}\n`;
}

/**
 * The ways a document may state a setting's default: as declared (`30`, `1048576`), or in a larger unit
 * (`30 days`, `1 MiB`).
 */
export function defaultPhrases(key: SettingKey): string[] {
  const d = SETTINGS[key].default;
  if (typeof d !== 'number') return [shownValue(d, false)];
  const out = [String(d)];
  if (key.endsWith('Seconds')) {
    if (d % 86400 === 0) out.push(`${d / 86400} day${d === 86400 ? '' : 's'}`);
    if (d % 3600 === 0) out.push(`${d / 3600} hour${d === 3600 ? '' : 's'}`);
    if (d % 60 === 0) out.push(`${d / 60} minute${d === 60 ? '' : 's'}`);
    out.push(`${d} s`);
  }
  if (key.endsWith('Days')) out.push(`${d} days`);
  if (key.endsWith('Bytes') && d % 1048576 === 0) out.push(`${d / 1048576} MiB`);
  return out;
}
