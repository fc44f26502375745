// The independent implementation the signer is checked against: Go's toolchain (Debian's
// golang-go). It cross-compiles darwin binaries (Go's linker signs darwin/arm64 ones ad hoc) and
// builds `gosign`, which runs Go's own codesign package on a file (test/fixtures/macho/gosign).
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'macho');
export const INSTALL_GO = 'apt-get update && apt-get install -y golang-go';

export type GoArch = 'arm64' | 'amd64';

export interface GoToolchain {
  version: string;
  env: NodeJS.ProcessEnv;
}

/** Go on PATH, or an error that says how to install it (the test fails, it does not skip). */
export async function goToolchain(scratch: string): Promise<GoToolchain> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: scratch,
    GOPATH: join(scratch, 'gopath'),
    // Outside the repository and kept between runs: the darwin standard library compiles once.
    GOCACHE: join(tmpdir(), 'tokenwatch-test-go-build-cache'),
    GOPROXY: 'off',
    GOFLAGS: '-trimpath',
    GOTOOLCHAIN: 'local',
    GO111MODULE: 'on',
    CGO_ENABLED: '0',
  };
  try {
    const { stdout } = await run('go', ['version'], { env });
    return { version: stdout.trim(), env };
  } catch (error) {
    throw new Error(
      `the Mach-O signer test needs Go (the independent signer it is compared with): ${INSTALL_GO}\n${(error as Error).message}`,
    );
  }
}

/** Cross-compile the hello fixture for darwin/<arch>; Go's linker signs arm64 output ad hoc. */
export async function buildDarwinHello(go: GoToolchain, arch: GoArch, outDir: string): Promise<string> {
  const out = join(outDir, `hello-darwin-${arch}`);
  await run('go', ['build', '-o', out, 'main.go'], {
    cwd: join(FIXTURES, 'hello'),
    env: { ...go.env, GOOS: 'darwin', GOARCH: arch },
  });
  return out;
}

/** Build gosign for this host: the fixture's main.go plus Go's own codesign.go from GOROOT. */
export async function buildGosign(go: GoToolchain, scratch: string): Promise<string> {
  const { stdout } = await run('go', ['env', 'GOROOT'], { env: go.env });
  const source = join(stdout.trim(), 'src', 'cmd', 'internal', 'codesign', 'codesign.go');
  const dir = join(scratch, 'gosign');
  cpSync(join(FIXTURES, 'gosign'), dir, { recursive: true });
  mkdirSync(join(dir, 'codesign'), { recursive: true });
  // Go's file as it is, with only its import path moved out of cmd/internal.
  const codesign = readFileSync(source, 'utf8').replace('"cmd/internal/notsha256"', '"gosign/notsha256"');
  writeFileSync(join(dir, 'codesign', 'codesign.go'), codesign);
  writeFileSync(join(dir, 'go.mod'), 'module gosign\n\ngo 1.16\n');
  const out = join(scratch, 'gosign-bin');
  await run('go', ['build', '-o', out, '.'], { cwd: dir, env: go.env });
  return out;
}

/** Re-sign files in place with Go's signer (identifier "a.out"). */
export async function gosign(binary: string, files: string[]): Promise<void> {
  await run(binary, files);
}

/** Build fatinfo for this host: Go's debug/macho reading a universal file (test/fixtures/macho/fatinfo). */
export async function buildFatinfo(go: GoToolchain, scratch: string): Promise<string> {
  const out = join(scratch, 'fatinfo-bin');
  await run('go', ['build', '-o', out, 'main.go'], { cwd: join(FIXTURES, 'fatinfo'), env: go.env });
  return out;
}

export interface FatinfoArch {
  cpu: number;
  subCpu: number;
  offset: number;
  size: number;
  align: number;
  fileCpu: number;
  type: number;
  ncmd: number;
  segments: { name: string; addr: number; offset: number; filesz: number }[];
}

/** What Go's debug/macho reads in a universal file. */
export async function fatinfo(
  binary: string,
  file: string,
): Promise<{ magic: number; arches: FatinfoArch[] }> {
  const { stdout } = await run(binary, [file]);
  return JSON.parse(stdout) as { magic: number; arches: FatinfoArch[] };
}
