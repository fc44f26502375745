// The store conformance suite (test/collector/store/conformance) against the SQLite store: each store a
// fresh database file, opened as the collector opens it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../../../../collector/store/sqlite/index.ts';
import { storeConformance } from '../conformance/index.ts';

storeConformance({
  name: 'sqlite',
  async open(options) {
    const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-conformance-'));
    return {
      store: openSqliteStore(join(dir, 'store.db'), options),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
});
