// The store interfaces as far as the PostgreSQL store implements them today. What is left out here is
// what store/open.ts names when it refuses --database-url (POSTGRES_MISSING); each part leaves this list
// as its repo lands, until PostgresRepos is Repos.
import type { DeviceRow, DeviceStore, FindingStore, FleetQueries, Repos, Store } from '../types.ts';

type MissingDevices = 'setReportFacts';
type MissingFindings = 'openAt';
type MissingFleet =
  | 'countFacts'
  | 'historyKeptSince'
  | 'listDevicesAt'
  | 'countByStatusAt'
  | 'countByRuleAt'
  | 'deviceCountAt'
  | 'countFactsAt'
  | 'withoutReportFacts'
  | 'findingCounts';
type MissingRowColumns =
  | 'lastConsoleUser'
  | 'staleContact'
  | 'bootstrapEscrowed'
  | 'bootstrapUsable'
  | 'fileVaultOn'
  | 'mdmUpdate'
  | 'mdmUpdateReason'
  | 'tokenHolders'
  | 'tokenlessUsers';

export type PostgresDeviceRow = Omit<DeviceRow, MissingRowColumns>;
export type PostgresDeviceStore = Omit<DeviceStore, MissingDevices>;
export type PostgresFindingStore = Omit<FindingStore, MissingFindings>;
export type PostgresFleetQueries = Omit<FleetQueries, MissingFleet | 'listDevices' | 'deviceRow'> & {
  listDevices(...a: Parameters<FleetQueries['listDevices']>): Promise<PostgresDeviceRow[]>;
  deviceRow(...a: Parameters<FleetQueries['deviceRow']>): Promise<PostgresDeviceRow | null>;
};

export type PostgresRepos = Omit<Repos, 'devices' | 'findings' | 'fleet'> & {
  devices: PostgresDeviceStore;
  findings: PostgresFindingStore;
  fleet: PostgresFleetQueries;
};

export type PostgresStoreBase = PostgresRepos &
  Omit<Store, keyof Repos | 'withTransaction'> & {
    withTransaction<T>(fn: (tx: PostgresRepos) => Promise<T>): Promise<T>;
  };
