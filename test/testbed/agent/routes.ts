/**
 * What an ingress controller would serve right now: every Ingress rule path resolved through its
 * Service to ready pod addresses. Pure: a function of the watched objects.
 */
import type { V1Ingress, V1IngressBackend, V1Service } from "@kubernetes/client-node";
import type { PodIndex } from "./pod-index.ts";

export type PathType = "Exact" | "Prefix" | "ImplementationSpecific" | "Default";

export interface Route {
  /** "" = any host; "*.example.org" = one-label wildcard. */
  readonly host: string;
  readonly path: string;
  readonly pathType: PathType;
  readonly ingress: string;
  readonly service: string;
  /** "ip:port" of each ready backend pod; empty → 503. */
  readonly endpoints: readonly string[];
}

export function routeKey(r: Pick<Route, "host" | "path" | "pathType">): string {
  return `${r.host}\n${r.pathType}\n${r.path}`;
}

/** Does this controller handle the Ingress? No class configured → all; else matching or class-less ones. */
export function acceptsClass(ing: V1Ingress, ingressClass: string | undefined): boolean {
  if (!ingressClass) return true;
  const cls = ing.spec?.ingressClassName ?? ing.metadata?.annotations?.["kubernetes.io/ingress.class"];
  return cls === undefined || cls === ingressClass;
}

function resolveBackend(
  namespace: string,
  backend: V1IngressBackend | undefined,
  services: ReadonlyMap<string, V1Service>,
  pods: PodIndex,
): { service: string; endpoints: string[] } | undefined {
  const ref = backend?.service;
  if (!ref) return undefined;
  const label = `${namespace}/${ref.name}:${ref.port?.number ?? ref.port?.name ?? "?"}`;
  const svc = services.get(`${namespace}/${ref.name}`);
  const port = svc?.spec?.ports?.find((p) => (ref.port?.name ? p.name === ref.port.name : p.port === ref.port?.number));
  if (!svc || !port || !svc.spec?.selector) return { service: label, endpoints: [] };
  const endpoints: string[] = [];
  for (const ep of pods.select(namespace, svc.spec.selector)) {
    const target = port.targetPort ?? port.port;
    const num = typeof target === "number" ? target : /^\d+$/.test(target) ? Number(target) : ep.namedPorts.get(target);
    if (num !== undefined) endpoints.push(`${ep.ip}:${num}`);
  }
  endpoints.sort();
  return { service: label, endpoints };
}

export function desiredRoutes(
  ingresses: Iterable<V1Ingress>,
  services: ReadonlyMap<string, V1Service>,
  pods: PodIndex,
  ingressClass: string | undefined,
): Map<string, Route> {
  // Oldest Ingress wins a conflict on the same host+path, as with most controllers.
  const sorted = [...ingresses].filter((i) => acceptsClass(i, ingressClass)).sort((a, b) => {
    const ta = String(a.metadata?.creationTimestamp ?? "");
    const tb = String(b.metadata?.creationTimestamp ?? "");
    return ta === tb ? `${a.metadata?.namespace}/${a.metadata?.name}`.localeCompare(`${b.metadata?.namespace}/${b.metadata?.name}`) : ta < tb ? -1 : 1;
  });
  const out = new Map<string, Route>();
  const add = (r: Route) => {
    const key = routeKey(r);
    if (!out.has(key)) out.set(key, r);
  };
  for (const ing of sorted) {
    const ns = ing.metadata?.namespace ?? "default";
    const name = `${ns}/${ing.metadata?.name}`;
    for (const rule of ing.spec?.rules ?? []) {
      const host = (rule.host ?? "").toLowerCase();
      for (const p of rule.http?.paths ?? []) {
        const b = resolveBackend(ns, p.backend, services, pods);
        if (!b) continue;
        add({ host, path: p.path ?? "/", pathType: (p.pathType as PathType | undefined) ?? "ImplementationSpecific", ingress: name, ...b });
      }
    }
    const def = resolveBackend(ns, ing.spec?.defaultBackend, services, pods);
    if (def) add({ host: "", path: "", pathType: "Default", ingress: name, ...def });
  }
  return out;
}
