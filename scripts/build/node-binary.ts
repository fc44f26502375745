// The Node.js binary each executable is made from, taken only from npm packages pinned in
// package-lock.json: the installed one for this host, `npm pack` for the others. Every tarball is
// checked against the lockfile's integrity hash before anything is extracted from it.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { lockedPackage, matchesIntegrity } from './lockfile.ts';
import { NODE_VERSION, type Target } from './targets.ts';

const run = promisify(execFile);

export interface NodeBinarySource {
  /** Path of the Node.js binary to copy (never modified in place). */
  path: string;
  /** Node.js's LICENSE from the same package (for the third-party notices). */
  license: string;
  /** Where it came from, for the build log and manifest. */
  from: string;
}

interface Dirs {
  root: string;
  /** Cache of packed tarballs (git-ignored). */
  cache: string;
  /** Scratch dir for extraction. */
  work: string;
}

export async function nodeBinary(target: Target, dirs: Dirs): Promise<NodeBinarySource> {
  const locked = lockedPackage(path.join(dirs.root, 'package-lock.json'), target.nodePackage);
  if (locked.version !== NODE_VERSION) {
    throw new Error(
      `package-lock.json pins ${locked.name}@${locked.version}; the executables ship Node ${NODE_VERSION}`,
    );
  }
  const installed = path.join(dirs.root, 'node_modules', target.nodePackage);
  if (isInstalled(installed, NODE_VERSION)) {
    return {
      path: path.join(installed, 'bin', 'node'),
      license: path.join(installed, 'LICENSE'),
      from: `node_modules/${target.nodePackage} (npm ci)`,
    };
  }
  const tarball = await packedTarball(locked.name, locked.version, locked.integrity, dirs.cache);
  const dest = path.join(dirs.work, `${locked.name}-${locked.version}`);
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(dest, { recursive: true });
  // npm tarballs hold everything under package/; only the binary is needed.
  await run('tar', ['-xzf', tarball, '-C', dest, 'package/bin/node', 'package/LICENSE']);
  const bin = path.join(dest, 'package', 'bin', 'node');
  if (!fs.lstatSync(bin).isFile()) throw new Error(`${tarball}: package/bin/node is not a regular file`);
  return {
    path: bin,
    license: path.join(dest, 'package', 'LICENSE'),
    from: `${path.relative(dirs.root, tarball)} (npm pack, integrity checked)`,
  };
}

function isInstalled(dir: string, version: string): boolean {
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: string };
    return pkg.version === version && fs.statSync(path.join(dir, 'bin', 'node')).isFile();
  } catch {
    return false;
  }
}

/** The package tarball in the cache, fetched with `npm pack` when missing or not matching the lockfile. */
async function packedTarball(
  name: string,
  version: string,
  integrity: string,
  cache: string,
): Promise<string> {
  fs.mkdirSync(cache, { recursive: true });
  const file = path.join(cache, `${name}-${version}.tgz`);
  if (fs.existsSync(file) && matchesIntegrity(fs.readFileSync(file), integrity)) return file;
  fs.rmSync(file, { force: true });
  // --prefer-offline: the npm cache answers when it has the tarball (as after `npm ci` on this machine).
  const [cmd, args] = npmCommand([
    'pack',
    `${name}@${version}`,
    '--pack-destination',
    cache,
    '--prefer-offline',
    '--silent',
  ]);
  try {
    await run(cmd, args, { maxBuffer: 1 << 20 });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`npm pack ${name}@${version} failed: ${e.stderr?.trim() || e.message}`);
  }
  if (!fs.existsSync(file)) throw new Error(`npm pack ${name}@${version} did not write ${file}`);
  if (!matchesIntegrity(fs.readFileSync(file), integrity)) {
    fs.rmSync(file, { force: true });
    throw new Error(
      `${name}@${version}: the packed tarball does not match package-lock.json's integrity ${integrity}`,
    );
  }
  return file;
}

/** The npm that runs this script (npm run sets npm_execpath), else `npm` on PATH. */
function npmCommand(args: string[]): [string, string[]] {
  const cli = process.env.npm_execpath;
  if (cli && /\.c?js$/.test(cli)) return [process.execPath, [cli, ...args]];
  return ['npm', args];
}
