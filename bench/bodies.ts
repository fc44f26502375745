// Request bodies for the load client and the storage run: the rule tests' realistic compliant Apple silicon
// snapshot (test/collector/rules/compliant-snapshot.ts), made each device's own. A "change" is a new uid
// for the first user (a new digest, every rule still passes); the id and collectedAt are fresh per upload.
import { randomUUID } from 'node:crypto';
import { compliantSnapshot } from '../test/collector/rules/compliant-snapshot.ts';
import { CHECKIN_SCHEMA } from '../agent/snapshot/index.ts';

const UID_MARK = 987654321;

export interface BenchDevice {
  serial: string;
  hardwareUuid: string;
  token: string;
  /** The uid of the device's current state (a change moves it on). */
  uid: number;
  /** Digest of the device's current snapshot, from the collector's answer. */
  digest: string | null;
  template: string;
}

export function benchDevice(serial: string, hardwareUuid: string, token: string): BenchDevice {
  const s = compliantSnapshot();
  s.id = '@ID@';
  s.collectedAt = '@AT@';
  s.device.serial = serial;
  s.device.hardwareUuid = hardwareUuid;
  (s.users[0] as { uid: number }).uid = UID_MARK;
  return { serial, hardwareUuid, token, uid: 501, digest: null, template: JSON.stringify(s) };
}

/** A snapshot of the device's current state (unchanged) or of a new one (changed: the uid moves on). */
export function snapshotBody(d: BenchDevice, changed: boolean, at: string): string {
  const uid = changed ? 501 + ((d.uid - 500) % 5000) : d.uid;
  return d.template
    .replace('"@ID@"', `"${randomUUID()}"`)
    .replace('"@AT@"', `"${at}"`)
    .replace(String(UID_MARK), String(uid));
}

/** The uid a changed body carries (what the device's state becomes once it is accepted). */
export const nextUid = (d: BenchDevice): number => 501 + ((d.uid - 500) % 5000);

export function checkinBody(d: BenchDevice, at: string): string {
  return JSON.stringify({
    schema: CHECKIN_SCHEMA,
    id: randomUUID(),
    digest: d.digest,
    collectedAt: at,
    consoleUser: 'alice',
  });
}
