/**
 * The credentials one cluster's requests carry, from (in order of precedence):
 * 1. the `auth` override (plugins' `auth` hooks, composed by the caller), when it answers;
 * 2. the kubeconfig user: client certificate/key, token (or token-file), basic auth,
 *    an exec plugin (cached, see exec-credential.ts), or a legacy auth-provider (gcp, oidc,
 *    azure — handled by @kubernetes/client-node).
 * Results are cached; `invalidate()` (after a 401) makes the next request ask again.
 */
import path from "node:path";
import { bufferFromFileOrString } from "@kubernetes/client-node";
import type { ClusterCredentials } from "../config/types.ts";
import { UserError } from "../errors.ts";
import { ExecCredential, type ExecConfig } from "./exec-credential.ts";
import type { ContextEntry } from "./kubeconfig.ts";

/** What the `auth` hooks of the config's plugins answer for one cluster (first non-null wins). */
export type CredentialsOverride = (cluster: { readonly name: string; readonly context: string }) =>
  | Promise<ClusterCredentials | null | undefined>
  | ClusterCredentials
  | null
  | undefined;

export interface RequestCredentials {
  readonly headers: Readonly<Record<string, string>>;
  /** PEM client certificate and key for TLS; the connection pool is keyed by them. */
  readonly cert: string | undefined;
  readonly key: string | undefined;
}

/** Without an expiry, an override's answer is reused this long before asking again. */
const OVERRIDE_TTL_MS = 5 * 60_000;
const OVERRIDE_MARGIN_MS = 30_000;

function pem(data: Buffer | null): string | undefined {
  return data ? data.toString("utf8") : undefined;
}

export class CredentialProvider {
  readonly #entry: ContextEntry;
  readonly #clusterName: string;
  readonly #override: CredentialsOverride | undefined;
  readonly #exec: ExecCredential | undefined;
  readonly #staticCert: string | undefined;
  readonly #staticKey: string | undefined;
  #override_cache: { value: ClusterCredentials | null; until: number } | undefined;
  #generation = 0;
  #override_running: Promise<ClusterCredentials | null> | undefined;

  constructor(entry: ContextEntry, clusterName: string, override?: CredentialsOverride) {
    this.#entry = entry;
    this.#clusterName = clusterName;
    this.#override = override;
    const { user, cluster, userFile } = entry;
    try {
      this.#staticCert = pem(bufferFromFileOrString(user.certFile, user.certData));
      this.#staticKey = pem(bufferFromFileOrString(user.keyFile, user.keyData));
    } catch (err) {
      throw new UserError(`kubeconfig user "${user.name}": cannot read its client certificate or key: ${(err as Error).message}`, [], {
        cause: err,
      });
    }
    if (user.exec) {
      this.#exec = new ExecCredential(user.exec as ExecConfig, path.dirname(userFile), {
        server: cluster.server,
        certificateAuthorityData: cluster.caData,
        insecureSkipTLSVerify: cluster.skipTLSVerify,
      });
    }
  }

  /** How many times the exec plugin ran (0 without one). */
  get execRuns(): number {
    return this.#exec?.runs ?? 0;
  }

  /**
   * Which fetch of the credentials `get()` gives now: read it before a request, and hand it to
   * `invalidate` after its 401, so a late 401 for old credentials does not drop newer ones.
   */
  get generation(): number {
    return this.#generation;
  }

  async get(): Promise<RequestCredentials> {
    const override = await this.#fromOverride();
    const base = override?.token || (override?.clientCertificate && override.clientKey) ? undefined : await this.#fromKubeconfig();
    const headers: Record<string, string> = { ...base?.headers };
    if (override?.token) headers.Authorization = `Bearer ${override.token}`;
    const useOverrideCert = !!(override?.clientCertificate && override.clientKey);
    const { user } = this.#entry;
    if (user.impersonateUser) headers["Impersonate-User"] = user.impersonateUser;
    return {
      headers,
      cert: useOverrideCert ? override?.clientCertificate : (base?.cert ?? this.#staticCert),
      key: useOverrideCert ? override?.clientKey : (base?.key ?? this.#staticKey),
    };
  }

  /**
   * The server rejected the credentials of `generation` (401): ask the hook / plugin again next
   * time. Requests sent together with a stale token all come back 401; only the first one's
   * drops the cache (and says so: true), so the others retry with what it fetched instead of
   * running the plugin again.
   */
  invalidate(generation: number): boolean {
    if (generation !== this.#generation) return false;
    this.#generation++;
    this.#override_cache = undefined;
    this.#exec?.invalidate();
    return true;
  }

  async #fromKubeconfig(): Promise<RequestCredentials> {
    const { user, kubeConfig } = this.#entry;
    const headers: Record<string, string> = {};
    let cert: string | undefined;
    let key: string | undefined;
    if (this.#exec) {
      const r = await this.#exec.get();
      if (r.token) headers.Authorization = `Bearer ${r.token}`;
      cert = r.clientCertificateData;
      key = r.clientKeyData;
    } else if (user.authProvider) {
      // gcp / oidc / azure / tokenFile providers: client-node's authenticators know them.
      const opts: { headers?: Record<string, string> } = {};
      await kubeConfig.applyToHTTPSOptions(opts);
      const auth = opts.headers?.Authorization;
      if (auth) headers.Authorization = auth;
    }
    if (!headers.Authorization) {
      if (user.token) headers.Authorization = `Bearer ${user.token.trim()}`;
      else if (user.username) headers.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password ?? ""}`).toString("base64")}`;
    }
    return { headers, cert, key };
  }

  async #fromOverride(): Promise<ClusterCredentials | null> {
    const hook = this.#override;
    if (!hook) return null;
    const now = Date.now();
    if (this.#override_cache && now < this.#override_cache.until) return this.#override_cache.value;
    this.#override_running ??= (async () => {
      try {
        const value = (await hook({ name: this.#clusterName, context: this.#entry.context.name })) ?? null;
        const expires = value?.expiresAt?.getTime();
        const at = Date.now();
        const until = expires === undefined ? at + OVERRIDE_TTL_MS : expires - Math.min(OVERRIDE_MARGIN_MS, (expires - at) / 4);
        this.#override_cache = { value, until };
        return value;
      } finally {
        this.#override_running = undefined;
      }
    })();
    return this.#override_running;
  }
}
