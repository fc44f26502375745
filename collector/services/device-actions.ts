// An admin's action on one device and the device page that answers it, in the caller's unit of work (both
// or neither): revoke its token, or retire it. The admin API's routes and the CLI's --db path call these
// same functions; the CLI's --server path calls the routes.
import type { Repos } from '../store/types.ts';
import type { RuleConfig } from '../rules/index.ts';
import type { DeviceDetail } from './views.ts';
import { createReadModel } from './read-model.ts';
import { revokeDevice } from './enrollment.ts';
import { retireDevice } from './retirement.ts';
import type { RetireRequest, Retired } from './retirement.ts';

/** Revoke the device's token; null when there is no device with that serial. */
export async function revokeAndShow(
  tx: Repos,
  rules: RuleConfig,
  serial: string,
  by: string,
  now: Date,
): Promise<{ detail: DeviceDetail; revokedTokenHash: string | null } | null> {
  const r = await revokeDevice(tx, serial, by, now);
  if (!r) return null;
  const detail = await createReadModel(tx, rules).device(serial, now);
  return detail ? { detail, revokedTokenHash: r.revokedTokenHash } : null;
}

/** Retire the device (retirement.ts); null when there is no device with that serial. */
export async function retireAndShow(
  tx: Repos,
  rules: RuleConfig,
  serial: string,
  request: RetireRequest,
  now: Date,
): Promise<{ detail: DeviceDetail; retired: Retired } | null> {
  const retired = await retireDevice(tx, serial, request, now);
  if (!retired) return null;
  const detail = await createReadModel(tx, rules).device(serial, now);
  return detail ? { detail, retired } : null;
}
