// What a `run` queues after a collection. Pure.
// A change always goes out at once (that is what WatchPaths runs are for: a new account is reported
// within minutes). An unchanged state sends a small check-in, at most once per MinIntervalSeconds.
import { CHECKIN_SCHEMA } from '../snapshot/index.ts';
import type { Checkin, Snapshot } from '../snapshot/index.ts';

export type UploadPlan = 'snapshot' | 'checkin' | 'none';

export function planUpload(input: {
  changed: boolean;
  /** ISO 8601 of the last successful upload, or null. */
  lastUploadAt: string | null;
  now: Date;
  minIntervalSeconds: number;
}): UploadPlan {
  if (input.changed) return 'snapshot';
  const last = input.lastUploadAt === null ? NaN : Date.parse(input.lastUploadAt);
  if (Number.isNaN(last)) return 'checkin';
  // A clock that went backwards (last upload "in the future") must not silence the agent.
  const since = input.now.getTime() - last;
  return since >= input.minIntervalSeconds * 1000 || since < 0 ? 'checkin' : 'none';
}

export function checkinFor(snapshot: Snapshot, digest: string): Checkin {
  return {
    schema: CHECKIN_SCHEMA,
    id: snapshot.id,
    digest,
    collectedAt: snapshot.collectedAt,
    consoleUser: snapshot.consoleUser,
  };
}
