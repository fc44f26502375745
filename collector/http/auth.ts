// Authentication: device tokens (Bearer, looked up by SHA-256 through a small LRU cache) and the admin
// token (constant-time comparison). Revocation and rotation through this collector evict the cache entry at
// once; so does one through any process on the same PostgreSQL database (the store's revocation
// notifications: forgetDevices, and forgetAll when notifications may have been missed). Entries also expire
// after authCacheSeconds, which bounds how long a token revoked where no notification reaches (the SQLite
// file changed by another process, PostgreSQL with notifications down) keeps working here.
import type { FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Store } from '../store/types.ts';
import type { AuthenticatedDevice } from '../services/ingest.ts';
import { hashToken, secretEquals } from '../services/enrollment.ts';
import { ApiError } from './errors.ts';

export function bearer(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(h);
  return m ? (m[1] as string) : null;
}

export class DeviceAuth {
  #cache = new Map<string, { device: AuthenticatedDevice; at: number }>();
  readonly #store: Store;
  readonly #size: number;
  readonly #ttlMs: number;
  readonly #mono: () => number;

  constructor(store: Store, cache: { size: number; ttlMs: number }, monotonic: () => number) {
    this.#store = store;
    this.#size = cache.size;
    this.#ttlMs = cache.ttlMs;
    this.#mono = monotonic;
  }

  async authenticate(req: FastifyRequest): Promise<AuthenticatedDevice> {
    const token = bearer(req);
    if (token === null)
      throw new ApiError('unauthorized', 'a device token is required: Authorization: Bearer <token>');
    const hash = hashToken(token);
    const hit = this.#cache.get(hash);
    const t = this.#mono();
    if (hit && t - hit.at < this.#ttlMs) {
      // LRU: re-insert to mark as recently used.
      this.#cache.delete(hash);
      this.#cache.set(hash, hit);
      return hit.device;
    }
    const d = await this.#store.devices.byTokenHash(hash);
    if (!d) {
      this.#cache.delete(hash);
      throw new ApiError(
        'unauthorized',
        'the device token is not valid (unknown, replaced or revoked): enroll again',
      );
    }
    const device = { id: d.id, serial: d.serial, hardwareUuid: d.hardwareUuid };
    if (this.#size > 0) {
      this.#cache.delete(hash);
      this.#cache.set(hash, { device, at: t });
      if (this.#cache.size > this.#size) this.#cache.delete(this.#cache.keys().next().value as string);
    }
    return device;
  }

  forget(tokenHash: string | null): void {
    if (tokenHash !== null) this.#cache.delete(tokenHash);
  }

  /** Drop every entry of these devices (their token was revoked, replaced or retired elsewhere). */
  forgetDevices(ids: readonly number[]): void {
    const gone = new Set(ids);
    for (const [hash, e] of this.#cache) if (gone.has(e.device.id)) this.#cache.delete(hash);
  }

  /** Drop every entry (revocations may have been missed). */
  forgetAll(): void {
    this.#cache.clear();
  }
}

/**
 * Keep `auth` in step with the store's revocation notifications (a PostgreSQL store's) until the function
 * returned is called (null: the store has none): a device revoked anywhere is forgotten at once; while
 * notifications are down, every cached token is forgotten and entries live authCacheSeconds at most.
 */
export function followRevocations(
  auth: DeviceAuth,
  store: Store,
  logger: Logger,
): (() => Promise<void>) | null {
  if (!store.revocations) return null;
  let lost = false;
  return store.revocations.listen({
    revoked: (ids) => auth.forgetDevices(ids),
    lost(why) {
      auth.forgetAll();
      if (!lost)
        logger.warn(
          { why },
          'auth cache: revocation notifications lost; a token revoked through another collector keeps working here for authCacheSeconds at most until they are back',
        );
      lost = true;
    },
    listening() {
      auth.forgetAll();
      if (lost) logger.info('auth cache: revocation notifications are back');
      lost = false;
    },
  });
}

export function requireAdmin(adminToken: string, req: FastifyRequest): void {
  const token = bearer(req);
  if (token === null)
    throw new ApiError('unauthorized', 'the admin token is required: Authorization: Bearer <token>');
  if (adminToken === '' || !secretEquals(token, adminToken))
    throw new ApiError('unauthorized', 'the admin token is not valid');
}
