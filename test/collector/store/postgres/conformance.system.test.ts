// The store conformance suite (test/collector/store/conformance) against the PostgreSQL store, unchanged:
// each store a fresh database on a real PostgreSQL server (Debian's, started for this file), opened as the
// collector opens it.
import { after, before } from 'node:test';
import { openPostgresStore } from '../../../../collector/store/postgres/index.ts';
import { storeConformance } from '../conformance/index.ts';
import { startPostgres } from '../../../helpers/postgres.ts';
import type { PostgresServer } from '../../../helpers/postgres.ts';

let server: PostgresServer;
before(async () => {
  server = await startPostgres();
});
after(async () => {
  await server.stop();
});

storeConformance({
  name: 'postgresql',
  async open(options) {
    const db = await server.createDatabase();
    const store = openPostgresStore(db.url, { ...options, poolSize: 8 });
    await store.migrated;
    return { store: store, dispose: db.drop };
  },
});
