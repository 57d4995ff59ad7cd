/**
 * Ready pods indexed by namespace and label, so resolving a Service selector costs the size of
 * the smallest matching label set, not a scan of every pod (1000 pods × 1000 Services otherwise).
 */
import type { V1Pod } from "@kubernetes/client-node";

export interface Endpoint {
  readonly uid: string;
  readonly ip: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Named container ports, for Services whose targetPort is a name. */
  readonly namedPorts: ReadonlyMap<string, number>;
}

function readyEndpoint(pod: V1Pod): Endpoint | undefined {
  const ip = pod.status?.podIP;
  if (!ip || pod.metadata?.deletionTimestamp || pod.status?.phase !== "Running") return undefined;
  if (!pod.status.conditions?.some((c) => c.type === "Ready" && c.status === "True")) return undefined;
  const namedPorts = new Map<string, number>();
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name) namedPorts.set(p.name, p.containerPort);
  return { uid: pod.metadata?.uid ?? "", ip, labels: pod.metadata?.labels ?? {}, namedPorts };
}

export class PodIndex {
  /** namespace → "key=value" → endpoints */
  readonly #byLabel = new Map<string, Map<string, Set<Endpoint>>>();
  readonly #byUid = new Map<string, { namespace: string; ep: Endpoint }>();

  /** Returns true when the set of ready endpoints changed. */
  upsert(pod: V1Pod): boolean {
    const uid = pod.metadata?.uid;
    if (!uid) return false;
    const ep = readyEndpoint(pod);
    const old = this.#byUid.get(uid);
    if (old && ep && old.ep.ip === ep.ip && sameLabels(old.ep.labels, ep.labels)) return false;
    if (!old && !ep) return false;
    if (old) this.#remove(uid);
    if (ep) this.#add(pod.metadata?.namespace ?? "default", ep);
    return true;
  }

  delete(pod: V1Pod): boolean {
    const uid = pod.metadata?.uid;
    if (!uid || !this.#byUid.has(uid)) return false;
    this.#remove(uid);
    return true;
  }

  select(namespace: string, selector: Readonly<Record<string, string>>): Endpoint[] {
    const ns = this.#byLabel.get(namespace);
    const pairs = Object.entries(selector);
    if (!ns || pairs.length === 0) return [];
    let smallest: Set<Endpoint> | undefined;
    for (const [k, v] of pairs) {
      const set = ns.get(`${k}=${v}`);
      if (!set) return [];
      if (!smallest || set.size < smallest.size) smallest = set;
    }
    return [...smallest!].filter((ep) => pairs.every(([k, v]) => ep.labels[k] === v));
  }

  #add(namespace: string, ep: Endpoint): void {
    let ns = this.#byLabel.get(namespace);
    if (!ns) this.#byLabel.set(namespace, (ns = new Map()));
    for (const [k, v] of Object.entries(ep.labels)) {
      const key = `${k}=${v}`;
      let set = ns.get(key);
      if (!set) ns.set(key, (set = new Set()));
      set.add(ep);
    }
    this.#byUid.set(ep.uid, { namespace, ep });
  }

  #remove(uid: string): void {
    const old = this.#byUid.get(uid);
    if (!old) return;
    const ns = this.#byLabel.get(old.namespace);
    for (const [k, v] of Object.entries(old.ep.labels)) {
      const set = ns?.get(`${k}=${v}`);
      set?.delete(old.ep);
      if (set && set.size === 0) ns!.delete(`${k}=${v}`);
    }
    this.#byUid.delete(uid);
  }
}

function sameLabels(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
