// The report facts as PostgreSQL columns and back: booleans as booleans, the user lists as jsonb arrays.
import type { FactCount, MdmUpdateVerdict, ReportFacts } from '../types.ts';
import { MDM_UPDATE_VERDICTS } from '../types.ts';

export interface FactColumnsRaw {
  bootstrap_escrowed: boolean | null;
  bootstrap_usable: boolean | null;
  filevault_on: boolean | null;
  mdm_update: string | null;
  mdm_update_reason: string | null;
  token_holders: unknown;
  tokenless_users: unknown;
}

const verdictOf = (v: unknown): MdmUpdateVerdict | null =>
  MDM_UPDATE_VERDICTS.includes(v as MdmUpdateVerdict) ? (v as MdmUpdateVerdict) : null;

/** A stored array of names (pg parses jsonb); anything else (a row written by hand) reads as unknown. */
const names = (v: unknown): string[] | null =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null;

export function toFacts(r: FactColumnsRaw): ReportFacts {
  return {
    bootstrapEscrowed: r.bootstrap_escrowed,
    bootstrapUsable: r.bootstrap_usable,
    fileVaultOn: r.filevault_on,
    mdmUpdate: verdictOf(r.mdm_update),
    mdmUpdateReason: r.mdm_update_reason,
    tokenHolders: names(r.token_holders),
    tokenlessUsers: names(r.tokenless_users),
  };
}

export interface FactCountRaw {
  bootstrap_escrowed: boolean | null;
  bootstrap_usable: boolean | null;
  filevault_on: boolean | null;
  mdm_update: string | null;
  n: number;
}

export const toFactCount = (r: FactCountRaw): FactCount => ({
  bootstrapEscrowed: r.bootstrap_escrowed,
  bootstrapUsable: r.bootstrap_usable,
  fileVaultOn: r.filevault_on,
  mdmUpdate: verdictOf(r.mdm_update),
  devices: r.n,
});
