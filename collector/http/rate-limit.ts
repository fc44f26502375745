// Failed enrollments per client address: after `max` failures in a window the address gets 429 with
// Retry-After until the window ends (slows down guessing of the enroll secret and audit flooding).
export class FailureLimiter {
  #windows = new Map<string, { start: number; failures: number }>();
  readonly #max: number;
  readonly #windowMs: number;
  readonly #mono: () => number;

  constructor(max: number, windowMs: number, monotonic: () => number) {
    this.#max = max;
    this.#windowMs = windowMs;
    this.#mono = monotonic;
  }

  /** Seconds to wait, or 0 when the address may try. */
  retryAfter(address: string): number {
    const w = this.#windows.get(address);
    if (!w) return 0;
    const elapsed = this.#mono() - w.start;
    if (elapsed >= this.#windowMs) {
      this.#windows.delete(address);
      return 0;
    }
    return w.failures >= this.#max ? Math.ceil((this.#windowMs - elapsed) / 1000) : 0;
  }

  fail(address: string): void {
    const t = this.#mono();
    const w = this.#windows.get(address);
    if (!w || t - w.start >= this.#windowMs) this.#windows.set(address, { start: t, failures: 1 });
    else w.failures++;
    if (this.#windows.size > 100_000) this.#windows.delete(this.#windows.keys().next().value as string);
  }
}
