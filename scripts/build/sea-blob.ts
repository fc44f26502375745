// Step 2: the SEA preparation blob, made by the Node that runs the build (`--experimental-sea-config`).
// Without code cache and snapshot the blob holds only the script and the assets, so one made on
// linux serves darwin: `parseSeaBlob` checks exactly that on every blob before it is injected.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Layout of node_sea.cc (SeaSerializer) in Node 22.23: u32 magic, u32 flags, u8 exec-argv extension,
 * then length-prefixed strings (u64 little-endian length): code path, main script, [code cache],
 * [asset count, key/content pairs], [exec argv].
 */
const SEA_MAGIC = 0x143da20;
export const SEA_FLAGS = {
  disableExperimentalSeaWarning: 1 << 0,
  useSnapshot: 1 << 1,
  useCodeCache: 1 << 2,
  includeAssets: 1 << 3,
  includeExecArgv: 1 << 4,
} as const;
/** SeaExecArgvExtension: whether NODE_OPTIONS (env) or --node-options= (cli) reach the executable. */
export const EXEC_ARGV_EXTENSION = { none: 0, env: 1, cli: 2 } as const;

export interface SeaConfig {
  main: string;
  output: string;
  disableExperimentalSEAWarning: true;
  useSnapshot: false;
  useCodeCache: false;
  /** The agent runs as root: NODE_OPTIONS in its environment must not load code into it. */
  execArgvExtension: 'none';
  assets: Record<string, string>;
}

export interface SeaBlob {
  flags: number;
  execArgvExtension: number;
  codePath: string;
  mainCode: Buffer;
  assets: Map<string, Buffer>;
}

export async function makeSeaBlob(
  dir: string,
  mainScript: string,
  assets: Record<string, string>,
): Promise<Buffer> {
  // The blob records the main script's path as given: a bare name relative to `dir` (the working
  // directory of the command) keeps build paths out of it, so every checkout builds the same bytes.
  const main = path.basename(mainScript);
  if (path.resolve(dir, main) !== path.resolve(mainScript)) fs.copyFileSync(mainScript, path.join(dir, main));
  const config: SeaConfig = {
    main,
    output: path.join(dir, 'sea-prep.blob'),
    disableExperimentalSEAWarning: true,
    useSnapshot: false,
    useCodeCache: false,
    execArgvExtension: 'none',
    assets,
  };
  const configPath = path.join(dir, 'sea-config.json');
  fs.writeFileSync(configPath, `${JSON.stringify(config, null, 2)}\n`);
  try {
    await run(process.execPath, ['--experimental-sea-config', configPath], { cwd: dir });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`node --experimental-sea-config failed: ${e.stderr?.trim() || e.message}`);
  }
  return fs.readFileSync(config.output);
}

/** Decode a SEA blob; throws when it is not one. */
export function parseSeaBlob(blob: Buffer): SeaBlob {
  let at = 0;
  const need = (n: number) => {
    if (at + n > blob.length) throw new Error(`SEA blob truncated at byte ${at}`);
  };
  const u32 = () => {
    need(4);
    const v = blob.readUInt32LE(at);
    at += 4;
    return v;
  };
  const size = () => {
    need(8);
    const v = blob.readBigUInt64LE(at);
    at += 8;
    if (v > BigInt(blob.length)) throw new Error(`SEA blob: length ${v} at byte ${at - 8} is past the end`);
    return Number(v);
  };
  const bytes = () => {
    const n = size();
    need(n);
    const b = blob.subarray(at, at + n);
    at += n;
    return b;
  };
  if (u32() !== SEA_MAGIC) throw new Error('not a SEA blob (bad magic)');
  const flags = u32();
  const known = Object.values(SEA_FLAGS).reduce((a, b) => a | b, 0);
  if (flags & ~known) throw new Error(`SEA blob: unknown flags 0x${flags.toString(16)}`);
  need(1);
  const execArgvExtension = blob.readUInt8(at++);
  const codePath = bytes().toString('utf8');
  const mainCode = bytes();
  if (flags & SEA_FLAGS.useCodeCache) bytes();
  const assets = new Map<string, Buffer>();
  if (flags & SEA_FLAGS.includeAssets) {
    const count = size();
    for (let i = 0; i < count; i++) {
      const key = bytes().toString('utf8');
      assets.set(key, bytes());
    }
  }
  if (flags & SEA_FLAGS.includeExecArgv) {
    const count = size();
    for (let i = 0; i < count; i++) bytes();
  }
  if (at !== blob.length) throw new Error(`SEA blob: ${blob.length - at} unexpected trailing bytes`);
  return { flags, execArgvExtension, codePath, mainCode, assets };
}

/**
 * The checks that make a blob fit any target: no V8 snapshot or code cache (platform-specific),
 * the warning off, and exactly our script and assets inside.
 */
export function checkPortableBlob(blob: SeaBlob, mainCode: Buffer, assets: Record<string, Buffer>): void {
  if (blob.flags & (SEA_FLAGS.useSnapshot | SEA_FLAGS.useCodeCache)) {
    throw new Error(
      `SEA blob carries a snapshot or code cache (flags 0x${blob.flags.toString(16)}): it would be host-specific`,
    );
  }
  if (blob.flags & SEA_FLAGS.includeExecArgv)
    throw new Error('SEA blob carries execArgv: none is configured');
  if (blob.execArgvExtension !== EXEC_ARGV_EXTENSION.none) {
    throw new Error(
      `SEA blob honours NODE_OPTIONS (exec argv extension ${blob.execArgvExtension}): it must not`,
    );
  }
  if (!(blob.flags & SEA_FLAGS.disableExperimentalSeaWarning))
    throw new Error('SEA blob would print the experimental warning');
  if (!blob.mainCode.equals(mainCode)) throw new Error('SEA blob main script differs from the bundle');
  const keys = [...blob.assets.keys()].sort();
  const wanted = Object.keys(assets).sort();
  if (keys.join('\0') !== wanted.join('\0'))
    throw new Error(`SEA blob assets ${keys.join(',')} != ${wanted.join(',')}`);
  for (const [key, data] of Object.entries(assets)) {
    if (!blob.assets.get(key)?.equals(data)) throw new Error(`SEA blob asset ${key} differs from its source`);
  }
}
