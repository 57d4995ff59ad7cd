/** The plan (resolve → render → patch → preApply) with the built-in hooks around the operator's. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import { formatOrigin } from "../../src/objects/object-set.ts";
import { runReadiness } from "../../src/spawn/hooks/readiness.ts";
import { routeCheck } from "../../src/spawn/hooks/route.ts";
import { planServer } from "../../src/spawn/plan.ts";
import { writeConfig } from "../fixtures/config/write-config.ts";

const CONTRACT = ["app.kubernetes.io/managed-by", "hub.jupyter.org/username", "hub.jupyter.org/servername", "mcks.hub.jupyter.org/key", "mcks.hub.jupyter.org/lifetime"];

async function plan(plugins: string, { server = "", cluster = `namespace: "jhub"` } = {}) {
  const path = writeConfig(`
import { defineConfig } from "multicluster-kubespawner";
export default defineConfig({
  clusters: { a: { context: "a", ingressPublicUrl: "http://127.0.0.1:1", ${cluster} } },
  profiles: [{ slug: "p", displayName: "P", cluster: "a" }],
  plugins: [${plugins}],
});
`);
  const { config } = await loadConfig(path);
  const log = { info() {}, warn() {} };
  return planServer(config, { user: { name: "alice" }, server }, { log, signal: new AbortController().signal });
}

describe("spawn plan: the built-in relabel runs after every operator preApply hook", () => {
  it("puts the contract labels back on objects a plugin stripped or added, even after an enforce: post plugin", async () => {
    const planned = await plan(`{
      name: "strip", enforce: "post",
      preApply(ctx) {
        for (const o of ctx.objects) o.metadata.labels = {};
        ctx.objects.push({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "extra", namespace: "jhub" } });
      },
    }`);
    for (const o of planned.objects.list()) {
      for (const label of CONTRACT) assert.notEqual(o.metadata.labels?.[label], undefined, `${o.kind}/${o.metadata.name} lacks ${label}`);
    }
    const extra = planned.objects.find("ConfigMap", "extra");
    assert.equal(extra?.metadata.labels?.["mcks.hub.jupyter.org/key"], "jupyter-alice");
    // --explain credits the operator's plugin, not mcks's own hook.
    assert.deepEqual(planned.objects.origins(extra!).map(formatOrigin), ['plugin "strip"']);
    const pod = planned.objects.find("Pod", "jupyter-alice");
    assert.deepEqual(planned.objects.origins(pod!).map(formatOrigin), ["the built-in objects", 'plugin "strip"']);
  });

  it("gives a named server's per-user namespace back its user-level identity and lifetime, so deleting or stopping that server never selects it", async () => {
    const strip = `{ name: "strip", preApply(ctx) { for (const o of ctx.objects) o.metadata.labels = {}; } }`;
    for (const plugins of ["", strip]) {
      const planned = await plan(plugins, { server: "gpu", cluster: `namespace: "jhub-{{username}}", createNamespace: true` });
      const ns = planned.objects.find("Namespace", "jhub-alice");
      assert.deepEqual(ns?.metadata.labels, {
        "app.kubernetes.io/managed-by": "multicluster-kubespawner",
        "hub.jupyter.org/username": "alice",
        "hub.jupyter.org/servername": "",
        "mcks.hub.jupyter.org/key": "jupyter-alice",
        "mcks.hub.jupyter.org/lifetime": "user",
      });
      assert.equal(planned.objects.find("Pod", "jupyter-alice--gpu")?.metadata.labels?.["mcks.hub.jupyter.org/key"], "jupyter-alice--gpu");
    }
  });

  it("reports a bad lifetime label a plugin set in its own words, not as a plugin's failure", async () => {
    await assert.rejects(
      plan(`{ name: "bad", preApply(ctx) { ctx.objects[0].metadata.labels["mcks.hub.jupyter.org/lifetime"] = "forever"; } }`),
      (err: Error) => {
        assert.match(err.message, /^preApply: ServiceAccount\/jupyter-alice has label mcks.hub.jupyter.org\/lifetime: "forever"; use "user"/);
        assert.doesNotMatch(err.message, /mcks:relabel/);
        return true;
      },
    );
  });

  it("names the operator's plugin when its hook throws", async () => {
    await assert.rejects(plan(`{ name: "boom", preApply() { throw new Error("no"); } }`), { name: "UserError", message: `preApply: plugin "boom" preApply hook failed: no` });
  });
});

describe("spawn hooks: the built-in route check", () => {
  it("is a pre plugin whose abort reaches the caller unwrapped", async () => {
    const route = routeCheck();
    assert.equal(route.enforce, "pre");
    const stop = new AbortController();
    const reason = new Error("the server was stopped while starting");
    stop.abort(reason);
    const ctx = {} as Parameters<typeof runReadiness>[1];
    await assert.rejects(runReadiness([route], ctx, "http://127.0.0.1:9/user/alice/", { info() {}, warn() {} }, stop.signal), (err) => err === reason);
  });
});
