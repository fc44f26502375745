// Dashboard sessions, kept in the collector's memory: a signed-in browser holds only a random id (256 bits,
// in an HttpOnly cookie); the collector keeps the SHA-256 of it, so its memory holds nothing a cookie could
// be made from. A session ends at sign-out, after `idleSeconds` without a request, or `lifetimeSeconds`
// after sign-in, whichever comes first; a restart of the collector ends them all (admins sign in again).
// The number kept is capped: past the cap the session used least recently goes.
import { createHash, randomBytes } from 'node:crypto';

export interface Session {
  createdAt: number;
  lastUsedAt: number;
  /** When the session ends at the latest (createdAt + lifetime). */
  expiresAt: number;
}

export interface SessionSettings {
  lifetimeSeconds: number;
  idleSeconds: number;
  /** Most sessions kept at once. */
  max: number;
}

const hash = (id: string) => createHash('sha256').update(id, 'utf8').digest('base64url');

/** What a session id looks like (43 base64url characters): anything else is not looked up. */
export const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export class SessionStore {
  // Insertion order is use order: a used session is moved to the end, so the first is the least recent.
  readonly #sessions = new Map<string, Session>();
  readonly #settings: SessionSettings;

  constructor(settings: SessionSettings) {
    this.#settings = settings;
  }

  /** A new session from `now` (epoch ms); its id is returned once, for the cookie. */
  create(now: number): { id: string; session: Session } {
    const id = randomBytes(32).toString('base64url');
    const session = {
      createdAt: now,
      lastUsedAt: now,
      expiresAt: now + this.#settings.lifetimeSeconds * 1000,
    };
    this.#sessions.set(hash(id), session);
    while (this.#sessions.size > this.#settings.max) {
      const oldest = this.#sessions.keys().next().value as string;
      this.#sessions.delete(oldest);
    }
    return { id, session };
  }

  /** The live session of an id, marked used at `now`; null (and forgotten) when unknown, idle or expired. */
  use(id: string, now: number): Session | null {
    if (!SESSION_ID.test(id)) return null;
    const key = hash(id);
    const s = this.#sessions.get(key);
    if (!s) return null;
    if (now >= s.expiresAt || now - s.lastUsedAt >= this.#settings.idleSeconds * 1000) {
      this.#sessions.delete(key);
      return null;
    }
    s.lastUsedAt = now;
    this.#sessions.delete(key);
    this.#sessions.set(key, s);
    return s;
  }

  /** Sign-out: the id stops working at once. */
  end(id: string): void {
    if (SESSION_ID.test(id)) this.#sessions.delete(hash(id));
  }

  /** Forget ended sessions (idle or expired) as of `now`; returns how many went. */
  sweep(now: number): number {
    let gone = 0;
    for (const [key, s] of this.#sessions) {
      if (now >= s.expiresAt || now - s.lastUsedAt >= this.#settings.idleSeconds * 1000) {
        this.#sessions.delete(key);
        gone++;
      }
    }
    return gone;
  }

  get size(): number {
    return this.#sessions.size;
  }
}
