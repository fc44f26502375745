// When the Bootstrap Token rules apply. Shared by the four bootstrap-* rules so that they agree:
// a Mac that is not enrolled has no MDM server to escrow to (mdm-not-enrolled reports that), and a Mac
// whose server does not support Bootstrap Token cannot escrow (bootstrap-unsupported reports that).
import type { Snapshot } from '../../agent/snapshot/index.ts';
import { errorsOf, quoteErrors } from './probes.ts';
import { becauseOf } from './outcome.ts';
import type { RuleResult } from './types.ts';

export interface OutOfScope {
  result: Extract<RuleResult, 'unknown' | 'not_applicable'>;
  reason: string;
}

/** not_applicable when the Mac is not enrolled in MDM; null when the bootstrap rules apply. */
export function notEnrolled(snapshot: Snapshot): OutOfScope | null {
  if (snapshot.mdm.enrolled === false) {
    return { result: 'not_applicable', reason: 'the Mac is not enrolled in MDM (see mdm-not-enrolled)' };
  }
  return null;
}

/** Whether escrow does not apply: the agent listed it as not applicable, or the server said NO. */
export function escrowNotApplicable(snapshot: Snapshot): boolean {
  if (snapshot.notApplicable.includes('bootstrapToken.escrowed')) return true;
  const bt = snapshot.bootstrapToken;
  return bt.escrowed === null && bt.supportedOnServer === false;
}

/**
 * For rules that only ask questions of an escrowed token: null when the Mac says it is escrowed,
 * otherwise why the rule does not apply (not escrowed: bootstrap-not-escrowed reports it) or cannot tell.
 */
export function escrowedScope(snapshot: Snapshot): OutOfScope | null {
  const enrolment = notEnrolled(snapshot);
  if (enrolment) return enrolment;
  if (escrowNotApplicable(snapshot)) {
    return {
      result: 'not_applicable',
      reason: 'the MDM server does not support Bootstrap Token (see bootstrap-unsupported)',
    };
  }
  const escrowed = snapshot.bootstrapToken.escrowed;
  if (escrowed === true) return null;
  if (escrowed === false) {
    return {
      result: 'not_applicable',
      reason: 'the Bootstrap Token is not escrowed (see bootstrap-not-escrowed)',
    };
  }
  return {
    result: 'unknown',
    reason:
      'whether the Bootstrap Token is escrowed is unknown' +
      becauseOf(quoteErrors(errorsOf(snapshot, ['profiles_bootstrap']))),
  };
}
