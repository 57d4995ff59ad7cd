import { ConfidentialError, UserError } from "../errors.ts";

/** What the API server said about a failed request (its `Status` object, when it sent one). */
export interface ApiStatus {
  readonly code: number;
  /** Kubernetes reason, e.g. `Forbidden`, `Invalid`, `NotFound`, `Conflict`. */
  readonly reason: string;
  readonly message: string;
}

/**
 * The API server answered with an error. `message` is ready for the hub's user:
 * `<cluster>: <what> : <Kubernetes message>`; `status` keeps code and reason for callers.
 */
export class KubeApiError extends UserError {
  readonly status: ApiStatus;
  /**
   * Set for answers whose text is the operator's business (401, 403: they name mcks's
   * identity and its rights); the hub user reads this instead (errors.ts ConfidentialError).
   */
  readonly publicMessage: string | undefined;
  constructor(message: string, status: ApiStatus, options?: ErrorOptions & { publicMessage?: string }) {
    super(message, [], options);
    this.status = status;
    this.publicMessage = options?.publicMessage;
  }
}

/** What the hub user reads instead of a 401/403 from `cluster`. */
export function publicAuthMessage(cluster: string, code: number): string | undefined {
  if (code === 401) return `cluster "${cluster}" did not accept mcks's credentials; ask an administrator to check them (mcks doctor)`;
  if (code === 403) return `mcks is not allowed to do this on cluster "${cluster}"; ask an administrator to check its rights (mcks doctor)`;
  return undefined;
}

/**
 * The cluster could not be reached (connection refused, TLS failure, timeout…). The message
 * names the API server's URL and the network error: the daemon's log has it, the hub user
 * reads that the cluster is unreachable.
 */
export class ClusterUnreachableError extends ConfidentialError {
  readonly cluster: string;
  /** `publicMessage`: when `message` already names no address (spawn/cluster-choice.ts says since when and why). */
  constructor(cluster: string, message: string, options?: ErrorOptions & { publicMessage?: string }) {
    super(message, options?.publicMessage ?? `cluster "${cluster}" cannot be reached right now; try again in a few minutes`, options);
    this.cluster = cluster;
  }
}

/** The kubeconfig's exec credential plugin failed; its output (account, key ids…) is for the daemon's log only. */
export class ExecCredentialError extends ConfidentialError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, "mcks could not get credentials for the cluster; ask an administrator to look up the reference in the daemon's log", options);
  }
}

/** A server's Pod failed for a reason that will not fix itself (bad image, unschedulable…). */
export class ServerFailedError extends UserError {
  /** Kubernetes reason, e.g. `ErrImagePull`, `Unschedulable`, `CrashLoopBackOff`. */
  readonly reason: string;
  constructor(message: string, reason: string) {
    super(message);
    this.reason = reason;
  }
}

/** Parse a `Status` body; falls back to the HTTP status line and the raw text. */
export function parseStatus(code: number, body: string): ApiStatus {
  try {
    const s = JSON.parse(body) as { kind?: unknown; reason?: unknown; message?: unknown };
    if (s && typeof s === "object" && typeof s.message === "string") {
      return { code, reason: typeof s.reason === "string" ? s.reason : String(code), message: s.message };
    }
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): use the text itself below.
  }
  const text = body.trim().slice(0, 300);
  return { code, reason: String(code), message: text || `HTTP ${code}` };
}

/**
 * Which admission plugin refused an object for what it asks of the namespace: the
 * ResourceQuota ("exceeded quota: …", "failed quota: …") or the LimitRanger ("maximum cpu
 * usage per Container is …"). An RBAC denial is a 403 too, but says "cannot create".
 */
export function namespaceLimitOf(err: unknown): "ResourceQuota" | "LimitRange" | undefined {
  if (!(err instanceof KubeApiError) || err.status.code !== 403) return undefined;
  const m = err.status.message;
  if (/\b(exceeded|failed) quota\b/.test(m)) return "ResourceQuota";
  if (/ usage per (Container|Pod|PersistentVolumeClaim) is |limit to request ratio per /.test(m)) return "LimitRange";
  return undefined;
}

export function isNotFound(err: unknown): boolean {
  return err instanceof KubeApiError && err.status.code === 404;
}

const NETWORK_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  EPIPE: "connection reset",
  ETIMEDOUT: "no answer in time",
  ENOTFOUND: "name not found in DNS",
  EAI_AGAIN: "DNS lookup failed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/**
 * Why a cluster cannot be used, in a few words a hub user may read on the spawn page: no URL,
 * no address, no server message (those stay in the daemon's log and `mcks status`).
 */
export function shortReason(err: unknown): string {
  if (err instanceof KubeApiError) {
    const { code } = err.status;
    if (code === 401) return "credentials rejected (HTTP 401)";
    if (code === 403) return "access denied (HTTP 403)";
    return code >= 500 ? `API server error (HTTP ${code})` : `API error (HTTP ${code})`;
  }
  let e: unknown = err;
  for (let depth = 0; e instanceof Error && depth < 5; depth++) {
    if (e instanceof ExecCredentialError) return "could not get credentials";
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string") {
      if (NETWORK_REASONS[code]) return NETWORK_REASONS[code];
      if (code.startsWith("ERR_TLS") || code.startsWith("ERR_SSL") || code.includes("CERT")) return "TLS handshake failed";
    }
    if (e.message === "socket hang up" || e.message.startsWith("aborted")) return "connection reset";
    e = e.cause;
  }
  return err instanceof ClusterUnreachableError ? "no answer" : "unexpected error";
}
