/**
 * One client per configured cluster, made from the operator's kubeconfig by context name.
 * A client is an HTTP pool with the context's credentials plus its resource mapping cache;
 * the shared watch and all applies/deletes of that cluster go through it.
 */
import { bufferFromFileOrString } from "@kubernetes/client-node";
import { UserError } from "../errors.ts";
import { CredentialProvider, type CredentialsOverride } from "./credentials.ts";
import { KubeHttp } from "./http.ts";
import { defaultKubeconfigFiles, KubeconfigSet } from "./kubeconfig.ts";
import type { KubeObserver } from "./observer.ts";
import { ResourceMapper } from "./resources.ts";

/** What `clients.ts` needs of a configured cluster (a ResolvedCluster fits). */
export interface ClusterTarget {
  readonly name: string;
  readonly context: string;
  /** A kubeconfig file for this cluster alone; otherwise `$KUBECONFIG` / `~/.kube/config`. */
  readonly kubeconfig?: string | undefined;
}

export interface KubeClient {
  /** Cluster name from config.ts. */
  readonly name: string;
  readonly context: string;
  /** API server URL. */
  readonly server: string;
  readonly http: KubeHttp;
  readonly resources: ResourceMapper;
  readonly credentials: CredentialProvider;
}

export interface ClientOptions {
  /** Credentials from the plugins' `auth` hooks; null/undefined = use the kubeconfig's. */
  readonly credentialsOverride?: CredentialsOverride;
  /** Environment to read `KUBECONFIG` / `HOME` from (tests). Default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Accept `http://` API servers (credentials in clear text): only for loopback test servers. */
  readonly allowInsecureHttp?: boolean;
  /** Where warnings go (a cluster that skips TLS verification). Default stderr. */
  readonly warn?: (message: string) => void;
  /** Told of every API request (metrics). */
  readonly observer?: KubeObserver;
}

export function createClients(targets: Iterable<ClusterTarget>, options: ClientOptions = {}): Map<string, KubeClient> {
  const sets = new Map<string, KubeconfigSet>();
  const setFor = (file: string | undefined): KubeconfigSet => {
    const id = file ?? "";
    let s = sets.get(id);
    if (!s) {
      s = new KubeconfigSet(file ? [file] : defaultKubeconfigFiles(options.env));
      sets.set(id, s);
    }
    return s;
  };
  const out = new Map<string, KubeClient>();
  for (const t of targets) out.set(t.name, createClient(t, setFor(t.kubeconfig), options));
  return out;
}

function createClient(target: ClusterTarget, kubeconfigs: KubeconfigSet, options: ClientOptions): KubeClient {
  const where = `clusters.${target.name}.context`;
  const entry = kubeconfigs.resolve(target.context, where);
  const { cluster } = entry;
  if (cluster.proxyUrl) {
    throw new UserError(`kubeconfig cluster "${cluster.name}" uses proxy-url, which mcks does not support yet; reach the API server directly`);
  }
  if (!/^https?:\/\//.test(cluster.server)) {
    throw new UserError(`kubeconfig cluster "${cluster.name}" has server "${cluster.server}"; expected an https:// URL`);
  }
  if (cluster.server.startsWith("http:") && options.allowInsecureHttp !== true) {
    throw new UserError(
      `kubeconfig cluster "${cluster.name}" (context ${target.context}) has server ${cluster.server}: plain http would carry its credentials unencrypted; use https, or pass --allow-insecure-http for a loopback test server`,
    );
  }
  if (cluster.skipTLSVerify) {
    const warn = options.warn ?? ((m: string) => process.stderr.write(`mcks: warning: ${m}\n`));
    warn(
      `INSECURE: kubeconfig cluster "${cluster.name}" (context ${target.context}, ${cluster.server}) sets insecure-skip-tls-verify: the API server's certificate is not checked, so anyone between mcks and ${cluster.server} can take the credentials mcks sends; set certificate-authority-data instead`,
    );
  }
  let ca: string | undefined;
  try {
    ca = bufferFromFileOrString(cluster.caFile, cluster.caData)?.toString("utf8");
  } catch (err) {
    throw new UserError(`kubeconfig cluster "${cluster.name}": cannot read certificate-authority ${cluster.caFile}: ${(err as Error).message}`);
  }
  const credentials = new CredentialProvider(entry, target.name, options.credentialsOverride);
  const http = new KubeHttp(
    target.name,
    cluster.server,
    { ca, rejectUnauthorized: !cluster.skipTLSVerify, servername: cluster.tlsServerName },
    credentials,
    options.observer,
  );
  return {
    name: target.name,
    context: target.context,
    server: cluster.server,
    http,
    resources: new ResourceMapper(http),
    credentials,
  };
}
