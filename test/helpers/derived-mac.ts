// A simulated Mac a test makes from one of test/fixtures/macs: the same commands and recorded outputs,
// except the outputs the test replaces or adds. Every replaced output is SYNTHETIC by construction (the
// test writes it to exercise something no real capture shows, such as a user name carrying escape
// sequences or a tool that prints secret material); the rest stay the base Mac's real samples.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MACS_DIR, buildSysrootFrom, readManifest } from './sysroot.ts';
import type { FakeCommand } from './sysroot.ts';
import type { SimulatedMac } from './agent-process.ts';

export interface OutputText {
  stdout?: string | null;
  stderr?: string | null;
  exit?: number;
}

export interface Derivation {
  /** Why the Mac exists; kept in its manifest's description and synthetic list. */
  why: string;
  /** argv joined with single spaces -> the new output of that command (it must exist in the base). */
  replace?: Record<string, OutputText>;
  /** New commands (e.g. per-user commands for new users). */
  add?: { argv: string[]; output: OutputText }[];
  /** Files placed in the root (absolute Mac path -> content and modification time), replacing the base's. */
  files?: Record<string, { text: string; modified: string }>;
}

/** Builds the derived Mac in a new folder under `parent`; its data files live beside its manifest. */
export function derivedMac(base: string, d: Derivation, parent: string = os.tmpdir()): SimulatedMac {
  const dir = fs.mkdtempSync(path.join(parent, `tw-mac-${base}-derived-`));
  const macDir = path.join(dir, 'mac');
  const root = path.join(dir, 'root');
  const stateDir = path.join(dir, 'state');
  fs.mkdirSync(macDir);
  fs.mkdirSync(root);
  const manifest = readManifest(base);
  const baseDir = path.join(MACS_DIR, base);
  const absolute = (file: string | null | undefined) => (file ? path.resolve(baseDir, file) : null);
  let n = 0;
  const write = (text: string | null | undefined): string | null => {
    if (text === null || text === undefined) return null;
    const file = path.join(macDir, `output-${++n}-SYNTHETIC.txt`);
    fs.writeFileSync(file, text);
    return file;
  };
  const withOutput = (argv: string[], o: OutputText): FakeCommand => ({
    argv,
    stdout: write(o.stdout),
    stderr: write(o.stderr),
    exit: o.exit ?? 0,
  });
  const replace = new Map(Object.entries(d.replace ?? {}));
  const commands: FakeCommand[] = manifest.commands.map((c) => {
    const key = c.argv.join(' ');
    const o = replace.get(key);
    replace.delete(key);
    return o ? withOutput(c.argv, o) : { ...c, stdout: absolute(c.stdout), stderr: absolute(c.stderr) };
  });
  if (replace.size > 0) throw new Error(`${base} has no command ${[...replace.keys()].join(', ')}`);
  for (const a of d.add ?? []) commands.push(withOutput(a.argv, a.output));
  const derived = {
    ...manifest,
    description: `${manifest.description}; derived in a test: ${d.why}`,
    synthetic: [...(manifest.synthetic ?? []), `output-*-SYNTHETIC.txt: written by the test (${d.why})`],
    commands,
    files: Object.fromEntries(
      Object.entries(manifest.files ?? {}).map(([k, v]) => [
        k,
        { ...v, source: absolute(v.source) ?? v.source },
      ]),
    ),
  };
  for (const [macPath, f] of Object.entries(d.files ?? {}))
    derived.files[macPath] = { source: write(f.text) ?? '', modified: f.modified };
  delete derived.expect;
  fs.writeFileSync(path.join(macDir, 'manifest.json'), `${JSON.stringify(derived, null, 2)}\n`);
  buildSysrootFrom(macDir, root, `${base} (derived)`);
  return {
    name: `${base} (derived)`,
    root,
    stateDir,
    manifest: derived,
    flags: ['--sysroot', root, '--state-dir', stateDir],
  };
}
