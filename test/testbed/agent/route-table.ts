/**
 * The routes the proxy actually serves, lagging the desired ones by the pickup delay: a real
 * controller takes a while to notice an Ingress (or a newly ready pod) and reload, and mcks'
 * readiness check must cope with that. Each route remembers what was served before its last
 * change; a lookup sees the new value only once it is `delayMs` old.
 */
import type { Route } from "./routes.ts";

interface Entry {
  current?: Route;
  previous?: Route;
  changedAt: number;
  signature: string;
}

function signature(r: Route | undefined): string {
  return r ? `${r.ingress}|${r.service}|${r.endpoints.join(",")}` : "";
}

function pathMatches(r: Route, path: string): boolean {
  switch (r.pathType) {
    case "Exact":
      return path === r.path;
    case "Prefix": {
      // Element-wise: /foo matches /foo and /foo/bar, not /foobar; a trailing slash is ignored.
      const p = r.path.replace(/\/+$/, "");
      return p === "" || path === p || path.startsWith(`${p}/`);
    }
    case "ImplementationSpecific":
      return path.startsWith(r.path);
    case "Default":
      return true;
  }
}

function hostMatches(ruleHost: string, host: string): boolean {
  if (ruleHost.startsWith("*.")) {
    const rest = ruleHost.slice(1);
    return host.endsWith(rest) && !host.slice(0, -rest.length).includes(".") && host.length > rest.length;
  }
  return ruleHost === host;
}

/** Exact before prefixes; among prefixes the longest wins; the default backend last. */
function rank(r: Route): number {
  if (r.pathType === "Default") return -1;
  return (r.pathType === "Exact" ? 1_000_000 : 0) + r.path.length * 2 + (r.pathType === "Prefix" ? 1 : 0);
}

export class RouteTable {
  readonly #delayMs: number;
  readonly #clock: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(delayMs: number, clock: () => number = Date.now) {
    this.#delayMs = delayMs;
    this.#clock = clock;
  }

  #served(e: Entry, t: number): Route | undefined {
    return t - e.changedAt >= this.#delayMs ? e.current : e.previous;
  }

  /** Takes the full desired set; routes whose value did not change keep their age. */
  update(desired: ReadonlyMap<string, Route>): void {
    const t = this.#clock();
    for (const [key, route] of desired) {
      const sig = signature(route);
      const e = this.#entries.get(key);
      if (!e) {
        this.#entries.set(key, { current: route, changedAt: t, signature: sig });
      } else if (e.signature !== sig) {
        e.previous = this.#served(e, t);
        e.current = route;
        e.changedAt = t;
        e.signature = sig;
      }
    }
    for (const [key, e] of this.#entries) {
      if (desired.has(key)) continue;
      if (e.current) {
        e.previous = this.#served(e, t);
        e.current = undefined;
        e.changedAt = t;
        e.signature = "";
      } else if (t - e.changedAt >= this.#delayMs) {
        this.#entries.delete(key);
      }
    }
  }

  /** The route serving `host` + `path` (no query string), as a controller would pick it. One pass, no allocation. */
  lookup(host: string, path: string): Route | undefined {
    const t = this.#clock();
    // Like nginx server blocks: an exact host's rules, else a wildcard host's, else the host-less ones.
    let exact: Route | undefined;
    let wild: Route | undefined;
    let any: Route | undefined;
    let fallback: Route | undefined;
    let hostKnown = false;
    let wildKnown = false;
    for (const e of this.#entries.values()) {
      const r = this.#served(e, t);
      if (!r) continue;
      if (r.pathType === "Default") {
        fallback ??= r;
        continue;
      }
      if (r.host === "") {
        if (pathMatches(r, path) && (!any || rank(r) > rank(any))) any = r;
      } else if (r.host.startsWith("*.")) {
        if (!hostMatches(r.host, host)) continue;
        wildKnown = true;
        if (pathMatches(r, path) && (!wild || rank(r) > rank(wild))) wild = r;
      } else if (r.host === host) {
        hostKnown = true;
        if (pathMatches(r, path) && (!exact || rank(r) > rank(exact))) exact = r;
      }
    }
    // An Ingress' defaultBackend catches what no rule took, on any host.
    return (hostKnown ? exact : wildKnown ? wild : any) ?? fallback;
  }

  /** The served routes, for `/_agent/routes`. */
  snapshot(): Route[] {
    const t = this.#clock();
    return [...this.#entries.values()].map((e) => this.#served(e, t)).filter((r): r is Route => r !== undefined);
  }

  get size(): number {
    return this.#entries.size;
  }
}
