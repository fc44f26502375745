// Reading deploy/systemd as systemd does (the subset the files use): unit files with their sections and
// repeated keys, environment files, the specifiers %S and %%, and the install layout mapped onto this
// checkout so a unit's command line can run here.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { selfSigned } from '../helpers/certificates.ts';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const SYSTEMD_DIR = path.join(ROOT, 'deploy/systemd');
/** Where docs/operations.md installs a release; the units run the pinned Node and the CLI from here. */
export const INSTALL = '/opt/tokenwatch/current';

export interface Entry {
  key: string;
  value: string;
  line: number;
}

export type Unit = Map<string, Entry[]>;

/** Parse a unit file: `[Section]`, `Key=value` (repeatable), `#`/`;` comments, `\` continuations. */
export function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Entry[] | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = (lines[i] as string).trim();
    const start = i + 1;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]?.trim()}`;
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      section = [];
      unit.set(header[1] as string, section);
      continue;
    }
    const kv = /^([A-Za-z][A-Za-z0-9]*)=(.*)$/.exec(line);
    if (!kv || !section) throw new Error(`line ${start}: not a key=value inside a section: ${line}`);
    section.push({ key: kv[1] as string, value: (kv[2] as string).trim(), line: start });
  }
  return unit;
}

export function readUnit(name: string): Unit {
  return parseUnit(fs.readFileSync(path.join(SYSTEMD_DIR, name), 'utf8'));
}

/** Every value of a key in a section, in order (a key may repeat). */
export function values(unit: Unit, section: string, key: string): string[] {
  return (unit.get(section) ?? []).filter((e) => e.key === key).map((e) => e.value);
}

/** The value a single-valued key ends up with (the last one wins), or undefined. */
export function value(unit: Unit, section: string, key: string): string | undefined {
  return values(unit, section, key).at(-1);
}

/** The specifiers our units use, for a system unit: %S is the state directory root. */
export function expandSpecifiers(text: string, stateRoot = '/var/lib'): string {
  return text.replace(/%(.)/g, (_m, c: string) => {
    if (c === 'S') return stateRoot;
    if (c === '%') return '%';
    throw new Error(`specifier %${c} is not expected in these units`);
  });
}

/** Parse an environment file: `NAME=value` lines; `#` comments. Commented-out `#NAME=value` lines too. */
export function parseEnvironmentFile(text: string): {
  active: Map<string, string>;
  commented: Map<string, string>;
} {
  const active = new Map<string, string>();
  const commented = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = /^(#?)([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) (m[1] === '#' ? commented : active).set(m[2] as string, m[3] as string);
    else if (line !== '' && !line.startsWith('#')) throw new Error(`not NAME=value: ${line}`);
  }
  return { active, commented };
}

/** The unit's ExecStart as argv, with the install prefix mapped onto this checkout. */
export function execStart(unit: Unit, map: (arg: string) => string = (a) => a): string[] {
  const line = value(unit, 'Service', 'ExecStart');
  if (line === undefined) throw new Error('no ExecStart');
  return line
    .split(/\s+/)
    .map((a) => map(a))
    .map((a) => (a.startsWith(`${INSTALL}/`) ? path.join(ROOT, a.slice(INSTALL.length + 1)) : a));
}

/** The PATH systemd gives a system service. */
export const SYSTEMD_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Start a unit's command as systemd would: only its own environment, no terminal. */
export function runService(argv: string[], env: Record<string, string>) {
  const child = spawn(argv[0] as string, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

/**
 * The collector unit's environment as systemd builds it (PATH, Environment=, then the EnvironmentFile),
 * under `dir`: %S is `dir`, the example environment file filled in as an admin would (both secrets made,
 * a certificate and key in `dir`/tls), on a free loopback port. Answers the CA to trust.
 */
export async function collectorEnvironment(
  dir: string,
): Promise<{ env: Record<string, string>; ca: string }> {
  const unit = readUnit('tokenwatch.service');
  const server = await selfSigned();
  fs.mkdirSync(path.join(dir, 'tls'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'tls/fullchain.pem'), server.cert);
  fs.writeFileSync(path.join(dir, 'tls/privkey.pem'), server.key, { mode: 0o600 });
  fs.mkdirSync(path.join(dir, 'tokenwatch'), { recursive: true, mode: 0o700 });
  const env: Record<string, string> = { PATH: SYSTEMD_PATH };
  for (const e of values(unit, 'Service', 'Environment')) {
    const [k, ...v] = expandSpecifiers(e, dir).split('=');
    env[k as string] = v.join('=');
  }
  const example = fs.readFileSync(path.join(SYSTEMD_DIR, 'tokenwatch.env.example'), 'utf8');
  for (const [k, v] of parseEnvironmentFile(example).active)
    env[k] = v.replace('/etc/tokenwatch/tls', path.join(dir, 'tls'));
  env['TOKENWATCH_ADMIN_TOKEN'] = randomBytes(32).toString('hex');
  env['TOKENWATCH_ENROLL_SECRET'] = randomBytes(32).toString('hex');
  env['TOKENWATCH_HOST'] = '127.0.0.1';
  env['TOKENWATCH_PORT'] = '0';
  return { env, ca: server.cert };
}

/** Wait for the collector's "listening on URL" line; reject if it exits first. */
export function listening(svc: ReturnType<typeof runService>, timeoutMs = 15_000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening: ${svc.out()} ${svc.err()}`)), timeoutMs);
    const check = () => {
      const m = /listening on (https?:\/\/[\d.:]+)/.exec(svc.out());
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    };
    svc.child.stdout.on('data', check);
    void svc.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code}: ${svc.err()}`));
    });
  });
}
