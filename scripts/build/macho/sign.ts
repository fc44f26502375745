// CLI: node scripts/build/macho/sign.ts <file> [--identifier ID] [--remove] [--verify]
// Signs a thin 64-bit Mach-O file ad hoc in place (default identifier: the file's name), removes
// its signature (--remove), or checks every page hash of an already signed file (--verify).
import { readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { adhocSign } from './adhoc-sign.ts';
import { MachoError } from './errors.ts';
import { removeSignature } from './remove-signature.ts';
import { verifyPageHashes } from './verify.ts';

export { adhocSign } from './adhoc-sign.ts';
export type { AdhocSignOptions } from './adhoc-sign.ts';
export { removeSignature } from './remove-signature.ts';
export { verifyPageHashes } from './verify.ts';
export type { SignatureCheck } from './verify.ts';
export { MachoError } from './errors.ts';

const USAGE = 'usage: node scripts/build/macho/sign.ts <file> [--identifier ID] [--remove | --verify]';

/** Write through a temporary file and rename, keeping the file's mode. */
function replaceFile(path: string, contents: Buffer): void {
  const temporary = `${path}.signing-${process.pid}`;
  writeFileSync(temporary, contents, { mode: statSync(path).mode });
  renameSync(temporary, path);
}

export function main(argv: string[]): number {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        identifier: { type: 'string' },
        remove: { type: 'boolean', default: false },
        verify: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [path] = positionals;
  if (path === undefined || positionals.length > 1 || (values.remove && values.verify)) {
    console.error(USAGE);
    return 2;
  }
  try {
    const input = readFileSync(path);
    if (values.verify) {
      const check = verifyPageHashes(input);
      for (const problem of check.problems) console.error(`${path}: ${problem}`);
      console.log(
        `${path}: ${check.ok ? 'valid' : 'INVALID'} (${check.pagesChecked} pages in ${check.codeDirectories} CodeDirectories)`,
      );
      return check.ok ? 0 : 1;
    }
    if (values.remove) {
      replaceFile(path, removeSignature(input));
      console.log(`${path}: signature removed`);
      return 0;
    }
    const identifier = values.identifier ?? basename(path);
    const signed = adhocSign(input, identifier);
    const check = verifyPageHashes(signed);
    if (!check.ok)
      throw new Error(`internal error, signed output does not verify: ${check.problems.join('; ')}`);
    replaceFile(path, signed);
    console.log(`${path}: signed ad hoc as ${identifier} (${check.pagesChecked} pages)`);
    return 0;
  } catch (error) {
    if (error instanceof MachoError || (error as NodeJS.ErrnoException).code === 'ENOENT') {
      console.error(`${path}: ${(error as Error).message}`);
      return 1;
    }
    throw error;
  }
}

if (process.argv[1] !== undefined && realpathSync(process.argv[1]) === import.meta.filename) {
  process.exitCode = main(process.argv.slice(2));
}
