// `tokenwatch-agent config`: every setting, its value and where it came from (MANAGED for a profile's),
// what a higher layer replaced, the preference files, and the problems (render.ts of the loaded config).
import { CONFIG_KEYS, settingOf } from './declaration.ts';
import type { ConfigKey } from './declaration.ts';
import { SOURCE_LABEL, uploadRefusals } from './load.ts';
import type { AgentConfig, ConfigProblem, ConfigSource, OverriddenValue } from './load.ts';

export interface ConfigReport {
  settings: {
    key: ConfigKey;
    /** Secrets: "(set, N chars)" or null, never the value. */
    value: unknown;
    source: ConfigSource;
    overridden: OverriddenValue[];
  }[];
  files: AgentConfig['files'];
  sysroot: string | null;
  problems: ConfigProblem[];
}

/** The JSON form: what `config --json` prints (secrets masked). */
export function configReport(config: AgentConfig): ConfigReport {
  return {
    settings: CONFIG_KEYS.map((key) => {
      const setting = settingOf(key);
      const value = config.values[key];
      return {
        key,
        value: setting.secret ? (value === null ? null : setting.type.display(value)) : value,
        source: config.sources[key],
        overridden: config.overridden[key] ?? [],
      };
    }),
    files: config.files,
    sysroot: config.sysroot,
    problems: config.problems,
  };
}

/** One line per key (key, value, source; MANAGED for profile values), then the files and any problems. */
export function renderConfig(
  config: AgentConfig,
  options: {
    json?: boolean;
    /** A misconfiguration the collector's last answer showed (a redirect, a 404), from the cache. */
    serverAnswer?: string | null;
  } = {},
): string {
  if (options.json) {
    const report = {
      ...configReport(config),
      uploadsRefused: uploadRefusals(config),
      serverAnswer: options.serverAnswer ?? null,
    };
    return `${JSON.stringify(report, null, 2)}\n`;
  }
  const rows = CONFIG_KEYS.map((key) => {
    const shown = settingOf(key).type.display(config.values[key]);
    const over = (config.overridden[key] ?? []).map((o) => `${SOURCE_LABEL[o.source]}: ${o.display}`);
    const source =
      SOURCE_LABEL[config.sources[key]] + (over.length ? `  (overrides ${over.join('; ')})` : '');
    return { key, shown, source };
  });
  const keyWidth = Math.max(...rows.map((r) => r.key.length));
  const valueWidth = Math.min(64, Math.max(...rows.map((r) => r.shown.length)));
  const lines = rows.map((r) => `${r.key.padEnd(keyWidth)}  ${r.shown.padEnd(valueWidth)}  ${r.source}`);
  lines.push('');
  for (const [label, file] of [
    ['preferences', config.files.preferences],
    ['MANAGED', config.files.managed],
  ] as const) {
    lines.push(`${label} file: ${file.path} (${file.state})`);
  }
  if (config.sysroot) lines.push(`sysroot: ${config.sysroot}`);
  if (config.problems.length) {
    lines.push('', `${config.problems.length} configuration problem(s):`);
    for (const p of config.problems) lines.push(`  - ${p.message}`);
  }
  const refusals = uploadRefusals(config);
  if (refusals.length > 0) {
    lines.push('', `UPLOADS ARE REFUSED until ${refusals.length === 1 ? 'this is' : 'these are'} corrected:`);
    for (const r of refusals) lines.push(`  - ${r}`);
  }
  if (options.serverAnswer) lines.push('', `The collector's last answer: ${options.serverAnswer}`);
  return `${lines.join('\n')}\n`;
}
