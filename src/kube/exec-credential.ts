/**
 * kubeconfig `exec` credential plugins (gcloud's gke-gcloud-auth-plugin, `aws eks get-token`,
 * `doctl kubernetes cluster kubeconfig exec-credential`…), as kubectl runs them.
 *
 * The credential is cached until shortly before its `expirationTimestamp` (or, without one,
 * until the API server rejects it), and concurrent requests share one running plugin: a
 * burst of spawns never runs the command once per request.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { UserError } from "../errors.ts";
import { ExecCredentialError } from "./errors.ts";

export interface ExecConfig {
  readonly apiVersion?: string;
  readonly command: string;
  readonly args?: readonly string[];
  readonly env?: readonly { name: string; value: string }[];
  readonly installHint?: string;
  readonly provideClusterInfo?: boolean;
}

export interface ExecResult {
  readonly token?: string;
  readonly clientCertificateData?: string;
  readonly clientKeyData?: string;
  /** Epoch milliseconds; undefined = valid until rejected. */
  readonly expiresAt?: number;
}

interface ClusterInfo {
  readonly server: string;
  readonly certificateAuthorityData?: string;
  readonly insecureSkipTLSVerify?: boolean;
}

const EXEC_TIMEOUT_MS = 60_000;

/** Refresh this long before expiry, but never more than a quarter of the credential's life. */
function refreshAt(fetchedAt: number, expiresAt: number): number {
  const margin = Math.min(30_000, (expiresAt - fetchedAt) / 4);
  return expiresAt - margin;
}

export class ExecCredential {
  readonly #exec: ExecConfig;
  readonly #baseDir: string;
  readonly #cluster: ClusterInfo;
  #cached: { result: ExecResult; refreshAt: number } | undefined;
  #running: Promise<ExecResult> | undefined;
  /** How many times the plugin ran (tests and `doctor` read it). */
  runs = 0;

  constructor(exec: ExecConfig, kubeconfigDir: string, cluster: ClusterInfo) {
    if (!exec || typeof exec.command !== "string" || exec.command === "") {
      throw new UserError("kubeconfig user has an exec section without a command");
    }
    this.#exec = exec;
    this.#baseDir = kubeconfigDir;
    this.#cluster = cluster;
  }

  async get(now = Date.now()): Promise<ExecResult> {
    if (this.#cached && now < this.#cached.refreshAt) return this.#cached.result;
    this.#running ??= this.#run().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** The API server said 401: the next `get()` runs the plugin again. */
  invalidate(): void {
    this.#cached = undefined;
  }

  async #run(): Promise<ExecResult> {
    this.runs++;
    const started = Date.now();
    const stdout = await this.#spawn();
    const result = parseExecOutput(stdout, this.#exec.command);
    const expiresAt = result.expiresAt;
    this.#cached = { result, refreshAt: expiresAt === undefined ? Infinity : refreshAt(started, expiresAt) };
    return result;
  }

  #command(): string {
    const cmd = this.#exec.command;
    // kubectl: a relative path with a separator is relative to the kubeconfig's folder.
    return cmd.includes("/") && !path.isAbsolute(cmd) ? path.join(this.#baseDir, cmd) : cmd;
  }

  #spawn(): Promise<string> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const e of this.#exec.env ?? []) env[e.name] = e.value;
    const apiVersion = this.#exec.apiVersion ?? "client.authentication.k8s.io/v1";
    const spec: Record<string, unknown> = { interactive: false };
    if (this.#exec.provideClusterInfo) {
      spec.cluster = {
        server: this.#cluster.server,
        "certificate-authority-data": this.#cluster.certificateAuthorityData,
        "insecure-skip-tls-verify": this.#cluster.insecureSkipTLSVerify,
      };
    }
    env.KUBERNETES_EXEC_INFO = JSON.stringify({ apiVersion, kind: "ExecCredential", spec });
    const command = this.#command();
    return new Promise((resolve, reject) => {
      const child = spawn(command, [...(this.#exec.args ?? [])], { env, stdio: ["ignore", "pipe", "pipe"] });
      // Our own timer: spawn's `timeout` option keeps the process alive when the command is missing.
      const timer = setTimeout(() => child.kill("SIGKILL"), EXEC_TIMEOUT_MS);
      let out = "";
      let err = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
      child.on("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        const hint = e.code === "ENOENT" && this.#exec.installHint ? ` (${this.#exec.installHint.trim()})` : "";
        reject(new ExecCredentialError(`exec credential plugin "${command}" could not run: ${e.message}${hint}`, { cause: e }));
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return resolve(out);
        const why = signal ? `was killed by ${signal}` : `exited with ${code}`;
        reject(new ExecCredentialError(`exec credential plugin "${command}" ${why}: ${err.trim().slice(0, 500) || "(no output)"}`));
      });
    });
  }
}

/** Validate an ExecCredential document; exported for unit tests. */
export function parseExecOutput(stdout: string, command: string): ExecResult {
  let doc: unknown;
  try {
    doc = JSON.parse(stdout);
  } catch {
    // Not its output itself: it may hold a token.
    throw new ExecCredentialError(`exec credential plugin "${command}" printed something that is not JSON (${stdout.length} characters)`);
  }
  const status = (doc as { status?: Record<string, unknown> } | null)?.status;
  if (!status || typeof status !== "object") {
    throw new ExecCredentialError(`exec credential plugin "${command}" printed no "status" (expected an ExecCredential)`);
  }
  const str = (k: string): string | undefined => (typeof status[k] === "string" && status[k] !== "" ? (status[k] as string) : undefined);
  const token = str("token");
  const clientCertificateData = str("clientCertificateData");
  const clientKeyData = str("clientKeyData");
  if (!token && !(clientCertificateData && clientKeyData)) {
    throw new ExecCredentialError(`exec credential plugin "${command}" returned neither a token nor a client certificate and key`);
  }
  const ts = str("expirationTimestamp");
  let expiresAt: number | undefined;
  if (ts !== undefined) {
    expiresAt = Date.parse(ts);
    if (Number.isNaN(expiresAt)) throw new ExecCredentialError(`exec credential plugin "${command}" returned a bad expirationTimestamp "${ts}"`);
  }
  return { token, clientCertificateData, clientKeyData, expiresAt };
}
