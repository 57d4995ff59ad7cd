/**
 * Caps how many API requests the agent has in flight. With 1000 pods starting at once the
 * kubelet would otherwise fire thousands of status patches and Events together, and the
 * API server or this process' sockets would give out first. Work that gates readiness
 * (bindings, status) goes before Events, which are best effort in Kubernetes too.
 */
export type Priority = "high" | "low";

export class Limiter {
  readonly #max: number;
  #active = 0;
  readonly #high: Array<() => void> = [];
  readonly #low: Array<() => void> = [];

  constructor(max: number) {
    this.#max = max;
  }

  async run<T>(fn: () => Promise<T>, priority: Priority = "high"): Promise<T> {
    if (this.#active >= this.#max) {
      await new Promise<void>((resolve) => (priority === "high" ? this.#high : this.#low).push(resolve));
    } else {
      this.#active++;
    }
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter, so a newcomer cannot overtake the queue.
      const next = this.#high.shift() ?? this.#low.shift();
      if (next) next();
      else this.#active--;
    }
  }

  get pending(): number {
    return this.#high.length + this.#low.length + this.#active;
  }
}
