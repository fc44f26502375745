// The built executables in dist/ (npm run build:agent, then npm run test:bundle; not part of
// npm test, which runs before the build). The linux-x64 one is run for real: --version, a
// collection against a simulated Mac with its SQLite cache (the embedded addon extracted), and the
// agent's real-process suite with TOKENWATCH_AGENT_BIN pointing at it. The darwin ones cannot run
// here: their structure is checked instead (CPU type, the SEA blob in segment NODE_SEA, the fuse,
// the ad-hoc signature and every page hash), and the release tarballs are unpacked and checked.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { checkSnapshot } from '../../agent/snapshot/index.ts';
import { SQLITE_ADDON_ASSET } from '../../agent/sea/native.ts';
import { findSegment, parseMacho } from '../../scripts/build/macho/macho-file.ts';
import { verifyPageHashes } from '../../scripts/build/macho/sign.ts';
import { minimumMacOS } from '../../scripts/build/min-macos.ts';
import { parseSeaBlob } from '../../scripts/build/sea-blob.ts';
import {
  CPU_TYPE_ARM64,
  CPU_TYPE_X86_64,
  EXECUTABLE_NAME,
  SEA_FUSE,
  SEA_MACHO_SEGMENT,
  SIGNING_IDENTIFIER,
  TARGETS,
  UNIVERSAL,
  outputName,
  tarballName,
  type OutputName,
} from '../../scripts/build/targets.ts';
import { fatSlice, parseFat } from '../../scripts/build/macho/fat.ts';
import { buildSysroot, listMacs } from '../helpers/sysroot.ts';
import { type HostArch, type ScratchMac, cannotRunScripts, scratchMac } from '../launchd/scratch-mac.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIST = path.join(ROOT, 'dist');
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;
const LINUX = path.join(DIST, 'tokenwatch-agent-linux-x64');
/**
 * The agent's real-process suites: every test file under test/agent/ that runs the agent through
 * test/helpers/agent-process.ts (which honours TOKENWATCH_AGENT_BIN). These two must be among them.
 */
const REQUIRED_SUITES = ['test/agent/process.test.ts', 'test/agent/upload-collector.test.ts'];
function realProcessSuites(): string[] {
  const dir = path.join(ROOT, 'test', 'agent');
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join('test', 'agent', f))
    .filter((f) => fs.readFileSync(path.join(ROOT, f), 'utf8').includes('helpers/agent-process.ts'))
    .sort();
}

interface Manifest {
  version: string;
  bundle: { size: number; sha256: string };
  files: {
    file: string;
    kind: string;
    target: string;
    size: number;
    sha256: string;
    minimumMacOS?: string;
  }[];
}

const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');
const prebuild = (name: string) =>
  fs.readFileSync(path.join(ROOT, 'node_modules/better-sqlite3/prebuilds', `${name}.node`));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-bundle-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const MANIFEST = path.join(DIST, 'manifest.json');
const NO_BUILD = `no build in dist/ (${MANIFEST} is missing): run \`npm run build:agent\` first, then \`npm run test:bundle\``;
let manifest: Manifest;
/** Every group needs the build; without it each fails with the command to run (never skips). */
function requireBuild(): void {
  if (!fs.existsSync(MANIFEST)) throw new Error(NO_BUILD);
  manifest ??= JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) as Manifest;
}

function withoutTestContext(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _ignored, ...rest } = env;
  return rest;
}

/** Run the linux executable with a minimal environment (as launchd would), never through a shell. */
function agent(args: string[], env: Record<string, string> = {}) {
  return spawnSync(LINUX, args, {
    encoding: 'utf8',
    timeout: 60_000,
    env: { PATH: '/usr/bin:/bin', HOME: tmp, ...env },
  });
}

describe('dist/', () => {
  test('holds a build (npm run build:agent)', () => {
    assert.ok(fs.existsSync(MANIFEST), NO_BUILD);
  });

  test('manifest.json lists every executable and tarball of this version with its size and SHA-256', () => {
    requireBuild();
    assert.equal(manifest.version, VERSION);
    const expected = [
      ...TARGETS.map(outputName),
      ...TARGETS.filter((t) => t.release).map((t) => tarballName(t, VERSION)),
      outputName(UNIVERSAL),
      tarballName(UNIVERSAL, VERSION),
    ].sort();
    assert.deepEqual(manifest.files.map((f) => f.file).sort(), expected);
    for (const f of manifest.files) {
      const data = fs.readFileSync(path.join(DIST, f.file));
      assert.equal(data.length, f.size, f.file);
      assert.equal(sha256(data), f.sha256, f.file);
    }
  });
});

