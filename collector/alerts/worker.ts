// The delivery worker: routes the outbox (router.ts), then, per channel, claims what is due (at most its
// concurrency in flight), sends it and records the attempt: delivered; retried with exponential backoff and
// jitter, or after what the receiver's Retry-After asks (a 429 or Retry-After holds the whole channel back
// until then); dead after maxAttempts; a 410 disables the channel (its deliveries wait, nothing is lost).
// An incident's events go in order (the store claims only the first pending one of each incident). At
// least once: a delivery is marked delivered only after its receiver's 2xx, and a claim that is never
// recorded (a crash) runs out and is sent again. Times are the injected clock's; latency is monotonic.
import type { Logger } from 'pino';
import type { Clock } from '../clock.ts';
import type { DeliveryClaim, Millis, Store } from '../store/types.ts';
import type { AlertSettings, ChannelSettings } from './config.ts';
import type { Channel, SendResult } from './channels/index.ts';
import type { AlertEvent } from './event.ts';
import { routeEvents } from './router.ts';

/** What the worker counts (http/metrics.ts renders it). */
export interface AlertCounters {
  routed(type: string, n: number): void;
  attempt(channel: string, outcome: string): void;
}

export interface WorkerDeps {
  store: Store;
  settings: AlertSettings;
  channels: ReadonlyMap<string, Channel>;
  clock: Clock;
  monotonic: () => number;
  logger: Logger;
  counters: AlertCounters;
  /** Who holds the claims (this collector process). */
  owner: string;
  /** How often to look for work when nothing woke the worker, in milliseconds. */
  pollMs: number;
  random?: () => number;
}

/** The delay before attempt `attempts + 1`: base x 2^(attempts-1), at most max, then between half and all of it. */
export function backoffMs(attempts: number, baseSeconds: number, maxSeconds: number, random: number): number {
  const cap = Math.min(maxSeconds * 1000, baseSeconds * 1000 * 2 ** Math.max(0, attempts - 1));
  return Math.round(cap * (0.5 + random * 0.5));
}

/** The longest a Retry-After is honoured (a day): past it the backoff's maximum applies. */
const RETRY_AFTER_MAX_MS = 86_400_000;

export class DeliveryWorker {
  readonly #d: WorkerDeps;
  readonly #inflight = new Map<string, number>();
  /** Deliveries this worker is sending now: a claim that ran out while one is in flight is not sent twice. */
  readonly #sending = new Set<number>();
  readonly #pausedUntil = new Map<string, Millis>();
  readonly #sends = new Set<Promise<void>>();
  #timer: ReturnType<typeof setInterval> | null = null;
  #ticking = false;
  #again = false;
  #stopped = false;
  #scheduled = false;
  #idle: (() => void)[] = [];

  constructor(deps: WorkerDeps) {
    this.#d = deps;
  }

  /**
   * How long a claim holds: an attempt ends within the timeout, and recording it takes a moment more; a
   * claim of a collector that died mid-delivery runs out after this, and the delivery is sent again.
   */
  get leaseMs(): number {
    return (2 * this.#d.settings.timeoutSeconds + 5) * 1000;
  }

  start(): void {
    this.#timer = setInterval(() => this.kick(), this.#d.pollMs);
    this.#timer.unref();
    this.kick();
  }

  /** Look for work now (after this turn). */
  kick(): void {
    if (this.#stopped || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.tick().catch((err: unknown) => this.#d.logger.error({ err }, 'alert delivery failed'));
    });
  }

  /** Sends in flight now, per channel. */
  inflight(channel: string): number {
    return this.#inflight.get(channel) ?? 0;
  }

