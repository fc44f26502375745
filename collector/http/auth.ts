// Authentication: device tokens (Bearer, looked up by SHA-256 through a small LRU cache) and the admin
// token (constant-time comparison). Revocation and rotation evict the cache entry at once; entries also
// expire after a minute, so a token revoked through another collector stops working soon after.
import type { FastifyRequest } from 'fastify';
import type { Store } from '../store/types.ts';
import type { AuthenticatedDevice } from '../services/ingest.ts';
import { hashToken, secretEquals } from '../services/enrollment.ts';
import { ApiError } from './errors.ts';

const TTL_MS = 60_000;

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
  readonly #mono: () => number;

  constructor(store: Store, size: number, monotonic: () => number) {
    this.#store = store;
    this.#size = size;
    this.#mono = monotonic;
  }

  async authenticate(req: FastifyRequest): Promise<AuthenticatedDevice> {
    const token = bearer(req);
    if (token === null)
      throw new ApiError('unauthorized', 'a device token is required: Authorization: Bearer <token>');
    const hash = hashToken(token);
    const hit = this.#cache.get(hash);
    const t = this.#mono();
    if (hit && t - hit.at < TTL_MS) {
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
}

export function requireAdmin(adminToken: string, req: FastifyRequest): void {
  const token = bearer(req);
  if (token === null)
    throw new ApiError('unauthorized', 'the admin token is required: Authorization: Bearer <token>');
  if (adminToken === '' || !secretEquals(token, adminToken))
    throw new ApiError('unauthorized', 'the admin token is not valid');
}
