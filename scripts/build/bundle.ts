// Step 1: the agent and its dependencies as ONE CommonJS file, the form Node 22's single executable
// applications run (the SEA main script is loaded as CommonJS; it has no ESM loader and no
// file-based require).
import { build, type Metafile } from 'esbuild';
import { NODE_VERSION } from './targets.ts';

export interface Bundle {
  code: Buffer;
  /** esbuild's record of every input (for the third-party notices). */
  metafile: Metafile;
  warnings: string[];
}

/**
 * Lines put before the bundle. In a SEA the main script's `require` loads built-in modules only and
 * `__filename` is the executable itself, so:
 * - `import.meta.*` of ESM dependencies (which esbuild would turn into `{}` in CommonJS) point at the
 *   executable;
 * - better-sqlite3 loads its addon through `__non_webpack_require__` when that is a function: a real,
 *   file-based require, so that the `nativeBinding` path from agent/sea/native.ts loads.
 */
export const BANNER = [
  '"use strict";',
  'var __tokenwatch_import_meta_url = require("node:url").pathToFileURL(__filename).href;',
  'var __non_webpack_require__ = require("node:module").createRequire(__filename);',
].join('\n');

export async function bundleAgent(entry: string, absWorkingDir: string): Promise<Bundle> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: `node${NODE_VERSION.split('.')[0]}`,
    write: false,
    outfile: 'tokenwatch-agent.cjs',
    metafile: true,
    sourcemap: false,
    minify: false,
    keepNames: true,
    legalComments: 'none', // the notices go into THIRD-PARTY-NOTICES, written from the metafile
    banner: { js: BANNER },
    define: {
      'import.meta.url': '__tokenwatch_import_meta_url',
      'import.meta.filename': '__filename',
      'import.meta.dirname': '__dirname',
    },
    // Worker-thread transports of pino cannot run from a bundle; the agent logs synchronously to a
    // destination. These optional peers are never reached.
    external: ['pino-pretty'],
    logLevel: 'silent',
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error('esbuild wrote no output');
  return {
    code: Buffer.from(out.contents),
    metafile: result.metafile,
    warnings: result.warnings.map((w) => `${w.location?.file ?? ''}:${w.location?.line ?? ''} ${w.text}`),
  };
}
