// npm run build:agent: the agent as one executable per target, offline from the npm packages in
// node_modules and the npm cache. Steps (one module each): bundle (esbuild, CommonJS) -> SEA blob
// (host node, no code cache) -> Node binary of the target (lockfile-checked) -> inject (postject) ->
// ad-hoc signature for darwin -> the universal darwin executable (both signed slices merged) ->
// release tarballs and dist/manifest.json. See README.md here.
//
//   node scripts/build/agent.ts [--target linux-x64|darwin-arm64|darwin-x64]... [--entry FILE]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SQLITE_ADDON_ASSET } from '../../agent/sea/native.ts';
import { bundleAgent } from './bundle.ts';
import { makeExecutable } from './inject.ts';
import { minimumMacOS } from './min-macos.ts';
import { nodeBinary } from './node-binary.ts';
import { thirdPartyNotices } from './notices.ts';
import { releaseTarball, sha256 } from './release.ts';
import { checkPortableBlob, makeSeaBlob, parseSeaBlob } from './sea-blob.ts';
import { parseMacho } from './macho/macho-file.ts';
import { verifyPageHashes } from './macho/sign.ts';
import {
  CPU_TYPE_ARM64,
  NODE_VERSION,
  TARGETS,
  UNIVERSAL,
  outputName,
  type OutputName,
  type Target,
} from './targets.ts';
import { universalExecutable } from './universal.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIST = path.join(ROOT, 'dist');
const WORK = path.join(ROOT, '.build', 'work');
const CACHE = path.join(ROOT, '.build', 'cache');

export interface ManifestFile {
  file: string;
  kind: 'executable' | 'tarball';
  target: OutputName;
  size: number;
  sha256: string;
  /** darwin executables: the oldest macOS they run on (from the Node binary's LC_BUILD_VERSION). */
  minimumMacOS?: string;
}

export interface Manifest {
  name: 'tokenwatch-agent';
  version: string;
  node: string;
  commit: string | null;
  bundle: { size: number; sha256: string };
  files: ManifestFile[];
}

const log = (msg: string) => console.log(`build:agent: ${msg}`);
const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;

