/**
 * Helpers for test/integration/agent-*.test.ts: objects go in with kubectl (as an operator would),
 * state comes back with `kubectl get -o json`, and waits poll with a deadline that fails loudly.
 */
import { request } from "node:http";
import type { V1Pod, V1PodCondition } from "@kubernetes/client-node";
import { setTimeout as sleep } from "node:timers/promises";
import { kubectl } from "../bootstrap.ts";
import { ensureBed } from "../bed.ts";

export interface Target {
  readonly kubeconfig: string;
  readonly context: string;
}

export function kc(t: Target, args: readonly string[], input?: string): string {
  const r = kubectl(t.kubeconfig, t.context, args, input);
  if (r.status !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

export function getJson<T>(t: Target, what: string, namespace = "default"): T | undefined {
  const r = kubectl(t.kubeconfig, t.context, ["get", what, "-n", namespace, "-o", "json", "--ignore-not-found"]);
  if (r.status !== 0) throw new Error(`kubectl get ${what} failed: ${r.stderr.trim()}`);
  return r.stdout.trim() === "" ? undefined : (JSON.parse(r.stdout) as T);
}

export interface EventItem {
  reason: string;
  message: string;
  type: string;
  involvedObject: { kind: string; name: string; uid: string; namespace: string; fieldPath?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  count?: number;
}

export function podEvents(t: Target, pod: string, namespace = "default"): EventItem[] {
  const out = kc(t, ["get", "events", "-n", namespace, "--field-selector", `involvedObject.name=${pod}`, "-o", "json"]);
  return (JSON.parse(out) as { items: EventItem[] }).items;
}

/** Polls `probe` until it returns a value (not undefined) or the deadline passes; then fails with `what` and the last state. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ""}`);
    }
    await sleep(everyMs);
  }
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** Plain node:http, so the Host header can be set (fetch forbids it). */
export function httpGet(url: string, opts: { host?: string; method?: string; body?: string } = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? "GET", headers: opts.host ? { Host: opts.host } : {}, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.setTimeout(5000, () => req.destroy(new Error(`GET ${url} timed out`)));
    req.end(opts.body);
  });
}

/**
 * Pod spec lines that no node of the bed matches: the real scheduler leaves such a pod Pending
 * (FailedScheduling) and the autoscaler answers NotTriggerScaleUp.
 */
export const UNPLACEABLE = "\n  nodeSelector: { mcks.testbed/pool: no-such-pool }";

/** Pod + Service + Ingress (path `prefix`, Prefix) for one mock server, as mcks would render them; `specExtra` goes into the pod spec. */
export function serverManifest(name: string, image: string, prefix: string, extra = "", specExtra = ""): string {
  return `
apiVersion: v1
kind: Pod
metadata: { name: ${name}, labels: { app: agent-test, instance: ${name} } }
spec:
  terminationGracePeriodSeconds: 1${specExtra}
  containers:
    - name: notebook
      image: ${image}
      ports: [{ name: http, containerPort: 8888 }]
      env:
        - { name: JUPYTERHUB_SERVICE_PREFIX, value: "${prefix}" }${extra}
---
apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec:
  selector: { instance: ${name} }
  ports: [{ port: 80, targetPort: http }]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ${name} }
spec:
  rules:
    - http:
        paths:
          - path: ${prefix}
            pathType: Prefix
            backend: { service: { name: ${name}, port: { number: 80 } } }
`;
}

export function podManifest(name: string, image: string, extra = "", specExtra = ""): string {
  return `
apiVersion: v1
kind: Pod
metadata: { name: ${name}, labels: { app: agent-test } }
spec:
  terminationGracePeriodSeconds: 1${specExtra}
  containers:
    - name: notebook
      image: ${image}
      ports: [{ containerPort: 8888 }]${extra}
`;
}

export function condition(pod: V1Pod, type: string): V1PodCondition | undefined {
  return pod.status?.conditions?.find((c) => c.type === type);
}

/** The bed (started if needed) and its testbed-2 cluster as admin, failing loudly without agents. */
export async function agentTarget(): Promise<Target & { readonly ingressUrl: string }> {
  const bed = await ensureBed({ clusters: 3 });
  if (!bed.agents) throw new Error("the bed runs without agents: test/testbed/agent/main.ts was not started");
  const c2 = bed.clusters.find((c) => c.name === "testbed-2");
  if (!c2) throw new Error("the bed has no testbed-2");
  return { kubeconfig: bed.kubeconfig, context: c2.context, ingressUrl: c2.ingressUrl };
}
