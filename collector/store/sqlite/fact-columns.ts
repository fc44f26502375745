// The report facts as SQLite columns and back: booleans as 1/0/NULL, the user lists as JSON arrays.
import type { FactCount, MdmUpdateVerdict, ReportFacts } from '../types.ts';
import { MDM_UPDATE_VERDICTS } from '../types.ts';

export const flag = (b: boolean | null): number | null => (b === null ? null : b ? 1 : 0);
export const unflag = (n: unknown): boolean | null => (n === 1 ? true : n === 0 ? false : null);

export function factColumns(f: ReportFacts, version: number) {
  return {
    bootstrapEscrowed: flag(f.bootstrapEscrowed),
    bootstrapUsable: flag(f.bootstrapUsable),
    fileVaultOn: flag(f.fileVaultOn),
    mdmUpdate: f.mdmUpdate,
    mdmUpdateReason: f.mdmUpdateReason,
    tokenHolders: f.tokenHolders === null ? null : JSON.stringify(f.tokenHolders),
    tokenlessUsers: f.tokenlessUsers === null ? null : JSON.stringify(f.tokenlessUsers),
    factsVersion: version,
  };
}

export interface FactColumnsRaw {
  bootstrap_escrowed: number | null;
  bootstrap_usable: number | null;
  filevault_on: number | null;
  mdm_update: string | null;
  mdm_update_reason: string | null;
  token_holders: string | null;
  tokenless_users: string | null;
}

export const verdictOf = (v: unknown): MdmUpdateVerdict | null =>
  MDM_UPDATE_VERDICTS.includes(v as MdmUpdateVerdict) ? (v as MdmUpdateVerdict) : null;

/** A stored JSON array of names; anything else (a row written by hand) reads as unknown. */
function names(text: string | null): string[] | null {
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : null;
  } catch {
    return null;
  }
}

export function toFacts(r: FactColumnsRaw): ReportFacts {
  return {
    bootstrapEscrowed: unflag(r.bootstrap_escrowed),
    bootstrapUsable: unflag(r.bootstrap_usable),
    fileVaultOn: unflag(r.filevault_on),
    mdmUpdate: verdictOf(r.mdm_update),
    mdmUpdateReason: r.mdm_update_reason,
    tokenHolders: names(r.token_holders),
    tokenlessUsers: names(r.tokenless_users),
  };
}

export interface FactCountRaw {
  bootstrap_escrowed: number | null;
  bootstrap_usable: number | null;
  filevault_on: number | null;
  mdm_update: string | null;
  n: number;
}

export const toFactCount = (r: FactCountRaw): FactCount => ({
  bootstrapEscrowed: unflag(r.bootstrap_escrowed),
  bootstrapUsable: unflag(r.bootstrap_usable),
  fileVaultOn: unflag(r.filevault_on),
  mdmUpdate: verdictOf(r.mdm_update),
  devices: r.n,
});
