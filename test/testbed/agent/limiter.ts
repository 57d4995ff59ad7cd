/**
 * Caps how many API requests the agent has in flight. With 1000 pods starting at once the
 * kubelet would otherwise fire thousands of status patches and Events together, and the
 * API server (max-requests-inflight) or this process' sockets would give out first.
 */
export class Limiter {
  readonly #max: number;
  #active = 0;
  readonly #queue: Array<() => void> = [];

  constructor(max: number) {
    this.#max = max;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#max) {
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    }
    this.#active++;
    try {
      return await fn();
    } finally {
      this.#active--;
      this.#queue.shift()?.();
    }
  }

  get pending(): number {
    return this.#queue.length + this.#active;
  }
}
