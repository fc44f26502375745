// Snapshot and check-in ingest: idempotent by snapshot id, one transaction per ingest, history grows with
// changes only (same digest = lastSeen only), the accepted body kept as received (compressed), a device's
// states ordered by what the collector can trust (ordering.ts), a clock ahead of the collector's flagged.
import { createHash } from 'node:crypto';
import { snapshotDigest } from '../../agent/snapshot/index.ts';
import type { Snapshot, Checkin } from '../../agent/snapshot/index.ts';
import type { RuleConfig } from '../rules/index.ts';
import type { Millis, Repos, SnapshotReceipt, Store } from '../store/types.ts';
import { evaluateSnapshot } from './evaluation.ts';
import { FACTS_VERSION, reportFacts } from './device-facts.ts';
import { encodeBody } from './snapshot-body.ts';
import { iso, readInstant } from './instants.ts';
import { clockSkewSeconds, orderTime } from './ordering.ts';
import { Refusal } from './errors.ts';
import type { CheckinAccepted, SnapshotAccepted } from './views.ts';
import { reconcileIncidents } from './incidents.ts';

export interface IngestDeps {
  store: Store;
  rules: RuleConfig;
}

export interface AuthenticatedDevice {
  id: number;
  serial: string;
  hardwareUuid: string;
}

/**
 * The answer (views.ts SnapshotAccepted: `changed` when the snapshot changed the device's state, a new
 * history entry; `receivedAt` when the collector first accepted the id, so a retry gets the same answer)
 * and what ingest did beyond it: a replay is an id accepted before, answered from its receipt.
 */