function gitHead(): { commit: string | null; time: number } {
  try {
    const out = execFileSync('git', ['log', '-1', '--format=%H %ct'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const [commit, time] = out.split(' ');
    return { commit: commit ?? null, time: Number(time) || 0 };
  } catch {
    return { commit: null, time: 0 };
  }
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { target: { type: 'string', multiple: true }, entry: { type: 'string' } },
  });
  if (process.versions.node !== NODE_VERSION) {
    throw new Error(
      `the build must run on Node ${NODE_VERSION} (this is ${process.versions.node}): use npm run build:agent`,
    );
  }
  const wanted = values.target ?? TARGETS.map((t) => t.name);
  const targets = TARGETS.filter((t) => wanted.includes(t.name));
  const unknown = wanted.filter((w) => !TARGETS.some((t) => t.name === w));
  if (unknown.length)
    throw new Error(`unknown target ${unknown.join(', ')}; known: ${TARGETS.map((t) => t.name).join(', ')}`);
  const entry = path.resolve(ROOT, values.entry ?? 'bin/tokenwatch-agent.js');
  if (!fs.existsSync(entry)) throw new Error(`entry ${path.relative(ROOT, entry)} does not exist`);
  const launchdDir = path.join(ROOT, 'launchd');
  if (targets.some((t) => t.release) && !fs.existsSync(launchdDir))
    throw new Error('launchd/ is missing: the release tarballs need it');
  const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  const head = gitHead();
  const mtime = Number(process.env.SOURCE_DATE_EPOCH) || head.time;

  fs.rmSync(DIST, { recursive: true, force: true });
  fs.rmSync(WORK, { recursive: true, force: true });
  fs.mkdirSync(DIST, { recursive: true });
  fs.mkdirSync(WORK, { recursive: true });

  const bundle = await bundleAgent(entry, ROOT);
  for (const w of bundle.warnings) log(`esbuild warning: ${w}`);
  const bundlePath = path.join(WORK, 'tokenwatch-agent.cjs');
  fs.writeFileSync(bundlePath, bundle.code);
  log(
    `bundled ${path.relative(ROOT, entry)} -> ${mib(bundle.code.length)} of CommonJS (${Object.keys(bundle.metafile.inputs).length} inputs)`,
  );

  const manifest: Manifest = {
    name: 'tokenwatch-agent',
    version,
    node: NODE_VERSION,
    commit: head.commit,
    bundle: { size: bundle.code.length, sha256: sha256(bundle.code) },
    files: [],
  };
  const record = (file: string, kind: ManifestFile['kind'], target: { name: OutputName }, data: Buffer) =>
    manifest.files.push({ file, kind, target: target.name, size: data.length, sha256: sha256(data) });
  const darwinExecutables: Buffer[] = [];
  let notices = '';

  for (const target of targets) {
    const dir = path.join(WORK, target.name);
    fs.mkdirSync(dir, { recursive: true });
    const addonPath = path.join(ROOT, 'node_modules', 'better-sqlite3', 'prebuilds', `${target.name}.node`);
    const addon = fs.readFileSync(addonPath);
    checkAddon(target, addon, addonPath);
    const blob = await makeSeaBlob(dir, bundlePath, { [SQLITE_ADDON_ASSET]: addonPath });
    checkPortableBlob(parseSeaBlob(blob), bundle.code, { [SQLITE_ADDON_ASSET]: addon });

    const node = await nodeBinary(target, { root: ROOT, cache: CACHE, work: dir });
    const out = path.join(DIST, outputName(target));
    const injected = await makeExecutable(target, node.path, blob, out);
    const executable = fs.readFileSync(out);
    record(path.basename(out), 'executable', target, executable);
    if (target.platform === 'darwin') {
      darwinExecutables.push(executable);
      const minos = minimumMacOS(executable);
      if (!minos) throw new Error(`${out}: no minimum macOS version in its load commands`);
      const entry = manifest.files.at(-1);
      if (entry) entry.minimumMacOS = minos;
      log(`${path.relative(ROOT, out)}: runs on macOS ${minos} or later`);
    }
    const signed = injected.pagesChecked
      ? `, signed ad hoc (${injected.pagesChecked} page hashes verified)`
      : '';
    log(`${path.relative(ROOT, out)}: ${mib(executable.length)} from ${node.from}${signed}`);

    if (target.platform === process.platform && target.name.endsWith(process.arch)) smokeTest(out, version);

    if (target.release) {
      notices = thirdPartyNotices(ROOT, bundle.metafile, fs.readFileSync(node.license, 'utf8'));
      const tarball = releaseTarball({ target, version, executable, launchdDir, notices, mtime });
      fs.writeFileSync(path.join(DIST, tarball.name), tarball.data);
      record(tarball.name, 'tarball', target, tarball.data);
      log(`dist/${tarball.name}: ${mib(tarball.data.length)} (${tarball.files.length} files)`);
    }
  }
  if (darwinExecutables.length === TARGETS.filter((t) => t.platform === 'darwin').length) {
    const universal = universalExecutable(darwinExecutables);
    const out = path.join(DIST, outputName(UNIVERSAL));
    fs.writeFileSync(out, universal.data, { mode: 0o755 });
    record(path.basename(out), 'executable', UNIVERSAL, universal.data);
    const entry = manifest.files.at(-1);
    if (entry) entry.minimumMacOS = universal.minimumMacOS;
    log(
      `${path.relative(ROOT, out)}: ${mib(universal.data.length)}, ${universal.architectures.join(' + ')} (${universal.pagesChecked} page hashes verified)`,
    );
    const tarball = releaseTarball({
      target: UNIVERSAL,
      version,
      executable: universal.data,
      launchdDir,
      notices,
      mtime,
    });
    fs.writeFileSync(path.join(DIST, tarball.name), tarball.data);
    record(tarball.name, 'tarball', UNIVERSAL, tarball.data);
    log(`dist/${tarball.name}: ${mib(tarball.data.length)} (${tarball.files.length} files)`);
  } else if (darwinExecutables.length > 0) {
    log('no universal executable: it needs every darwin target (--target darwin-arm64 --target darwin-x64)');
  }
  fs.writeFileSync(path.join(DIST, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.writeFileSync(
    path.join(DIST, 'SHA256SUMS'),
    manifest.files.map((f) => `${f.sha256}  ${f.file}\n`).join(''),
  );
  fs.rmSync(WORK, { recursive: true, force: true });
  log(`done: ${manifest.files.length} files in dist/ (manifest.json, SHA256SUMS)`);
}

/**
 * Apple silicon loads only validly signed code: the arm64 addon, extracted at run time and loaded
 * with dlopen, must carry its own signature (better-sqlite3's prebuild is linker-signed) and every
 * page must match it. It is embedded byte for byte, so that signature stays valid.
 */
function checkAddon(target: Target, addon: Buffer, file: string): void {
  if (target.cpuType !== CPU_TYPE_ARM64) return;
  if (parseMacho(addon).cpuType !== CPU_TYPE_ARM64) throw new Error(`${file} is not an arm64 Mach-O file`);
  const check = verifyPageHashes(addon);
  if (!check.ok)
    throw new Error(
      `${file}: its signature does not verify (${check.problems.join('; ')}): macOS on Apple silicon would refuse to load it`,
    );
}

/** The executable this host can run must start and print the package version. */
function smokeTest(file: string, version: string): void {
  const out = execFileSync(file, ['--version'], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: '/usr/bin:/bin' },
  });
  if (!out.includes(version))
    throw new Error(`${file} --version printed ${JSON.stringify(out)}, expected ${version}`);
  log(`${path.relative(ROOT, file)} --version: ${out.trim()}`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(`build:agent: FAILED: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
});
