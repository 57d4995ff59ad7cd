/**
 * Pod IPs on loopback, in the agent's 127.B.0.0/16 (see ip-range.ts; B = N+10 for a lone bed).
 * Linux routes all of 127/8 to `lo`, so every address can be listened on without setup.
 * .0.1 is the node's own address.
 * Addresses are handed out round-robin and not reused right away: the ingress lags behind pod
 * deletions (pickup delay), and a recycled IP would route a stale request to another user's pod.
 */
export class IpPool {
  readonly #second: number;
  readonly #used = new Set<number>();
  #next = 2;

  constructor(second: number) {
    if (!Number.isInteger(second) || second < 2 || second > 255) {
      throw new RangeError(`second octet ${second} is outside 2..255`);
    }
    this.#second = second;
  }

  get nodeIp(): string {
    return `127.${this.#second}.0.1`;
  }

  allocate(): string {
    for (let tries = 0; tries < 65536; tries++) {
      const i = this.#next;
      this.#next = this.#next >= 65534 ? 2 : this.#next + 1;
      const low = i & 255;
      if (low === 0 || low === 255 || this.#used.has(i)) continue;
      this.#used.add(i);
      return this.#format(i);
    }
    throw new Error("no free pod IP left in the loopback range");
  }

  /** Marks an address found on an existing pod (agent restart) as taken; false if it is not ours. */
  claim(ip: string): boolean {
    const i = this.#index(ip);
    if (i === undefined || this.#used.has(i)) return false;
    this.#used.add(i);
    return true;
  }

  release(ip: string): void {
    const i = this.#index(ip);
    if (i !== undefined) this.#used.delete(i);
  }

  #format(i: number): string {
    return `127.${this.#second}.${i >> 8}.${i & 255}`;
  }

  #index(ip: string): number | undefined {
    const parts = ip.split(".").map(Number);
    if (parts.length !== 4 || parts[0] !== 127 || parts[1] !== this.#second) return undefined;
    const i = (parts[2]! << 8) | parts[3]!;
    return i >= 2 ? i : undefined;
  }
}
