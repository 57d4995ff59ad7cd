/**
 * The two kube-controller-manager loops the bed cannot do without, for every cluster in one small
 * process (node:https, no client library, to keep it light):
 * - serviceaccounts: a `default` ServiceAccount in every namespace, also in ones made later
 *   (e.g. by mcks's createNamespace); without it the ServiceAccount admission plugin rejects pods;
 * - namespace: a deleted namespace's objects are deleted, then its `kubernetes` finalizer is
 *   removed, so it does not hang in Terminating.
 * Run by `up`:  node test/testbed/controllers.ts --kubeconfig FILE --contexts testbed-1,testbed-2
 */
import { request } from "node:https";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { parse } from "yaml";

interface Api {
  readonly name: string;
  readonly server: string;
  readonly token: string;
  readonly ca: Buffer;
}

interface Namespace {
  metadata: { name: string; uid: string; deletionTimestamp?: string; resourceVersion?: string };
  spec?: { finalizers?: string[] };
}

const log = (api: Api, msg: string): void => console.log(`${new Date().toISOString()} controllers[${api.name}] ${msg}`);

function call(api: Api, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.server}${path}`, { method, ca: api.ca, headers: { authorization: `Bearer ${api.token}`, "content-type": "application/json", accept: "application/json" }, timeout: 30_000 }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => {
        let json: unknown = undefined;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = text;
        }
        resolve({ status: res.statusCode ?? 0, json });
      });
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** Streams watch events until the server ends the watch; returns the last resourceVersion seen. */
function watch(api: Api, path: string, onEvent: (type: string, obj: Namespace) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${api.server}${path}`, { ca: api.ca, headers: { authorization: `Bearer ${api.token}` } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`watch ${path}: HTTP ${res.statusCode}`));
        return;
      }
      let buf = "";
      res.on("data", (d: Buffer) => {
        buf += d.toString();
        let nl: number;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (!line.trim()) continue;
          const ev = JSON.parse(line) as { type: string; object: Namespace };
          onEvent(ev.type, ev.object);
        }
      });
      res.on("end", resolve);
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

async function ensureDefaultServiceAccount(api: Api, ns: string): Promise<void> {
  const r = await call(api, "POST", `/api/v1/namespaces/${ns}/serviceaccounts`, { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: ns } });
  // 409: it exists; 403/404: the namespace is going away.
  if (r.status === 201) log(api, `created ServiceAccount ${ns}/default`);
  else if (![409, 403, 404].includes(r.status)) log(api, `could not create ServiceAccount ${ns}/default: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`);
}

/** Namespaced resources that can be listed and deleted as a collection, as API paths. */
async function discoverNamespaced(api: Api): Promise<string[]> {
  const paths: string[] = [];
  const add = async (base: string): Promise<void> => {
    const r = await call(api, "GET", base);
    const list = r.json as { resources?: { name: string; namespaced: boolean; verbs: string[] }[] };
    for (const res of list.resources ?? []) {
      if (res.namespaced && !res.name.includes("/") && res.verbs.includes("deletecollection") && res.verbs.includes("list")) paths.push(`${base}/namespaces/{ns}/${res.name}`);
    }
  };
  await add("/api/v1");
  const groups = (await call(api, "GET", "/apis")).json as { groups: { preferredVersion: { groupVersion: string } }[] };
  for (const g of groups.groups) await add(`/apis/${g.preferredVersion.groupVersion}`);
  return paths;
}

async function finalizeNamespace(api: Api, ns: Namespace, resources: () => Promise<string[]>): Promise<void> {
  const name = ns.metadata.name;
  for (let delay = 250; ; delay = Math.min(delay * 2, 5000)) {
    let remaining = 0;
    for (const p of await resources()) {
      const path = p.replace("{ns}", name);
      await call(api, "DELETE", path);
      const left = (await call(api, "GET", `${path}?limit=1`)).json as { items?: unknown[] };
      remaining += left.items?.length ?? 0;
    }
    if (remaining === 0) break;
    await sleep(delay); // e.g. pods waiting for the fake kubelet to confirm their deletion
  }
  const fresh = (await call(api, "GET", `/api/v1/namespaces/${name}`)).json as Namespace;
  if (!fresh?.metadata) return;
  fresh.spec = { ...fresh.spec, finalizers: (fresh.spec?.finalizers ?? []).filter((f) => f !== "kubernetes") };
  const r = await call(api, "PUT", `/api/v1/namespaces/${name}/finalize`, fresh);
  log(api, `finalized namespace ${name}: HTTP ${r.status}`);
}

async function run(api: Api): Promise<void> {
  let discovered: Promise<string[]> | undefined;
  const resources = (): Promise<string[]> => (discovered ??= discoverNamespaced(api).catch((e: unknown) => ((discovered = undefined), Promise.reject(e))));
  const finalizing = new Set<string>();
  const handle = (ns: Namespace): void => {
    const name = ns.metadata.name;
    if (!ns.metadata.deletionTimestamp) {
      void ensureDefaultServiceAccount(api, name).catch((e: Error) => log(api, `ServiceAccount ${name}/default: ${e.message}`));
    } else if ((ns.spec?.finalizers ?? []).includes("kubernetes") && !finalizing.has(ns.metadata.uid)) {
      finalizing.add(ns.metadata.uid);
      void finalizeNamespace(api, ns, resources)
        .catch((e: Error) => log(api, `namespace ${name}: ${e.message}`))
        .finally(() => finalizing.delete(ns.metadata.uid));
    }
  };
  for (;;) {
    try {
      const list = await call(api, "GET", "/api/v1/namespaces");
      if (list.status !== 200) throw new Error(`list namespaces: HTTP ${list.status}`);
      const body = list.json as { metadata: { resourceVersion: string }; items: Namespace[] };
      body.items.forEach(handle);
      // The server ends the watch after timeoutSeconds; then we list again (cheap at this size).
      await watch(api, `/api/v1/namespaces?watch=1&resourceVersion=${body.metadata.resourceVersion}&timeoutSeconds=300`, (type, obj) => {
        if (type === "ADDED" || type === "MODIFIED") handle(obj);
      });
    } catch (e) {
      log(api, `${(e as Error).message}; retrying`);
      await sleep(1000);
    }
  }
}

function main(argv: readonly string[]): void {
  const arg = (flag: string): string => {
    const i = argv.indexOf(flag);
    const v = i >= 0 ? argv[i + 1] : undefined;
    if (!v) throw new Error(`usage: controllers.ts --kubeconfig FILE --contexts a,b,c (missing ${flag})`);
    return v;
  };
  type Named<T> = { name: string } & T;
  const kc = parse(readFileSync(arg("--kubeconfig"), "utf8")) as {
    contexts: Named<{ context: { cluster: string; user: string } }>[];
    clusters: Named<{ cluster: { server: string; "certificate-authority-data": string } }>[];
    users: Named<{ user: { token: string } }>[];
  };
  for (const name of arg("--contexts").split(",")) {
    const ctx = kc.contexts.find((c) => c.name === name);
    const cluster = kc.clusters.find((c) => c.name === ctx?.context.cluster);
    const user = kc.users.find((u) => u.name === ctx?.context.user);
    if (!ctx || !cluster || !user) throw new Error(`context ${name} is not complete in the kubeconfig`);
    const api: Api = { name, server: cluster.cluster.server, token: user.user.token, ca: Buffer.from(cluster.cluster["certificate-authority-data"], "base64") };
    log(api, "watching namespaces");
    void run(api);
  }
  process.on("SIGTERM", () => process.exit(0));
}

main(process.argv.slice(2));
