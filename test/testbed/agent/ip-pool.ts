/**
 * Pod IPs on loopback, in the agent's 127.B.0.0/16 (see ip-range.ts; B = N+10 for a lone bed).
 * Linux routes all of 127/8 to `lo`, so every address can be listened on without setup.
 * .0.1 is the agent's claim on the range (ip-range.ts); 127.B.255.k are the nodes' addresses.
 * Addresses are handed out round-robin and not reused right away: the ingress lags behind pod
 * deletions (pickup delay), and a recycled IP would route a stale request to another user's pod.
 */
/** 127.B.254.254: the third octet 255 belongs to nodes. */
const LAST_POD_INDEX = (254 << 8) | 254;

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

  /** The agent's own address: it listens here to hold the range. */
  get claimIp(): string {
    return `127.${this.#second}.0.1`;
  }

  /** The InternalIP of the agent's k-th node (k in 1..254); pods never get these. */
  nodeIp(k: number): string {
    if (!Number.isInteger(k) || k < 1 || k > 254) throw new RangeError(`node number ${k} is outside 1..254`);
    return `127.${this.#second}.255.${k}`;
  }

  /** k for one of this range's node addresses (127.B.255.k), else undefined. */
  nodeIndex(ip: string | undefined): number | undefined {
    const parts = (ip ?? "").split(".").map(Number);
    if (parts.length !== 4 || parts[0] !== 127 || parts[1] !== this.#second || parts[2] !== 255) return undefined;
    return parts[3]! >= 1 && parts[3]! <= 254 ? parts[3] : undefined;
  }

  allocate(): string {
    for (let tries = 0; tries < 65536; tries++) {
      const i = this.#next;
      this.#next = this.#next >= LAST_POD_INDEX ? 2 : this.#next + 1;
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
    return i >= 2 && i <= LAST_POD_INDEX ? i : undefined;
  }
}