  /** Resolve once nothing is in flight and a tick found nothing to claim (tests, the bench). */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      this.#idle.push(resolve);
      this.kick();
    });
  }

  /** Stop claiming; wait for the sends in flight to be answered (each has its timeout) and recorded. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    while (this.#ticking || this.#sends.size > 0) {
      await Promise.all([...this.#sends]);
      if (this.#ticking) await new Promise((r) => setTimeout(r, 5));
    }
    for (const c of this.#d.channels.values()) await c.close();
  }

  /** Route the outbox and claim what is due on every channel. */
  async tick(): Promise<void> {
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    this.#ticking = true;
    // Who waits for idle is answered by a tick that started after they asked (one already running may
    // have read the clock before it moved).
    const waiting = this.#idle.splice(0);
    let claimed = 0;
    try {
      do {
        this.#again = false;
        if (this.#stopped) break;
        const { store, settings, clock } = this.#d;
        const now = clock.now().getTime();
        const routed = await routeEvents(store, settings.channels, now);
        for (const [type, n] of routed) this.#d.counters.routed(type, n);
        const records = new Map((await store.alertChannels.list()).map((r) => [r.name, r]));
        for (const c of settings.channels) {
          if (records.get(c.name)?.disabledAt != null) continue;
          if ((this.#pausedUntil.get(c.name) ?? 0) > now) continue;
          const free = c.concurrency - this.inflight(c.name);
          if (free <= 0) continue;
          const claims = await store.deliveries.claim(c.name, {
            now,
            owner: this.#d.owner,
            until: now + this.leaseMs,
            limit: free,
          });
          for (const claim of claims) {
            if (this.#sending.has(claim.delivery.id)) continue;
            claimed++;
            this.#send(c, claim);
          }
        }
      } while (this.#again);
    } catch (err) {
      this.#idle.push(...waiting);
      throw err;
    } finally {
      this.#ticking = false;
    }
    if (claimed === 0 && this.#sends.size === 0) for (const resolve of waiting) resolve();
    else this.#idle.push(...waiting);
  }

  #send(c: ChannelSettings, claim: DeliveryClaim): void {
    const channel = this.#d.channels.get(c.name);
    if (!channel) return;
    this.#inflight.set(c.name, this.inflight(c.name) + 1);
    this.#sending.add(claim.delivery.id);
    const started = this.#d.monotonic();
    const p = (async () => {
      let result: SendResult;
      try {
        result = await channel.send(JSON.parse(claim.event.body) as AlertEvent, this.#d.clock.now());
      } catch (err) {
        result = {
          status: null,
          ok: false,
          gone: false,
          retryAfterMs: null,
          error: `the channel failed: ${(err as Error).message}`,
          answer: '',
        };
      }
      await this.#record(c, claim, result, Math.round(this.#d.monotonic() - started));
    })()
      .catch((err: unknown) =>
        // Not recorded (the store refused): the claim runs out and the delivery is sent again.
        this.#d.logger.error({ err, channel: c.name, event: claim.event.id }, 'alert attempt not recorded'),
      )
      .finally(() => {
        this.#inflight.set(c.name, this.inflight(c.name) - 1);
        this.#sending.delete(claim.delivery.id);
        this.#sends.delete(p);
        this.kick();
      });
    this.#sends.add(p);
  }

  async #record(c: ChannelSettings, claim: DeliveryClaim, r: SendResult, latencyMs: number): Promise<void> {
    const { store, settings, logger } = this.#d;
    const at = this.#d.clock.now().getTime();
    const d = claim.delivery;
    const attempts = d.attempts + 1;
    const log = {
      channel: c.name,
      event: claim.event.id,
      type: claim.event.type,
      serial: claim.event.serial,
    };
    let outcome: 'delivered' | 'retry' | 'dead' | 'disabled';
    let next: { state: 'pending' | 'delivered' | 'dead'; nextAt: Millis };
    if (r.ok) {
      outcome = 'delivered';
      next = { state: 'delivered', nextAt: at };
    } else if (r.gone) {
      outcome = 'disabled';
      next = { state: 'pending', nextAt: at };
    } else if (attempts >= settings.maxAttempts) {
      outcome = 'dead';
      next = { state: 'dead', nextAt: at };
    } else {
      outcome = 'retry';
      const asked = r.retryAfterMs === null ? null : Math.min(r.retryAfterMs, RETRY_AFTER_MAX_MS);
      const delay =
        asked ??
        backoffMs(
          attempts,
          settings.retryBaseSeconds,
          settings.retryMaxSeconds,
          (this.#d.random ?? Math.random)(),
        );
      next = { state: 'pending', nextAt: at + delay };
      if (asked !== null || r.status === 429)
        this.#pausedUntil.set(c.name, Math.max(this.#pausedUntil.get(c.name) ?? 0, at + delay));
    }
    const reason = r.gone
      ? `the receiver answered 410 Gone at ${new Date(at).toISOString()}: the endpoint is no more`
      : null;
    const written = await store.withTransaction(async (tx) => {
      const ok = await tx.deliveries.attempted(
        d.id,
        this.#d.owner,
        { at, status: r.status, latencyMs, outcome, error: r.error },
        next,
      );
      if (!ok) return false;
      await tx.alertChannels.noteAttempt(c.name, at, r.ok ? null : (r.error ?? 'failed'));
      if (reason !== null) await tx.alertChannels.disable(c.name, at, reason);
      return true;
    });
    if (!written) {
      logger.warn(
        { ...log, status: r.status },
        'alert attempt not recorded: the claim had run out (sent again)',
      );
      return;
    }
    this.#d.counters.attempt(c.name, outcome);
    if (outcome === 'delivered')
      logger.debug({ ...log, status: r.status, latencyMs, attempts }, 'alert delivered');
    else if (outcome === 'disabled')
      logger.error(
        { ...log, status: r.status },
        `alert channel ${c.name} disabled: its receiver answered 410 Gone; its deliveries wait until its target changes or POST /api/v1/alerts/channels/${c.name}/enable`,
      );
    else if (outcome === 'dead')
      logger.error(
        { ...log, status: r.status, error: r.error, attempts },
        'alert delivery dead after its last attempt',
      );
    else
      logger.warn(
        { ...log, status: r.status, error: r.error, attempts, nextAt: new Date(next.nextAt).toISOString() },
        'alert delivery failed; retrying',
      );
  }
}
