// Sizes, start-up time and peak memory of the built executables (dist/, from npm run build:agent).
// The benchmark imports the functions; run alone it prints a table, or JSON with --json:
//
//   node scripts/build/measure.ts [--json] [--runs N] [--sysroot DIR]
//
// Start-up: wall time of `tokenwatch-agent-linux-x64 --version`, median of N runs (default 20) after
// two warm-up runs. Peak RSS: /usr/bin/time's maximum resident set size when it is installed,
// otherwise the kernel's high-water mark (VmHWM) sampled from /proc until the process exits.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const DIST = path.join(ROOT, 'dist');
const ENV = { PATH: '/usr/bin:/bin' };

export interface Startup {
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
}

export interface PeakRss {
  kib: number;
  method: '/usr/bin/time' | '/proc VmHWM';
}

export interface Measurements {
  sizes: Record<string, number>;
  startup: Startup & { command: string };
  peakRss: (PeakRss & { command: string })[];
}

export function measureStartup(file: string, args: string[] = ['--version'], runs = 20): Startup {
  const once = () => {
    const t0 = performance.now();
    const r = spawnSync(file, args, { env: ENV, stdio: 'ignore' });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status ?? r.signal}`);
    return ms;
  };
  once();
  once();
  const times = Array.from({ length: runs }, once).sort((a, b) => a - b);
  const mid = Math.floor(times.length / 2);
  const median = times.length % 2 ? (times[mid] ?? 0) : ((times[mid - 1] ?? 0) + (times[mid] ?? 0)) / 2;
  return { runs, medianMs: round(median), minMs: round(times[0] ?? 0), maxMs: round(times.at(-1) ?? 0) };
}

const round = (n: number) => Math.round(n * 10) / 10;

export async function measurePeakRss(
  file: string,
  args: string[],
  method: PeakRss['method'] = fs.existsSync('/usr/bin/time') ? '/usr/bin/time' : '/proc VmHWM',
): Promise<PeakRss> {
  if (method === '/usr/bin/time') {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', file, ...args], { env: ENV, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    const kib = Number(r.stderr.trim().split('\n').at(-1));
    if (!Number.isFinite(kib)) throw new Error(`/usr/bin/time printed ${JSON.stringify(r.stderr)}`);
    return { kib, method: '/usr/bin/time' };
  }
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: ENV, stdio: 'ignore' });
    let peak = 0;
    const sample = () => {
      try {
        const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m?.[1]) peak = Math.max(peak, Number(m[1]));
      } catch {
        // exited between samples
      }
    };
    const timer = setInterval(sample, 2);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`${file} ${args.join(' ')} exited ${code}`));
      else resolve({ kib: peak, method: '/proc VmHWM' });
    });
  });
}

/**
 * Sizes from dist/manifest.json, start-up and peak RSS of the linux-x64 executable. `sysroot` is the
 * simulated Mac `collect` reads (default: an empty root), and its label names it in the command shown.
 */
export async function measureDist(
  options: { runs?: number; sysroot?: { dir: string; label: string } } = {},
): Promise<Measurements> {
  const manifestFile = path.join(DIST, 'manifest.json');
  if (!fs.existsSync(manifestFile))
    throw new Error('dist/manifest.json is missing: run `npm run build:agent` first');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as {
    files: { file: string; size: number }[];
  };
  const sizes = Object.fromEntries(manifest.files.map((f) => [f.file, f.size]));
  const exe = path.join(DIST, 'tokenwatch-agent-linux-x64');
  const startup = {
    command: 'tokenwatch-agent-linux-x64 --version',
    ...measureStartup(exe, ['--version'], options.runs),
  };
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-measure-'));
  try {
    const sysroot = options.sysroot?.dir ?? fs.mkdtempSync(path.join(scratch, 'empty-root-'));
    const collect = ['collect', '--json', '--sysroot', sysroot, '--state-dir', path.join(scratch, 'state')];
    const peakRss = [
      { command: 'tokenwatch-agent-linux-x64 --version', ...(await measurePeakRss(exe, ['--version'])) },
      {
        command: `tokenwatch-agent-linux-x64 collect --json --sysroot ${options.sysroot?.label ?? '<empty root>'}`,
        ...(await measurePeakRss(exe, collect)),
      },
    ];
    return { sizes, startup, peakRss };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  const { values } = parseArgs({
    options: { json: { type: 'boolean' }, runs: { type: 'string' }, sysroot: { type: 'string' } },
  });
  const m = await measureDist({
    ...(values.runs ? { runs: Number(values.runs) } : {}),
    ...(values.sysroot ? { sysroot: { dir: path.resolve(values.sysroot), label: values.sysroot } } : {}),
  });
  if (values.json) {
    console.log(JSON.stringify(m, null, 2));
  } else {
    const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
    for (const [file, size] of Object.entries(m.sizes)) console.log(`${file.padEnd(44)} ${mib(size)}`);
    console.log(
      `start-up (${m.startup.command}): median ${m.startup.medianMs} ms of ${m.startup.runs} runs (min ${m.startup.minMs}, max ${m.startup.maxMs})`,
    );
    for (const r of m.peakRss)
      console.log(`peak RSS (${r.command}): ${(r.kib / 1024).toFixed(1)} MiB (${r.method})`);
  }
}
