// The store interfaces as far as the PostgreSQL store implements them today. What is left out here is
// what store/open.ts names when it refuses --database-url (POSTGRES_MISSING); each part leaves this list
// as its repo lands, until PostgresRepos is Repos.
import type { DeviceRow, DeviceStore, FindingStore, FleetQueries, Repos, Store } from '../types.ts';

type MissingFleet = 'findingCounts';

export type PostgresDeviceRow = DeviceRow;
export type PostgresDeviceStore = DeviceStore;
export type PostgresFindingStore = FindingStore;
export type PostgresFleetQueries = Omit<FleetQueries, MissingFleet>;

export type PostgresRepos = Omit<Repos, 'findings' | 'fleet'> & {
  findings: PostgresFindingStore;
  fleet: PostgresFleetQueries;
};

export type PostgresStoreBase = PostgresRepos &
  Omit<Store, keyof Repos | 'withTransaction'> & {
    withTransaction<T>(fn: (tx: PostgresRepos) => Promise<T>): Promise<T>;
  };
