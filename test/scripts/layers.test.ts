// The collector's layers are lint errors, not advice: its core (services, rules, store) imports no edge and
// no HTTP, the store is below the services, rules stay pure, SQLite's error codes stay in store/sqlite, and
// the store conformance suite knows no backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });

/** The messages eslint gives `code` as if it were the file `file`. */
async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

const refused: [string, string][] = [
  ['collector/services/x.ts', "import { ApiError } from '../http/errors.ts';\nexport const x = ApiError;\n"],
  ['collector/services/x.ts', "import Fastify from 'fastify';\nexport const x = Fastify;\n"],
  ['collector/services/x.ts', "import Database from 'better-sqlite3';\nexport const x = Database;\n"],
  [
    'collector/services/x.ts',
    "import { openSqliteStore } from '../store/sqlite/index.ts';\nexport const x = openSqliteStore;\n",
  ],
  ['collector/services/x.ts', "import pg from 'pg';\nexport const x = pg;\n"],
  [
    'collector/services/x.ts',
    "import { openPostgresStore } from '../store/postgres/index.ts';\nexport const x = openPostgresStore;\n",
  ],
  ['collector/rules/x.ts', "import pg from 'pg';\nexport const x = pg;\n"],
  ['collector/services/x.ts', "import { pruneOnce } from '../jobs/prune.ts';\nexport const x = pruneOnce;\n"],
  ['collector/store/x.ts', "import { iso } from '../services/instants.ts';\nexport const x = iso;\n"],
  [
    'collector/store/sqlite/x.ts',
    "import { ApiError } from '../../http/errors.ts';\nexport const x = ApiError;\n",
  ],
  [
    'collector/store/sqlite/x.ts',
    "import type { FastifyInstance } from 'fastify';\nexport type X = FastifyInstance;\n",
  ],
  ['collector/rules/x.ts', "import { iso } from '../services/instants.ts';\nexport const x = iso;\n"],
  ['collector/rules/x.ts', "import type { Store } from '../store/types.ts';\nexport type X = Store;\n"],
  ['collector/http/x.ts', "export const busy = (code: string) => code === 'SQLITE_BUSY';\n"],
  ['collector/services/x.ts', "export const busy = (code: string) => code === 'SQLITE_LOCKED';\n"],
  [
    'test/collector/store/conformance/x.ts',
    "import { openSqliteStore } from '../../../../collector/store/sqlite/index.ts';\nexport const x = openSqliteStore;\n",
  ],
  [
    'test/collector/store/conformance/x.ts',
    "import Database from 'better-sqlite3';\nexport const x = Database;\n",
  ],
  [
    'test/collector/store/conformance/x.ts',
    "import { openPostgresStore } from '../../../../collector/store/postgres/index.ts';\nexport const x = openPostgresStore;\n",
  ],
];

test('the core never imports an edge, HTTP or a storage backend; SQLite codes stay in store/sqlite', async () => {
  for (const [file, code] of refused) {
    const found = await problems(file, code);
    assert.ok(
      found.some((p) => /^no-restricted-(imports|syntax):/.test(p)),
      `${file} may say:\n${code}${found.join('\n')}`,
    );
  }
});

test('what the layers allow lints clean', async () => {
  const allowed: [string, string][] = [
    ['collector/http/x.ts', "import { Refusal } from '../services/errors.ts';\nexport const x = Refusal;\n"],
    ['collector/services/x.ts', "import type { Store } from '../store/types.ts';\nexport type X = Store;\n"],
    [
      'collector/services/x.ts',
      "import { ruleById } from '../rules/index.ts';\nexport const x = ruleById;\n",
    ],
    ['collector/store/sqlite/x.ts', "export const busy = (code: string) => code === 'SQLITE_BUSY';\n"],
  ];
  for (const [file, code] of allowed) assert.deepEqual(await problems(file, code), [], `${file}:\n${code}`);
});
