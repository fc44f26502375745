// Which simulated Macs `npm run demo` runs as live agents, and how its report names each one: what the Mac
// is, beside its serial (read from the Mac's own system_profiler output, so the two cannot disagree), and
// whether some of its recorded tool outputs are SYNTHETIC (written in the documented form where no real
// capture exists: test/fixtures/macs/NAME/manifest.json lists them), marked once in the report's legend.
// A Mac the agent cannot run on (the agent needs macOS 11 or later) is not run: its outputs stay for the
// parser and rule tests.
import fs from 'node:fs';
import path from 'node:path';
import { listMacs, MACS_DIR, readManifest } from '../test/helpers/sysroot.ts';

/** What each simulated Mac is, as the demo's report shows it. */
export const WHAT: Readonly<Record<string, string>> = {
  'applesilicon-compliant': 'compliant: the reference Mac',
  'applesilicon-not-escrowed': 'Bootstrap Token not escrowed',
  'applesilicon-user-without-token': 'users without a SecureToken',
  broken: 'tools failing, garbled, hanging',
  'filevault-encrypting': 'FileVault still encrypting',
  'filevault-off': 'FileVault off',
  'intel-catalina': 'Intel, macOS 10.15 Catalina',
  'not-enrolled': 'not enrolled in MDM',
};

/** Macs the agent cannot run on (the reason the demo prints), kept for the parser and rule tests. */
export const NOT_RUN: Readonly<Record<string, string>> = {
  'intel-catalina': 'macOS 10.15.6: the agent needs macOS 11 or later; its outputs stay for the parser tests',
};

export const SYNTHETIC_MARK = '*';
export const SYNTHETIC_LEGEND = `${SYNTHETIC_MARK} some of this Mac's recorded tool outputs are SYNTHETIC: written in the documented form where no real capture exists (test/fixtures/macs/<name>/manifest.json lists them)`;

export interface DemoMac {
  /** The folder under test/fixtures/macs. */
  name: string;
  serial: string;
  /** What the Mac is, with the SYNTHETIC mark when it has such outputs. */
  label: string;
  synthetic: boolean;
}

/** The serial the Mac's system_profiler output reports. */
function serialOf(name: string): string {
  const command = readManifest(name).commands.find((c) => c.argv[0] === '/usr/sbin/system_profiler');
  if (!command?.stdout) throw new Error(`${name}: no system_profiler output in its manifest`);
  const data = JSON.parse(fs.readFileSync(path.join(MACS_DIR, name, command.stdout), 'utf8')) as {
    SPHardwareDataType?: { serial_number?: string }[];
  };
  const serial = data.SPHardwareDataType?.[0]?.serial_number;
  if (!serial) throw new Error(`${name}: its system_profiler output names no serial`);
  return serial;
}

/** Every simulated Mac, described; `run` is false for those the agent cannot run on. */
export function demoMacs(): (DemoMac & { run: boolean })[] {
  return listMacs().map((name) => {
    const synthetic = (readManifest(name).synthetic?.length ?? 0) > 0;
    const what = WHAT[name] ?? name;
    return {
      name,
      serial: serialOf(name),
      label: synthetic ? `${what} ${SYNTHETIC_MARK}` : what,
      synthetic,
      run: NOT_RUN[name] === undefined,
    };
  });
}