describe('linux-x64 executable (run for real)', () => {
  before(requireBuild);
  test('starts and prints the package version, with nothing on stderr', () => {
    const r = agent(['--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${VERSION}\n`);
    assert.equal(r.stderr, '', 'no experimental-SEA warning or other noise');
  });

  test('ignores NODE_OPTIONS: nothing can be loaded into the root agent from its environment', () => {
    const evil = path.join(tmp, 'evil.cjs');
    fs.writeFileSync(evil, 'process.stdout.write("INJECTED\\n");');
    const r = agent(['--version'], { NODE_OPTIONS: `--require ${evil}` });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, `${VERSION}\n`);
  });

  test('collects a simulated Mac into its SQLite cache, loading the embedded addon from the state dir', () => {
    const macs = fs.existsSync(path.join(ROOT, 'test/fixtures/macs')) ? listMacs() : [];
    const sysroot = path.join(tmp, 'mac');
    fs.mkdirSync(sysroot);
    if (macs[0]) buildSysroot(macs[0], sysroot);
    const stateDir = path.join(tmp, 'state');
    const args = ['collect', '--json', '--sysroot', sysroot, '--state-dir', stateDir];
    const r = agent(args);
    assert.equal(r.status, 0, `tokenwatch-agent ${args.join(' ')}\n${r.stderr}`);
    const snapshot = JSON.parse(r.stdout) as { agentVersion?: string };
    assert.deepEqual(checkSnapshot(snapshot), [], 'the printed snapshot matches the contract');
    // The addon: extracted once, named by its hash, private.
    const addon = prebuild('linux-x64');
    const file = path.join(stateDir, 'native', `${sha256(addon)}.node`);
    assert.deepEqual(fs.readFileSync(file), addon);
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(file)).mode & 0o777, 0o700);
    // A second run reuses it (same inode) and reads the cache the first one wrote.
    const inode = fs.statSync(file).ino;
    const again = agent(['status', '--json', '--state-dir', stateDir]);
    assert.equal(again.status, 0, again.stderr);
    assert.equal(fs.statSync(file).ino, inode);
    assert.ok(
      (JSON.parse(again.stdout) as { latest?: unknown }).latest,
      'status sees the collected snapshot',
    );
  });

  test("passes the agent's real-process suites (simulated Macs, upload to a real collector) with TOKENWATCH_AGENT_BIN set", (t) => {
    const suites = realProcessSuites();
    for (const required of REQUIRED_SUITES) {
      assert.ok(
        suites.includes(required),
        `${required} is missing: the bundle must run the same real-process tests as the sources`,
      );
    }
    const r = spawnSync(process.execPath, ['--test', '--test-reporter=tap', ...suites], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 15 * 60_000,
      // NODE_TEST_CONTEXT would make the child runner think it is nested in ours and run nothing.
      env: { ...withoutTestContext(process.env), TOKENWATCH_AGENT_BIN: LINUX },
    });
    const tail = `${r.stdout}\n${r.stderr}`.slice(-4000);
    assert.equal(r.status, 0, `the real-process suites failed against ${LINUX}:\n${tail}`);
    const pass = Number(/^# pass (\d+)$/m.exec(r.stdout)?.[1] ?? 0);
    const fail = Number(/^# fail (\d+)$/m.exec(r.stdout)?.[1] ?? -1);
    assert.ok(pass > 0, `the suites ran no test:\n${tail}`);
    assert.equal(fail, 0, tail);
    t.diagnostic(
      `${pass} real-process tests (${suites.join(', ')}) passed against ${path.relative(ROOT, LINUX)}`,
    );
  });
});

/** The CodeDirectory's identifier and flags, read from the embedded signature SuperBlob. */
function codeDirectory(buf: Buffer): { identifier: string; flags: number } {
  const file = parseMacho(buf);
  const sig = file.codeSignature;
  assert.ok(sig, 'LC_CODE_SIGNATURE present');
  const blob = buf.subarray(sig.dataoff, sig.dataoff + sig.datasize);
  assert.equal(blob.readUInt32BE(0), 0xfade0cc0, 'embedded signature SuperBlob');
  const count = blob.readUInt32BE(8);
  for (let i = 0; i < count; i++) {
    const type = blob.readUInt32BE(12 + i * 8);
    const offset = blob.readUInt32BE(16 + i * 8);
    if (type !== 0) continue;
    const cd = blob.subarray(offset);
    assert.equal(cd.readUInt32BE(0), 0xfade0c02, 'CodeDirectory magic');
    const identOffset = cd.readUInt32BE(20);
    const end = cd.indexOf(0, identOffset);
    return { identifier: cd.subarray(identOffset, end).toString('utf8'), flags: cd.readUInt32BE(12) };
  }
  assert.fail('no CodeDirectory in slot 0');
}

