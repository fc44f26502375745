// Snapshot and check-in ingest: idempotent by snapshot id, one transaction per ingest, history grows with
// changes only (same digest = lastSeen only), the accepted body kept as received (brotli).
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants as zlib } from 'node:zlib';
import { snapshotDigest, digestBody, canonicalJson } from '../agent/snapshot/index.ts';
import type { Snapshot, Checkin } from '../agent/snapshot/index.ts';
import type { RuleConfig } from './rules/index.ts';
import type { Repos, SnapshotReceipt, Store } from './store/types.ts';
import { evaluateSnapshot } from './evaluation.ts';
import { ApiError } from './http/errors.ts';

const compress = promisify(brotliCompress);
const decompress = promisify(brotliDecompress);

export interface IngestDeps {
  store: Store;
  rules: RuleConfig;
}

export interface AuthenticatedDevice {
  id: number;
  serial: string;
  hardwareUuid: string;
}

export interface SnapshotAccepted {
  id: string;
  digest: string;
  /** true when the snapshot changed the device's state (a new history entry). */
  changed: boolean;
  /** When the collector first accepted this id (ISO 8601); a retry gets the same answer. */
  receivedAt: string;
}

export interface CheckinAccepted {
  id: string;
  digest: string;
  lastSeen: string;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** The device named in a snapshot must be the authenticated one (null = not established by the agent). */
export function checkOwnership(device: AuthenticatedDevice, snapshot: Snapshot): void {
  const { serial, hardwareUuid } = snapshot.device;
  if (serial !== null && serial !== device.serial) {
    throw new ApiError('device_mismatch', `device.serial "${serial}" is not this device's serial`);
  }
  if (hardwareUuid !== null && hardwareUuid.toUpperCase() !== device.hardwareUuid.toUpperCase()) {
    throw new ApiError('device_mismatch', `device.hardwareUuid "${hardwareUuid}" is not this device's hardware UUID`);
  }
}

function answer(r: SnapshotReceipt, deviceId: number, bodySha256: string): SnapshotAccepted {
  if (r.deviceId !== deviceId) {
    throw new ApiError('snapshot_conflict', `snapshot ${r.snapshotId} was already accepted from another device`);
  }
  if (r.bodySha256 !== bodySha256) {
    throw new ApiError('snapshot_conflict', `snapshot ${r.snapshotId} was already accepted with a different body`);
  }
  return { id: r.snapshotId, digest: r.digest, changed: r.changed, receivedAt: new Date(r.receivedAt).toISOString() };
}

/** Top-level sections (and users by name) that differ between two snapshots. */
export function changedSections(before: Record<string, unknown> | null, after: Record<string, unknown>): string[] {
  if (before === null) return [];
  const a = digestBody(before);
  const b = digestBody(after);
  const out: string[] = [];
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (canonicalJson(a[key]) === canonicalJson(b[key])) continue;
    if (key === 'users' && Array.isArray(a[key]) && Array.isArray(b[key])) {
      const byName = (list: unknown[]) =>
        new Map(list.map((u) => [String((u as { name?: unknown }).name), canonicalJson(u)]));
      const ua = byName(a[key] as unknown[]);
      const ub = byName(b[key] as unknown[]);
      for (const name of [...new Set([...ua.keys(), ...ub.keys()])].sort()) {
        if (ua.get(name) !== ub.get(name)) out.push(`users/${name}`);
      }
      continue;
    }
    out.push(key);
  }
  return out;
}

