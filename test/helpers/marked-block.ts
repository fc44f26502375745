// The generated block of a document: the text between `<!-- NAME:start -->` and `<!-- NAME:end -->`
// (inside prettier-ignore markers, so the formatter leaves it as generated). Tests compare it with what
// the declaration renders.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The block NAME of the file at `file` (relative to the repository root); fails without the markers. */
export function markedBlock(file: string, name: string): string {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const m = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(text);
  assert.ok(m, `${file} has the ${name} markers`);
  return m[1] ?? '';
}