for (const target of TARGETS.filter((t) => t.platform === 'darwin')) {
  describeTarball(target);
  describe(`${target.name} executable (structure; it runs only on a Mac)`, () => {
    const file = path.join(DIST, outputName(target));
    let buf: Buffer;
    before(() => {
      requireBuild();
      buf = fs.readFileSync(file);
    });

    test('is a thin 64-bit Mach-O executable for the right CPU', () => {
      const macho = parseMacho(buf);
      assert.equal(macho.cpuType, target.cpuType);
      assert.equal(macho.fileType, 0x2, 'MH_EXECUTE');
    });

    test('needs macOS 11 or later (Node 22), as manifest.json and the README say', () => {
      assert.equal(minimumMacOS(buf), '11.0');
      assert.equal(manifest.files.find((f) => f.file === outputName(target))?.minimumMacOS, '11.0');
    });

    test("carries the SEA blob in segment NODE_SEA: this build's bundle and this CPU's sqlite addon", () => {
      const seg = findSegment(parseMacho(buf), SEA_MACHO_SEGMENT);
      assert.ok(seg, 'segment NODE_SEA');
      const section = seg.sections.find((s) => s.sectname === '__NODE_SEA_BLOB');
      assert.ok(section, 'section __NODE_SEA_BLOB');
      const blob = parseSeaBlob(buf.subarray(section.offset, section.offset + Number(section.size)));
      assert.equal(sha256(blob.mainCode), manifest.bundle.sha256, 'the same bundle as every target');
      assert.equal(blob.codePath, 'tokenwatch-agent.cjs', 'no build path inside');
      const addon = blob.assets.get(SQLITE_ADDON_ASSET);
      assert.deepEqual(addon, prebuild(target.name));
      assert.equal(parseMacho(addon).cpuType, target.cpuType, 'the addon is for the same CPU');
      if (target.cpuType === CPU_TYPE_ARM64) {
        assert.ok(
          parseMacho(addon).codeSignature,
          'Apple silicon loads only signed code: the addon keeps its signature',
        );
        assert.deepEqual(
          verifyPageHashes(addon).problems,
          [],
          "and every page matches the addon's signature",
        );
      }
      assert.ok(buf.includes(`${SEA_FUSE}:1`), 'the SEA fuse is set');
    });

    test(`is signed ad hoc as ${SIGNING_IDENTIFIER}, and every page hash verifies`, () => {
      const check = verifyPageHashes(buf);
      assert.deepEqual(check.problems, []);
      assert.equal(check.ok, true);
      const codeLimit = parseMacho(buf).codeSignature?.dataoff ?? 0;
      assert.equal(
        check.pagesChecked,
        Math.ceil(codeLimit / 4096),
        'one hash per 4 KiB page up to the signature',
      );
      const cd = codeDirectory(buf);
      assert.equal(cd.identifier, SIGNING_IDENTIFIER);
      assert.ok(cd.flags & 0x2, 'CS_ADHOC');
    });
  });
}

describe(`${UNIVERSAL.name} executable: the two darwin executables in one universal file`, () => {
  let buf: Buffer;
  before(() => {
    requireBuild();
    buf = fs.readFileSync(path.join(DIST, outputName(UNIVERSAL)));
  });

  test('holds x86_64 then arm64, each slice byte for byte the thin executable, still signed', () => {
    const slices = parseFat(buf);
    const darwin = TARGETS.filter((t) => t.platform === 'darwin');
    assert.deepEqual(
      slices.map((slice) => slice.cpuType),
      [CPU_TYPE_X86_64, CPU_TYPE_ARM64],
      'x86_64 first, arm64 last, as lipo orders them',
    );
    for (const slice of slices) {
      const target = darwin.find((t) => t.cpuType === slice.cpuType) ?? assert.fail('an unknown slice');
      const thin = fs.readFileSync(path.join(DIST, outputName(target)));
      assert.ok(fatSlice(buf, slice).equals(thin), `${target.name} slice`);
      assert.deepEqual(verifyPageHashes(fatSlice(buf, slice)).problems, [], target.name);
    }
    assert.equal(fs.statSync(path.join(DIST, outputName(UNIVERSAL))).mode & 0o111, 0o111, 'executable');
  });

  test('needs macOS 11 or later, as manifest.json says', () => {
    for (const slice of parseFat(buf)) assert.equal(minimumMacOS(fatSlice(buf, slice)), '11.0');
    assert.equal(manifest.files.find((f) => f.file === outputName(UNIVERSAL))?.minimumMacOS, '11.0');
  });
});