async function previousSnapshot(store: Store, deviceId: number): Promise<Record<string, unknown> | null> {
  const prev = await store.snapshots.latestBody(deviceId);
  if (!prev) return null;
  try {
    const bytes = prev.encoding === 'br' ? await decompress(prev.body) : prev.body;
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
}

export async function ingestSnapshot(
  deps: IngestDeps,
  device: AuthenticatedDevice,
  snapshot: Snapshot,
  raw: Uint8Array,
  now: Date,
): Promise<SnapshotAccepted> {
  const { store } = deps;
  checkOwnership(device, snapshot);
  const bodySha256 = sha256(raw);
  const seen = await store.snapshots.receipt(snapshot.id);
  if (seen) return answer(seen, device.id, bodySha256);

  const digest = snapshotDigest(snapshot);
  const at = now.getTime();
  const receipt = (changed: boolean): SnapshotReceipt => ({
    snapshotId: snapshot.id,
    deviceId: device.id,
    bodySha256,
    digest,
    changed,
    receivedAt: at,
  });
  const unchanged = async (tx: Repos): Promise<SnapshotAccepted> => {
    await tx.devices.touch(device.id, at, snapshot.consoleUser);
    await tx.snapshots.addReceipt(receipt(false));
    return { id: snapshot.id, digest, changed: false, receivedAt: now.toISOString() };
  };

  const current = await store.devices.byId(device.id);
  if (current?.digest === digest) {
    return store.withTransaction(async (tx) => {
      const again = await tx.snapshots.receipt(snapshot.id);
      return again ? answer(again, device.id, bodySha256) : unchanged(tx);
    });
  }

  // A change: the expensive work (compression on the thread pool, the section diff) happens before the
  // transaction; the transaction re-checks what it depends on.
  const [body, previous] = await Promise.all([
    compress(raw, {
      params: {
        [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
        [zlib.BROTLI_PARAM_QUALITY]: 5,
        [zlib.BROTLI_PARAM_SIZE_HINT]: raw.byteLength,
      },
    }),
    previousSnapshot(store, device.id),
  ]);
  const changes = changedSections(previous, snapshot as unknown as Record<string, unknown>);
  const collectedAt = Date.parse(snapshot.collectedAt);

  return store.withTransaction(async (tx) => {
    const again = await tx.snapshots.receipt(snapshot.id);
    if (again) return answer(again, device.id, bodySha256);
    const dev = await tx.devices.byId(device.id);
    if (!dev) throw new ApiError('unauthorized', 'the device no longer exists');
    if (dev.digest === digest) return unchanged(tx);
    await tx.snapshots.addHistory({
      deviceId: device.id,
      snapshotId: snapshot.id,
      digest,
      collectedAt,
      receivedAt: at,
      changes,
      body,
      encoding: 'br',
    });
    if (dev.collectedAt !== null && collectedAt < dev.collectedAt) {
      // Late delivery of an older state (an outbox catching up out of order): kept in history, the
      // current state stays the newer one.
      await tx.devices.touch(device.id, at, dev.consoleUser);
    } else {
      const evaluation = evaluateSnapshot({
        serial: dev.serial,
        snapshot,
        previousOpen: await tx.findings.open(device.id),
        exemptions: await tx.exemptions.applicable(dev.serial, at),
        now,
        config: deps.rules,
      });
      await tx.findings.save(device.id, evaluation.findings);
      await tx.devices.setCurrent(device.id, {
        snapshotId: snapshot.id,
        digest,
        collectedAt,
        seenAt: at,
        consoleUser: snapshot.consoleUser,
        facts: {
          model: snapshot.device.model,
          osVersion: snapshot.device.osVersion,
          osBuild: snapshot.device.osBuild,
          hostname: snapshot.device.hostname,
          appleSilicon: snapshot.device.appleSilicon,
          agentVersion: snapshot.agent.version,
        },
        verdict: { noncompliantFrom: evaluation.noncompliantFrom, hasUnknown: evaluation.hasUnknown },
      });
    }
    await tx.snapshots.addReceipt(receipt(true));
    return { id: snapshot.id, digest, changed: true, receivedAt: now.toISOString() };
  });
}

export async function ingestCheckin(
  deps: IngestDeps,
  device: AuthenticatedDevice,
  checkin: Checkin,
  now: Date,
): Promise<CheckinAccepted> {
  return deps.store.withTransaction(async (tx) => {
    const dev = await tx.devices.byId(device.id);
    if (!dev || dev.digest === null || dev.digest !== checkin.digest) {
      throw new ApiError(
        'digest_unknown',
        dev?.digest ? 'the digest is not this device\'s current one: send the full snapshot' : 'no snapshot from this device yet: send the full snapshot',
      );
    }
    await tx.devices.touch(device.id, now.getTime(), checkin.consoleUser);
    return { id: checkin.id, digest: checkin.digest, lastSeen: now.toISOString() };
  });
}
