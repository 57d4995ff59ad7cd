/**
 * Where each kind lives in the API (`/api/v1/namespaces/x/pods/name`). The kinds of
 * objects/kinds.ts are known statically, so applying them costs no discovery request; other
 * kinds (operator resources such as a DaskCluster) are looked up once per cluster and API
 * group version, then cached for the life of the daemon.
 */
import { builtinType, type ResourceType } from "../objects/kinds.ts";
import type { KubeHttp } from "./http.ts";
import { KubeApiError } from "./errors.ts";
import { UserError } from "../errors.ts";

/** `/api/v1` or `/apis/<group>/<version>`. */
export function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** Collection URL; `namespace` undefined on a namespaced type = across all namespaces. */
export function collectionPath(t: ResourceType, namespace: string | undefined): string {
  const ns = t.namespaced && namespace !== undefined ? `/namespaces/${encodeURIComponent(namespace)}` : "";
  return `${groupVersionPath(t.apiVersion)}${ns}/${t.plural}`;
}

export function objectPath(t: ResourceType, namespace: string | undefined, name: string): string {
  if (t.namespaced && !namespace) throw new Error(`internal: ${t.kind}/${name} needs a namespace`);
  return `${collectionPath(t, namespace)}/${encodeURIComponent(name)}`;
}

interface ApiResourceList {
  resources?: { name: string; kind: string; namespaced: boolean }[];
}

/** Per-cluster resolver: static table first, then discovery (one request per group version). */
export class ResourceMapper {
  readonly #http: KubeHttp;
  readonly #discovered = new Map<string, Promise<Map<string, ResourceType>>>();

  constructor(http: KubeHttp) {
    this.#http = http;
  }

  async resolve(apiVersion: string | undefined, kind: string): Promise<ResourceType> {
    if (!apiVersion) throw new UserError(`${kind} has no apiVersion; add one (e.g. "v1")`);
    const known = builtinType(apiVersion, kind);
    if (known) return known;
    const byKind = await this.#discover(apiVersion);
    const t = byKind.get(kind);
    if (!t) {
      const served = [...byKind.keys()].sort().join(", ") || "(nothing)";
      throw new UserError(
        `cluster "${this.#http.cluster}" does not serve kind ${kind} in ${apiVersion} (it serves: ${served}); is the operator or its CRD installed?`,
      );
    }
    return t;
  }

  #discover(apiVersion: string): Promise<Map<string, ResourceType>> {
    let p = this.#discovered.get(apiVersion);
    if (!p) {
      p = this.#http
        .json<ApiResourceList>({ method: "GET", path: groupVersionPath(apiVersion) })
        .then((list) => {
          const m = new Map<string, ResourceType>();
          for (const r of list.resources ?? []) {
            if (r.name.includes("/")) continue; // subresources such as pods/status
            m.set(r.kind, { apiVersion, kind: r.kind, plural: r.name, namespaced: r.namespaced });
          }
          return m;
        })
        .catch((err: unknown) => {
          this.#discovered.delete(apiVersion); // do not cache failures
          if (err instanceof KubeApiError && err.status.code === 404) {
            throw new UserError(`cluster "${this.#http.cluster}" does not serve API ${apiVersion}; is the operator or its CRD installed?`);
          }
          throw err;
        });
      this.#discovered.set(apiVersion, p);
    }
    return p;
  }
}
