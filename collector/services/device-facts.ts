// What reports count a device by, derived once from its current snapshot and the rules' outcomes for it
// (at ingest; for a database an older version wrote, by jobs/backfill-facts.ts), stored on the device row
// and in its state history:
//   bootstrapEscrowed  the Mac says its Bootstrap Token is escrowed (false: it says not, it is not enrolled,
//                      or its server does not support it)
//   bootstrapUsable    escrowed, and usable as far as the Mac can tell: not refused by mdmclient's
//                      EACSPreflight or MDMOptions.BootstrapTokenAllowed, its key on the volume
//   fileVaultOn        FileVault is on (encrypting and decrypting are not on)
//   mdmUpdate          can MDM update this Apple silicon Mac without a person (mdmUpdateVerdict below)
//   tokenHolders / tokenlessUsers   enabled users with and (known) without a SecureToken
// The verdict is composed from the rules' own outcomes (no second definition of a volume owner or an
// escrowed token): a failing one says no, with its reason.
import { checkSnapshot } from '../../agent/snapshot/index.ts';
import type { Snapshot } from '../../agent/snapshot/index.ts';
import { evaluateDevice } from '../rules/index.ts';
import type { RuleConfig, RuleId, RuleOutcome } from '../rules/index.ts';
import type { MdmUpdateVerdict, ReportFacts } from '../store/types.ts';
import { BodyError, decodeBody } from './snapshot-body.ts';

/** Bump when a derivation below changes: the backfill derives the facts of every device again. */
export const FACTS_VERSION = 1;

/** What MDM needs to update an Apple silicon Mac unattended; an unknown answer leaves the verdict unknown. */
const REQUIRED: readonly RuleId[] = [
  'no-volume-owner',
  'mdm-not-enrolled',
  'mdm-not-user-approved',
  'bootstrap-unsupported',
  'bootstrap-not-escrowed',
];
/** Checked where the Mac can tell: a failure says no, an unknown answer is no reason to doubt. */
const WHERE_KNOWN: readonly RuleId[] = ['bootstrap-key-missing', 'bootstrap-unusable'];

const ALLOWED_REFUSED = 'mdmclient says MDMOptions.BootstrapTokenAllowed = 0';

export interface MdmUpdate {
  verdict: MdmUpdateVerdict;
  /** Why not, or why unknown; null when yes. */
  reason: string | null;
}

export function mdmUpdateVerdict(snapshot: Snapshot, outcomes: readonly RuleOutcome[]): MdmUpdate {
  const silicon = snapshot.device.appleSilicon;
  if (silicon === false)
    return {
      verdict: 'not_applicable',
      reason: 'an Intel Mac: installing updates needs no volume owner or Bootstrap Token',
    };
  if (silicon === null) return { verdict: 'unknown', reason: 'whether the Mac has Apple silicon is unknown' };
  const of = (ids: readonly RuleId[], result: RuleOutcome['result']) =>
    outcomes.filter((o) => ids.includes(o.rule) && o.result === result);
  const failing = of([...REQUIRED, ...WHERE_KNOWN], 'fail').map((o) => o.reason);
  if (snapshot.bootstrapToken.allowed === false) failing.push(ALLOWED_REFUSED);
  if (failing.length > 0) return { verdict: 'no', reason: failing.join('; ') };
  const unknown = of(REQUIRED, 'unknown').map((o) => o.reason);
  const missing = REQUIRED.filter((id) => !outcomes.some((o) => o.rule === id));
  if (missing.length > 0) unknown.push(`no answer from ${missing.join(', ')}`);
  if (unknown.length > 0) return { verdict: 'unknown', reason: unknown.join('; ') };
  return { verdict: 'yes', reason: null };
}

function escrowed(snapshot: Snapshot): boolean | null {
  const bt = snapshot.bootstrapToken;
  if (bt.escrowed !== null) return bt.escrowed;
  if (snapshot.mdm.enrolled === false || bt.supportedOnServer === false) return false;
  return null;
}

function usable(snapshot: Snapshot, outcomes: readonly RuleOutcome[]): boolean | null {
  const e = escrowed(snapshot);
  if (e !== true) return e;
  const result = (id: RuleId) => outcomes.find((o) => o.rule === id)?.result;
  if (result('bootstrap-unusable') === 'fail' || result('bootstrap-key-missing') === 'fail') return false;
  if (snapshot.bootstrapToken.allowed === false) return false;
  if (result('bootstrap-unusable') === 'pass') return true;
  // No EACSPreflight on this macOS: the MDM options are what the Mac says.
  if (result('bootstrap-unusable') === 'not_applicable' && snapshot.bootstrapToken.allowed === true)
    return true;
  return null;
}

export function reportFacts(snapshot: Snapshot, outcomes: readonly RuleOutcome[]): ReportFacts {
  const update = mdmUpdateVerdict(snapshot, outcomes);
  const enabled = snapshot.users.filter((u) => u.disabled !== true);
  const fv = snapshot.fileVault.state;
  return {
    bootstrapEscrowed: escrowed(snapshot),
    bootstrapUsable: usable(snapshot, outcomes),
    fileVaultOn: fv === 'unknown' ? null : fv === 'on',
    mdmUpdate: update.verdict,
    mdmUpdateReason: update.reason,
    tokenHolders: enabled.filter((u) => u.secureToken === true).map((u) => u.name),
    tokenlessUsers: enabled.filter((u) => u.secureToken === false).map((u) => u.name),
  };
}

/**
 * The report facts of a stored snapshot body (one an older version accepted), or why there are none:
 * the body cannot be read, or is no snapshot of the contract.
 */
export function factsOfStoredBody(
  stored: { body: unknown; encoding: unknown },
  now: Date,
  rules: RuleConfig,
): { facts: ReportFacts } | { problem: string } {
  let value: unknown;
  try {
    value = decodeBody(stored.body, stored.encoding);
  } catch (e) {
    if (e instanceof BodyError) return { problem: e.message };
    throw e;
  }
  const misfits = checkSnapshot(value);
  if (misfits.length > 0)
    return { problem: `not a tokenwatch.snapshot/1 (${misfits[0]?.path} ${misfits[0]?.message})` };
  const snapshot = value as Snapshot;
  return {
    facts: reportFacts(snapshot, evaluateDevice({ snapshot, lastSeen: now.toISOString() }, now, rules)),
  };
}
