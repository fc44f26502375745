// Resolving an identity conflict (the admin API and `tokenwatch conflicts` both call this). Keeping the
// existing device refuses the claimant for good (later attempts are 409 and counted on the conflict).
// Keeping the claimant removes the devices that hold its serial or hardware UUID, with their tokens,
// history and findings, and reserves a record for the claimant's identity: its next enrollment gets a
// token, and nobody else can take the serial in between. A conflict resolved keeping the existing device
// may later be resolved keeping the claimant (an admin's second thought); one that kept the claimant is
// final. Every resolution is in the enrollment audit.
import type { ConflictHolder, ConflictResolution, IdentityConflictRecord, Store } from '../store/types.ts';
import { Refusal } from './errors.ts';
import { iso } from './instants.ts';
import { printable, terminalJson } from './terminal-text.ts';
import type { IdentityConflictView } from './views.ts';
import { identityConflictResolved, resolveAllOf } from './incidents.ts';

export interface Resolved {
  conflict: IdentityConflictRecord;
  /** Token hashes that stopped working (for the auth cache). */
  revokedTokenHashes: string[];
  /** false when the conflict was already resolved this way (nothing changed). */
  changed: boolean;
}

export async function resolveConflict(
  store: Store,
  id: number,
  keep: ConflictResolution,
  by: string,
  now: Date,
): Promise<Resolved | null> {
  const at = now.getTime();
  return store.withTransaction(async (tx) => {
    const c = await tx.identityConflicts.get(id);
    if (c === null) return null;
    if (c.resolution === keep) return { conflict: c, revokedTokenHashes: [], changed: false };
    if (c.resolution === 'claimant') {
      throw new Refusal(
        'conflict_resolved',
        `identity conflict ${id} was resolved keeping the claimant on ${iso(c.resolvedAt)}: its devices were replaced`,
      );
    }
    const revokedTokenHashes: string[] = [];
    let detail = `the claimant is refused, by ${by}`;
    if (keep === 'claimant') {
      const holders = [await tx.devices.bySerial(c.serial), await tx.devices.byHardwareUuid(c.hardwareUuid)];
      const removed = new Set<number>();
      for (const h of holders) {
        if (h === null || removed.has(h.id)) continue;
        removed.add(h.id);
        if (h.tokenHash !== null) revokedTokenHashes.push(h.tokenHash);
        // Its findings go with the record: its incidents are resolved, saying why.
        await resolveAllOf(
          tx,
          h.serial,
          at,
          `the device record was replaced when identity conflict ${id} was resolved keeping ${c.serial} / ${c.hardwareUuid}`,
        );
        await tx.enrollments.record({
          at,
          serial: h.serial,
          hardwareUuid: h.hardwareUuid,
          remoteAddress: null,
          outcome: 'replaced',
          detail: `identity conflict ${id}: replaced by ${c.serial} / ${c.hardwareUuid}, by ${by}`,
        });
      }
      await tx.devices.replace([...removed], { serial: c.serial, hardwareUuid: c.hardwareUuid, at });
      detail = `${removed.size} device record(s) replaced, by ${by}`;
    }
    await tx.identityConflicts.resolve(id, { at, resolution: keep, by });
    await tx.enrollments.record({
      at,
      serial: c.serial,
      hardwareUuid: c.hardwareUuid,
      remoteAddress: null,
      outcome: keep === 'claimant' ? 'conflict_kept_claimant' : 'conflict_kept_existing',
      detail: `identity conflict ${id}: ${detail}`,
    });
    const conflict = (await tx.identityConflicts.get(id)) as IdentityConflictRecord;
    await identityConflictResolved(
      tx,
      conflict,
      at,
      keep === 'claimant' ? `kept the claimant, by ${by}` : `kept the existing device, by ${by}`,
    );
    return { conflict, revokedTokenHashes, changed: true };
  });
}

const holderView = (h: ConflictHolder | null) =>
  h === null
    ? null
    : {
        serial: h.serial,
        hardwareUuid: h.hardwareUuid,
        enrolledAt: iso(h.enrolledAt),
        tokenIssuedAt: iso(h.tokenIssuedAt),
        tokenIssuedFrom: h.tokenIssuedFrom,
        lastContact: iso(h.lastContact),
        lastSeen: iso(h.lastSeen),
      };

/** The JSON an admin sees (API and CLI). */
export function conflictView(c: IdentityConflictRecord): IdentityConflictView {
  return {
    id: c.id,
    state: c.resolvedAt === null ? ('open' as const) : ('resolved' as const),
    claimant: {
      serial: c.serial,
      hardwareUuid: c.hardwareUuid,
      firstAttempt: iso(c.firstAt),
      lastAttempt: iso(c.lastAt),
      attempts: c.attempts,
      firstAddress: c.firstAddress,
      lastAddress: c.lastAddress,
    },
    serialHolder: holderView(c.serialHolder),
    uuidHolder: holderView(c.uuidHolder),
    resolvedAt: iso(c.resolvedAt),
    resolution: c.resolution,
    resolvedBy: c.resolvedBy,
  };
}

/** `tokenwatch conflicts list --json`, safe on a terminal (terminal-text.ts). */
export const conflictsJson = (conflicts: IdentityConflictRecord[]): string =>
  terminalJson(conflicts.map(conflictView));

/** One line of `tokenwatch conflicts list`, safe to print on a terminal: its text comes partly from
 * clients (addresses through X-Forwarded-For) and admins (`by`). */
export function describeConflict(c: IdentityConflictRecord): string {
  const state =
    c.resolvedAt === null
      ? 'open'
      : `resolved (${c.resolution ?? '?'}, by ${c.resolvedBy ?? '?'}, ${iso(c.resolvedAt)})`;
  const holder = (what: string, h: ConflictHolder | null) =>
    h === null
      ? []
      : [
          `${what} held by ${h.serial} / ${h.hardwareUuid} (enrolled ${iso(h.enrolledAt)}, token from ${h.tokenIssuedFrom ?? 'unknown'}, last contact ${iso(h.lastContact)})`,
        ];
  return [
    String(c.id),
    state,
    `claimant ${c.serial} / ${c.hardwareUuid} (${c.attempts} attempt${c.attempts === 1 ? '' : 's'}, first ${iso(c.firstAt)} from ${c.firstAddress ?? 'unknown'}, last ${iso(c.lastAt)} from ${c.lastAddress ?? 'unknown'})`,
    ...holder('serial', c.serialHolder),
    ...holder('hardware UUID', c.uuidHolder),
  ]
    .map(printable)
    .join('  ');
}
