/**
 * Finding one context's cluster and user in the operator's kubeconfig files, with kubectl's
 * merge rules: `$KUBECONFIG` may list several files (':'-separated); for each cluster, user
 * and context name the FIRST file that defines it wins. A cluster of config.ts may instead
 * name its own kubeconfig file, which is then read alone.
 *
 * Parsing and validation of the entries is @kubernetes/client-node's (`KubeConfig`), so
 * field names and defaults match what kubectl users expect.
 */
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { KubeConfig, type Cluster, type Context, type User } from "@kubernetes/client-node";
import { UserError } from "../errors.ts";
import { untrustedReason } from "../trusted-files.ts";

export interface ContextEntry {
  readonly context: Context;
  readonly cluster: Cluster;
  readonly user: User;
  /** The file that defined the user: relative exec commands resolve against its folder. */
  readonly userFile: string;
  /** A KubeConfig holding just this context (for client-node's legacy auth providers). */
  readonly kubeConfig: KubeConfig;
}

interface LoadedFile {
  readonly file: string;
  readonly config: KubeConfig;
}

/** The files kubectl would read: `$KUBECONFIG` entries, else `~/.kube/config`. */
export function defaultKubeconfigFiles(env: NodeJS.ProcessEnv = process.env): string[] {
  const list = (env.KUBECONFIG ?? "").split(path.delimiter).filter((f) => f !== "");
  if (list.length > 0) return list;
  return [path.join(env.HOME ?? homedir(), ".kube", "config")];
}

function loadFile(file: string): LoadedFile {
  // Whoever can change a kubeconfig can make mcks run its `exec` command and send the cluster's
  // credentials to a server of theirs: only a file that the current user or root alone can
  // change is read.
  let why: string | undefined;
  try {
    why = untrustedReason(file, "me-or-root");
  } catch {
    // Unreadable: loadFromFile below says why.
    why = undefined;
  }
  if (why !== undefined) {
    throw new UserError(
      `refusing kubeconfig ${file}: ${why}; whoever can change it could make mcks run commands and send cluster credentials elsewhere. Make it (and its folders) writable only by its owner (chmod go-w) and owned by the user mcks runs as or root`,
    );
  }
  const config = new KubeConfig();
  try {
    config.loadFromFile(file);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new UserError(`cannot read kubeconfig ${file}: ${why}; check the file (kubectl --kubeconfig ${file} config view)`, [], {
      cause: err,
    });
  }
  return { file, config };
}

/**
 * Load the given kubeconfig files once; `resolve(contextName)` then answers per cluster.
 * Missing files in a `$KUBECONFIG` list are skipped, as kubectl does; if none exists, that is
 * an error naming them.
 */
export class KubeconfigSet {
  readonly files: readonly string[];
  readonly #loaded: readonly LoadedFile[];

  constructor(files: readonly string[]) {
    const present = files.filter((f) => existsSync(f));
    if (present.length === 0) {
      throw new UserError(
        `no kubeconfig found (looked for ${files.join(", ")}); set KUBECONFIG or the cluster's "kubeconfig" in config.ts`,
      );
    }
    this.files = present;
    this.#loaded = present.map(loadFile);
  }

  contextNames(): string[] {
    const names = new Set<string>();
    for (const { config } of this.#loaded) for (const c of config.getContexts()) names.add(c.name);
    return [...names];
  }

  resolve(contextName: string, where = "config.ts"): ContextEntry {
    const context = this.#first((c) => c.getContextObject(contextName))?.value;
    if (!context) {
      const known = this.contextNames();
      throw new UserError(
        `${where}: kubeconfig context "${contextName}" not found in ${this.files.join(", ")}; known contexts: ${known.length ? known.join(", ") : "(none)"}`,
      );
    }
    const cluster = this.#first((c) => c.getCluster(context.cluster))?.value;
    if (!cluster) {
      throw new UserError(`kubeconfig context "${contextName}" names cluster "${context.cluster}", which no kubeconfig file defines`);
    }
    const user = this.#first((c) => c.getUser(context.user));
    if (!user) {
      throw new UserError(`kubeconfig context "${contextName}" names user "${context.user}", which no kubeconfig file defines`);
    }
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({ clusters: [cluster], users: [user.value], contexts: [context], currentContext: context.name });
    return { context, cluster, user: user.value, userFile: user.file, kubeConfig };
  }

  #first<T>(pick: (c: KubeConfig) => T | null): { value: T; file: string } | undefined {
    for (const { file, config } of this.#loaded) {
      const value = pick(config);
      if (value) return { value, file };
    }
    return undefined;
  }
}