describeTarball(UNIVERSAL);

function describeTarball(target: { name: OutputName }): void {
  describe(`${tarballName(target, VERSION)}`, () => {
    before(requireBuild);
    test('unpacks to one folder: the executable, the launchd files as in launchd/, notices, and SHA256SUMS that checks', () => {
      const out = fs.mkdtempSync(path.join(tmp, 'rel-'));
      execFileSync('tar', ['-xzf', path.join(DIST, tarballName(target, VERSION)), '-C', out]);
      const top = path.join(out, tarballName(target, VERSION).replace(/\.tar\.gz$/, ''));
      assert.deepEqual(fs.readdirSync(out), [path.basename(top)]);
      const exe = path.join(top, EXECUTABLE_NAME);
      assert.deepEqual(fs.readFileSync(exe), fs.readFileSync(path.join(DIST, outputName(target))));
      assert.equal(fs.statSync(exe).mode & 0o777, 0o755);
      const launchd = path.join(ROOT, 'launchd');
      for (const rel of fs.readdirSync(launchd, { recursive: true, encoding: 'utf8' })) {
        if (fs.statSync(path.join(launchd, rel)).isDirectory()) continue;
        assert.deepEqual(fs.readFileSync(path.join(top, rel)), fs.readFileSync(path.join(launchd, rel)), rel);
      }
      for (const script of ['install.sh', 'uninstall.sh']) {
        assert.equal(fs.statSync(path.join(top, script)).mode & 0o777, 0o755, script);
      }
      assert.match(
        fs.readFileSync(path.join(top, 'THIRD-PARTY-NOTICES.txt'), 'utf8'),
        /better-sqlite3 .*\(MIT\)/,
      );
      const check = execFileSync('sha256sum', ['-c', '--strict', 'SHA256SUMS'], {
        cwd: top,
        encoding: 'utf8',
      });
      assert.match(check, new RegExp(`^${EXECUTABLE_NAME}: OK$`, 'm'));
    });
  });
}

describe(
  'the release tarballs install with their own install.sh (a scratch Mac, test/launchd/scratch-mac.ts)',
  {
    skip: cannotRunScripts,
  },
  () => {
    before(requireBuild);
    const macs: ScratchMac[] = [];
    after(async () => {
      for (const mac of macs) await mac.cleanup();
    });

    /** Unpack a tarball of dist/ on a scratch Mac of this CPU and run the install.sh inside it. */
    async function installOn(host: HostArch, output: { name: OutputName }) {
      const mac = await scratchMac();
      macs.push(mac);
      await mac.setHost(host);
      const name = tarballName(output, VERSION);
      fs.copyFileSync(path.join(DIST, name), mac.path(`/Users/Shared/${name}`));
      const folder = name.replace(/\.tar\.gz$/, '');
      const result = await mac.run('/bin/bash', [
        '-c',
        `cd /Users/Shared && tar -xzf ${name} && exec ./${folder}/install.sh`,
      ]);
      return { mac, result };
    }

    for (const host of ['arm64', 'x86_64'] as const) {
      test(`the universal tarball on an ${host} Mac: the universal executable installed and loaded`, async () => {
        const { mac, result } = await installOn(host, UNIVERSAL);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /\(x86_64 arm64\)/);
        assert.ok(
          fs
            .readFileSync(mac.path('/usr/local/tokenwatch/bin/tokenwatch-agent'))
            .equals(fs.readFileSync(path.join(DIST, outputName(UNIVERSAL)))),
        );
        assert.equal(await mac.isLoaded(), true);
      });
    }

    test('the darwin-arm64 tarball on an Intel Mac is refused, naming both', async () => {
      const arm64 = TARGETS.find((t) => t.name === 'darwin-arm64') ?? assert.fail('no darwin-arm64 target');
      const { mac, result } = await installOn('x86_64', arm64);
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        /is built for arm64 \(Apple silicon\) only, and this Mac is x86_64 \(Intel\)/,
      );
      assert.equal(await mac.isLoaded(), false);
    });
  },
);
