// loadConfig over in-memory preference files, and the plist snippets the settings tests write.
import { readFileSync } from 'node:fs';
import { MANAGED_PREFERENCES_PLIST, PREFERENCES_PLIST } from '../../../agent/settings/declaration.ts';
import { loadConfig } from '../../../agent/settings/load.ts';
import type { AgentConfig, FlagValues, LoadConfigInput } from '../../../agent/settings/load.ts';

const FIXTURES = new URL('../../fixtures/prefs/', import.meta.url);
export const fixture = (name: string): Buffer => readFileSync(new URL(name, FIXTURES));

/** An XML plist dictionary from raw `<key>..</key><value>` pairs. */
export const plist = (entries: Record<string, string>): Buffer =>
  Buffer.from(
    `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0">\n<dict>\n${Object.entries(entries)
      .map(([k, v]) => `\t<key>${k}</key>\n\t${v}\n`)
      .join('')}</dict>\n</plist>\n`,
  );
export const str = (s: string): string => `<string>${s}</string>`;
/** The two pins in test/fixtures/prefs/managed-mdm.*.plist: the current key and a backup key. */
export const PIN_A = 'PxqcC3fiXUihxg6TtC/YcWoF7skUi1PwJ9ppvDGOpAc=';
export const PIN_B = 'x3n3dDBS0I2PbfF/8Hq4oHvNm1CVEgnZ3GkVZ0p1xNA=';
export const int = (n: number): string => `<integer>${n}</integer>`;

export interface Setup {
  preferences?: Buffer | null;
  managed?: Buffer | null;
  env?: Record<string, string | undefined>;
  flags?: FlagValues;
  sysroot?: string | null;
  cwd?: string | null;
}

/** loadConfig over in-memory files; also returns the paths it asked for. */
export function load(setup: Setup = {}): AgentConfig & { read: string[] } {
  const sysroot = setup.sysroot ?? null;
  const prefix = sysroot ?? '';
  const files = new Map<string, Buffer | null>([
    [prefix + PREFERENCES_PLIST, setup.preferences ?? null],
    [prefix + MANAGED_PREFERENCES_PLIST, setup.managed ?? null],
  ]);
  const read: string[] = [];
  const input: LoadConfigInput = {
    flags: setup.flags ?? {},
    env: setup.env ?? {},
    sysroot,
    cwd: setup.cwd ?? null,
    readFile: (path) => {
      read.push(path);
      return files.get(path) ?? null;
    },
  };
  return { ...loadConfig(input), read };
}
