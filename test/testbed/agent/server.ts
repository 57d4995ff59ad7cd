/** What the kubelet runs for a container: the in-process mock or a real child process. */
export interface Exit {
  readonly exitCode: number;
  readonly reason: string;
}

export interface RunningServer {
  /** Resolves once the server accepts connections (the agent's stand-in for a readiness probe). */
  readonly ready: Promise<void>;
  /** Resolves if the container ends on its own; never for the mock server. */
  readonly exited: Promise<Exit>;
  stop(graceMs: number): Promise<void>;
}

export interface ServerContext {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly image: string;
  readonly ip: string;
  readonly ports: readonly number[];
  readonly env: ReadonlyMap<string, string>;
}
