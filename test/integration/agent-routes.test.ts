/**
 * The ingress half of the test-bed agent as pure data, no bed needed: how Ingress/Service/Pod
 * objects become routes (class filter, named target ports, readiness, conflicts) and how the
 * route table picks one (Exact, longest Prefix by path element, ImplementationSpecific, hosts,
 * defaultBackend) and lags changes by the pickup delay (fake clock). The bed tests
 * (agent-ingress.test.ts) cover the same through real objects and HTTP.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { V1Ingress, V1Pod, V1Service } from "@kubernetes/client-node";
import { PodIndex } from "../testbed/agent/pod-index.ts";
import { RouteTable } from "../testbed/agent/route-table.ts";
import { desiredRoutes, type Route } from "../testbed/agent/routes.ts";

function pod(name: string, ip: string, labels: Record<string, string>, ready = true): V1Pod {
  return {
    metadata: { name, namespace: "ns", uid: `uid-${name}`, labels },
    spec: { containers: [{ name: "c", ports: [{ name: "http", containerPort: 9000 }] }] },
    status: { phase: "Running", podIP: ip, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

function svc(name: string, selector: Record<string, string>, targetPort: number | string = 8888): V1Service {
  return { metadata: { name, namespace: "ns" }, spec: { selector, ports: [{ port: 80, targetPort: targetPort as never }] } };
}

type P = { path: string; pathType: string; service: string; host?: string };
function ing(name: string, paths: P[], extra: Partial<V1Ingress["spec"]> = {}, created = "2026-01-01T00:00:00Z"): V1Ingress {
  return {
    metadata: { name, namespace: "ns", creationTimestamp: created as never },
    spec: {
      ...extra,
      rules: paths.map((p) => ({
        ...(p.host ? { host: p.host } : {}),
        http: { paths: [{ path: p.path, pathType: p.pathType, backend: { service: { name: p.service, port: { number: 80 } } } }] },
      })),
    },
  };
}

function routes(ingresses: V1Ingress[], services: V1Service[], pods: V1Pod[], cls?: string): Map<string, Route> {
  const index = new PodIndex();
  for (const p of pods) index.upsert(p);
  return desiredRoutes(ingresses, new Map(services.map((s) => [`ns/${s.metadata!.name}`, s])), index, cls);
}

describe("desired routes", () => {
  const pods = [pod("a", "127.11.0.2", { app: "a" }), pod("b", "127.11.0.3", { app: "b" }), pod("b2", "127.11.0.4", { app: "b" }, false)];
  const services = [svc("a", { app: "a" }), svc("b", { app: "b" }, "http")];

  test("Service selector → ready pods only, numeric and named target ports", () => {
    const r = routes([ing("i", [{ path: "/a/", pathType: "Prefix", service: "a" }, { path: "/b/", pathType: "Prefix", service: "b" }])], services, pods);
    assert.deepEqual([...r.values()].map((x) => [x.path, x.endpoints]), [["/a/", ["127.11.0.2:8888"]], ["/b/", ["127.11.0.3:9000"]]]);
  });

  test("a missing Service or no ready pod gives a route without endpoints (503)", () => {
    const r = routes([ing("i", [{ path: "/x/", pathType: "Prefix", service: "nope" }])], services, pods);
    assert.deepEqual([...r.values()][0]!.endpoints, []);
  });

  test("ingress class: none configured takes all; configured takes its own and class-less", () => {
    const mine = ing("m", [{ path: "/m/", pathType: "Prefix", service: "a" }], { ingressClassName: "testbed" });
    const other = ing("o", [{ path: "/o/", pathType: "Prefix", service: "a" }], { ingressClassName: "nginx" });
    const none = ing("n", [{ path: "/n/", pathType: "Prefix", service: "a" }]);
    assert.equal(routes([mine, other, none], services, pods).size, 3);
    assert.deepEqual([...routes([mine, other, none], services, pods, "testbed").values()].map((x) => x.path).sort(), ["/m/", "/n/"]);
  });

  test("the oldest Ingress wins the same host and path", () => {
    const young = ing("young", [{ path: "/p/", pathType: "Prefix", service: "b" }], {}, "2026-02-01T00:00:00Z");
    const old = ing("old", [{ path: "/p/", pathType: "Prefix", service: "a" }], {}, "2026-01-01T00:00:00Z");
    assert.equal([...routes([young, old], services, pods).values()][0]!.ingress, "ns/old");
  });
});

describe("route table", () => {
  const r = (path: string, pathType: Route["pathType"], service: string, host = ""): Route => ({
    host,
    path,
    pathType,
    ingress: "ns/i",
    service,
    endpoints: [`${service}:1`],
  });
  const table = (routesList: Route[]) => {
    const t = new RouteTable(0);
    t.update(new Map(routesList.map((x, i) => [String(i), x])));
    return t;
  };

  test("Exact beats Prefix; the longest Prefix wins; Prefix matches whole elements", () => {
    const t = table([r("/user/", "Prefix", "short"), r("/user/a", "Prefix", "long"), r("/user/a/exact", "Exact", "exact")]);
    assert.equal(t.lookup("h", "/user/a/exact")?.service, "exact");
    assert.equal(t.lookup("h", "/user/a/exact/more")?.service, "long");
    assert.equal(t.lookup("h", "/user/a")?.service, "long");
    assert.equal(t.lookup("h", "/user/ab")?.service, "short", "/user/a does not match /user/ab");
    assert.equal(t.lookup("h", "/other"), undefined);
  });

  test("ImplementationSpecific is a plain string prefix", () => {
    const t = table([r("/user/a", "ImplementationSpecific", "impl")]);
    assert.equal(t.lookup("h", "/user/ab")?.service, "impl");
  });

  test("hosts: exact, then one-label wildcard, then host-less; defaultBackend last", () => {
    const t = table([
      r("/", "Prefix", "any"),
      r("/only", "Exact", "exact-host", "hub.example.org"),
      r("/", "Prefix", "wild", "*.example.org"),
      r("", "Default", "default"),
    ]);
    assert.equal(t.lookup("hub.example.org", "/only")?.service, "exact-host");
    assert.equal(t.lookup("hub.example.org", "/x")?.service, "default", "an exact host does not fall back to host-less rules");
    assert.equal(t.lookup("x.example.org", "/x")?.service, "wild");
    assert.equal(t.lookup("a.b.example.org", "/x")?.service, "any", "a wildcard covers one label");
    assert.equal(t.lookup("example.org", "/x")?.service, "any");
  });

  test("changes are served only after the pickup delay; the old value until then", () => {
    let now = 1000;
    const t = new RouteTable(300, () => now);
    t.update(new Map([["k", r("/u/", "Prefix", "v1")]]));
    assert.equal(t.lookup("h", "/u/x"), undefined, "new route not yet picked up");
    now += 299;
    assert.equal(t.lookup("h", "/u/x"), undefined);
    now += 1;
    assert.equal(t.lookup("h", "/u/x")?.service, "v1");
    t.update(new Map([["k", r("/u/", "Prefix", "v2")]]));
    assert.equal(t.lookup("h", "/u/x")?.service, "v1", "changed route keeps serving the old backend");
    now += 300;
    assert.equal(t.lookup("h", "/u/x")?.service, "v2");
    t.update(new Map([["k", r("/u/", "Prefix", "v2")]]));
    assert.equal(t.lookup("h", "/u/x")?.service, "v2", "an unchanged route keeps its age");
    t.update(new Map());
    assert.equal(t.lookup("h", "/u/x")?.service, "v2", "a removed route lingers for the delay");
    now += 300;
    assert.equal(t.lookup("h", "/u/x"), undefined);
  });
});
