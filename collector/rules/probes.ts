// The snapshot errors a rule reads: those of the probes it names (RuleDefinition.probes, the contract's
// probe ids), so that a rule can say why an input is missing and collection-incomplete can name the
// probes that left rules unknown. Everything here reads the error's fields (probe, kind, user,
// unrelated), never the words of its message.
import type { CollectionError, ProbeId, Snapshot } from '../../agent/snapshot/index.ts';
import { errorSubject } from '../../agent/snapshot/index.ts';

/** The snapshot's errors that came from any of the given probes. */
export function errorsOf(snapshot: Snapshot, probes: readonly ProbeId[]): CollectionError[] {
  return snapshot.errors.filter((e) => (probes as readonly string[]).includes(e.probe));
}

/**
 * The errors of a list probe (dscl_users, diskutil_cryptousers) that may have left its list incomplete:
 * all of them except lines the agent recorded as unrelated to a list it read in full.
 */
export function listErrors(snapshot: Snapshot, probe: ProbeId): CollectionError[] {
  return errorsOf(snapshot, [probe]).filter((e) => e.unrelated !== true);
}

/** The errors of a per-user probe about this user (the agent names the user in `user`). */
export function errorsAbout(snapshot: Snapshot, probe: ProbeId, user: string): CollectionError[] {
  return errorsOf(snapshot, [probe]).filter((e) => e.user === user);
}

/** `probe (user NAME): "message"` entries for a reason, quoted as the agent reported them. */
export function quoteErrors(errors: readonly CollectionError[]): string {
  return errors.map((e) => `${errorSubject(e)}: "${e.message}"`).join('; ');
}