export interface SnapshotIngested extends SnapshotAccepted {
  replay: boolean;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/**
 * A device heard from again after more than the stale age may have a stale incident to resolve; the
 * others (nearly every upload and check-in) cost nothing here.
 */
async function heardFrom(
  tx: Repos,
  dev: { id: number; serial: string; lastContact: Millis },
  rules: RuleConfig,
  at: Millis,
): Promise<void> {
  if (at - dev.lastContact > rules.staleAfterSeconds * 1000)
    await reconcileIncidents(tx, { ...dev, lastContact: at }, rules, at);
}

/**
 * An instant the agent reported, read strictly (services/instants.ts): the contract's pattern lets 30
 * February, a leap second and years no Mac means (9999, 1970, offsets pushing out of range) through; each is
 * refused naming the path, before anything is written.
 */
function reported(path: string, text: string): Millis {
  const r = readInstant(text);
  if (!r.ok) throw new Refusal('invalid_instant', `${path} "${text}" ${r.problem}`);
  return r.ms;
}

/** The device named in a snapshot must be the authenticated one (null = not established by the agent). */
export function checkOwnership(device: AuthenticatedDevice, snapshot: Snapshot): void {
  const { serial, hardwareUuid } = snapshot.device;
  if (serial !== null && serial !== device.serial) {
    throw new Refusal('device_mismatch', `device.serial "${serial}" is not this device's serial`);
  }
  if (hardwareUuid !== null && hardwareUuid.toUpperCase() !== device.hardwareUuid.toUpperCase()) {
    throw new Refusal(
      'device_mismatch',
      `device.hardwareUuid "${hardwareUuid}" is not this device's hardware UUID`,
    );
  }
}

function answer(r: SnapshotReceipt, deviceId: number, bodySha256: string): SnapshotIngested {
  if (r.deviceId !== deviceId) {
    throw new Refusal(
      'snapshot_conflict',
      `snapshot ${r.snapshotId} was already accepted from another device`,
    );
  }
  if (r.bodySha256 !== bodySha256) {
    throw new Refusal(
      'snapshot_conflict',
      `snapshot ${r.snapshotId} was already accepted with a different body`,
    );
  }
  return {
    id: r.snapshotId,
    digest: r.digest,
    changed: r.changed,
    receivedAt: iso(r.receivedAt),
    replay: true,
  };
}

export async function ingestSnapshot(
  deps: IngestDeps,
  device: AuthenticatedDevice,
  snapshot: Snapshot,
  raw: Uint8Array,
  now: Date,
): Promise<SnapshotIngested> {
  const { store } = deps;
  checkOwnership(device, snapshot);
  const collectedAt = reported('body/collectedAt', snapshot.collectedAt);
  if (snapshot.bootstrapToken.checkedAt !== null)
    reported('body/bootstrapToken/checkedAt', snapshot.bootstrapToken.checkedAt);
  // A UUID's hex digits in either case name the same snapshot: the receipt key is the lower-case form.
  const id = snapshot.id.toLowerCase();
  const bodySha256 = sha256(raw);
  const digest = snapshotDigest(snapshot);
  const at = now.getTime();
  const orderedAt = orderTime(collectedAt, at);
  const skew = clockSkewSeconds(collectedAt, at);
  const receipt = (changed: boolean): SnapshotReceipt => ({
    snapshotId: id,
    deviceId: device.id,
    bodySha256,
    digest,
    changed,
    receivedAt: at,
  });
  const unchanged = async (tx: Repos, lastContact: Millis): Promise<SnapshotIngested> => {
    await tx.devices.touch(device.id, at, snapshot.consoleUser, skew);
    await heardFrom(tx, { ...device, lastContact }, deps.rules, at);
    await tx.snapshots.addReceipt(receipt(false));
    return { id, digest, changed: false, receivedAt: now.toISOString(), replay: false };
  };

  // The common cases (a retry, an unchanged snapshot) are one unit of work.
  const quick = await store.withTransaction(async (tx) => {
    const seen = await tx.snapshots.receipt(id);
    if (seen) return answer(seen, device.id, bodySha256);
    const current = await tx.devices.byId(device.id);
    if (current?.digest === digest) return unchanged(tx, current.lastContact);
    return null;
  });
  if (quick) return quick;

  // A change: compress before the unit of work; the unit re-checks what it depends on.
  const { body, encoding } = encodeBody(raw);

  return store.withTransaction(async (tx) => {
    const again = await tx.snapshots.receipt(id);
    if (again) return answer(again, device.id, bodySha256);
    const dev = await tx.devices.byId(device.id);
    if (!dev) throw new Refusal('device_gone', 'the device no longer exists');
    if (dev.digest === digest) return unchanged(tx, dev.lastContact);
    await tx.snapshots.addHistory({
      deviceId: device.id,
      snapshotId: id,
      digest,
      collectedAt,
      receivedAt: at,
      body,
      encoding,
    });
    const currentAt = dev.orderedAt ?? dev.collectedAt;
    if (currentAt !== null && orderedAt < currentAt) {
      // Late delivery of an older state (an outbox catching up out of order): kept in history, the
      // current state stays the newer one. The order is ordering.ts's: a collectedAt ahead of the
      // collector's clock counts as received, so it never keeps later real states out.
      await tx.devices.touch(device.id, at, dev.consoleUser, skew);
      await heardFrom(tx, dev, deps.rules, at);
    } else {
      const exemptions = await tx.exemptions.applicable(dev.serial, at);
      const evaluation = evaluateSnapshot({
        serial: dev.serial,
        snapshot,
        previousOpen: await tx.findings.open(device.id),
        exemptions,
        now,
        config: deps.rules,
      });
      await tx.findings.save(device.id, evaluation.findings);
      await tx.devices.setCurrent(device.id, {
        snapshotId: id,
        digest,
        collectedAt,
        orderedAt,
        clockSkewSeconds: skew,
        seenAt: at,
        consoleUser: snapshot.consoleUser,
        facts: {
          model: snapshot.device.model,
          osVersion: snapshot.device.osVersion,
          osBuild: snapshot.device.osBuild,
          hostname: snapshot.device.hostname,
          appleSilicon: snapshot.device.appleSilicon,
          agentVersion: snapshot.agent.version,
          ...reportFacts(snapshot, evaluation.outcomes),
        },
        factsVersion: FACTS_VERSION,
        verdict: { noncompliantFrom: evaluation.noncompliantFrom, hasUnknown: evaluation.hasUnknown },
      });
      // The incidents follow in the same unit: their events are written with the change that causes them.
      await reconcileIncidents(tx, { id: dev.id, serial: dev.serial, lastContact: at }, deps.rules, at, {
        open: evaluation.findings,
        exemptions,
      });
    }
    await tx.snapshots.addReceipt(receipt(true));
    return { id, digest, changed: true, receivedAt: now.toISOString(), replay: false };
  });
}

export async function ingestCheckin(
  deps: IngestDeps,
  device: AuthenticatedDevice,
  checkin: Checkin,
  now: Date,
): Promise<CheckinAccepted> {
  const collectedAt = reported('body/collectedAt', checkin.collectedAt);
  const skew = clockSkewSeconds(collectedAt, now.getTime());
  return deps.store.withTransaction(async (tx) => {
    const dev = await tx.devices.byId(device.id);
    if (!dev || dev.digest === null || dev.digest !== checkin.digest) {
      throw new Refusal(
        'digest_unknown',
        dev?.digest
          ? "the digest is not this device's current one: send the full snapshot"
          : 'no snapshot from this device yet: send the full snapshot',
      );
    }
    await tx.devices.touch(device.id, now.getTime(), checkin.consoleUser, skew);
    await heardFrom(tx, dev, deps.rules, now.getTime());
    return { id: checkin.id, digest: checkin.digest, lastSeen: now.toISOString() };
  });
}
