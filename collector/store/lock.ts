// A FIFO async mutex: a backend whose transactions span awaits (one SQLite connection) serialises them here.
export class Mutex {
  #locked = false;
  #waiters: (() => void)[] = [];

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#locked) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    else this.#locked = true;
    try {
      return await fn();
    } finally {
      const next = this.#waiters.shift();
      if (next) next();
      else this.#locked = false;
    }
  }
}
