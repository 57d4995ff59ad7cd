import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import { ClusterUnreachableError, KubeApiError, ServerFailedError } from "../../src/kube/index.ts";
import { publicMessageOf, UserError } from "../../src/errors.ts";
import { operatorKinds } from "../../src/spawn/kinds.ts";
import { namespaceLimitError, publicUrl, startFailureMessage, startFailureReason } from "../../src/spawn/launch.ts";
import { writeConfig } from "../fixtures/config/write-config.ts";

describe("serve: the URL the hub's proxy gets", () => {
  it("joins the ingress URL and the hub's prefix with exactly one slash", () => {
    assert.equal(publicUrl("https://eu.hub.example.org", "/user/alice/"), "https://eu.hub.example.org/user/alice/");
    assert.equal(publicUrl("https://eu.hub.example.org/", "/user/a%40b.org/gpu/"), "https://eu.hub.example.org/user/a%40b.org/gpu/");
    assert.equal(publicUrl("http://203.0.113.10//", "/hub-base/user/x/"), "http://203.0.113.10/hub-base/user/x/");
  });
});

describe("serve: what the hub user reads when a start fails", () => {
  it("says where a timed-out start got to", () => {
    assert.equal(
      startFailureMessage(new Error("aborted"), 300, true, "Pulling image"),
      "the server did not become ready within 300 s (last: Pulling image); it was stopped",
    );
  });
  it("passes the Kubernetes reason and operator messages through", () => {
    const pull = new ServerFailedError("Pod/jupyter-a cannot start: ErrImagePull: not found", "ErrImagePull");
    assert.equal(startFailureMessage(pull, 300, false, ""), "Pod/jupyter-a cannot start: ErrImagePull: not found");
    assert.equal(startFailureMessage(new UserError("resolve: unknown profile"), 300, false, ""), "resolve: unknown profile");
  });
});

describe("serve: why a start failed, as a metric label", () => {
  it("is a small set: Kubernetes' reason, the API's, ClusterUnreachable, Timeout, BadRequest, Internal", () => {
    assert.equal(startFailureReason(new ServerFailedError("Pod/x cannot start: ErrImagePull: …", "ErrImagePull"), false), "ErrImagePull");
    assert.equal(startFailureReason(new ClusterUnreachableError("eu", "cluster eu is unreachable"), false), "ClusterUnreachable");
    assert.equal(startFailureReason(new KubeApiError("denied", { code: 403, reason: "Forbidden", message: "no" }), false), "Forbidden");
    assert.equal(startFailureReason(new UserError("unknown profile"), false), "BadRequest");
    assert.equal(startFailureReason(new Error("bug"), false), "Internal");
    assert.equal(startFailureReason(new ServerFailedError("x", "ErrImagePull"), true), "Timeout");
  });
});

describe("serve: a namespace's quota or limits refuse the server at apply", () => {
  // As kube/http.ts makes them: a 403's public stand-in hides the API's words from the hub user.
  const forbidden = (message: string) =>
    new KubeApiError(`Pod/jupyter-a: ${message}`, { code: 403, reason: "Forbidden", message }, { publicMessage: 'mcks is not allowed to do this on cluster "eu"' });
  it("a ResourceQuota: the cluster's message and what to do", () => {
    const k8s = 'pods "jupyter-a" is forbidden: exceeded quota: compute, requested: requests.cpu=2, used: requests.cpu=7, limited: requests.cpu=8';
    assert.equal(
      namespaceLimitError(forbidden(k8s), "eu", "jhub")?.message,
      `cluster eu has no room for this server in namespace jhub (its ResourceQuota): Pod/jupyter-a: ${k8s}; stop another server there, choose a smaller profile, or ask the operator to raise the namespace's ResourceQuota`,
    );
    assert.match(namespaceLimitError(forbidden('pods "jupyter-a" is forbidden: failed quota: compute: must specify limits.cpu'), "eu", "jhub")?.message ?? "", /\(its ResourceQuota\)/);
    assert.equal(startFailureReason(namespaceLimitError(forbidden(k8s), "eu", "jhub"), false), "Forbidden", "the metrics keep the API's reason");
    assert.equal(publicMessageOf(namespaceLimitError(forbidden(k8s), "eu", "jhub")), undefined, "the hub user reads the quota's words, not the 403's stand-in");
  });
  it("a LimitRange", () => {
    const k8s = 'pods "jupyter-a" is forbidden: maximum cpu usage per Container is 2, but limit is 4';
    assert.match(namespaceLimitError(forbidden(k8s), "eu", "jhub")?.message ?? "", /^cluster eu has no room for this server in namespace jhub \(its LimitRange\): .*; choose a profile within the limits, or ask the operator to change the namespace's LimitRange$/);
  });
  it("not an RBAC denial or another error", () => {
    assert.equal(namespaceLimitError(forbidden('pods is forbidden: User "mcks" cannot create resource "pods" in API group "" in the namespace "jhub"'), "eu", "jhub"), undefined);
    assert.equal(namespaceLimitError(new Error("exceeded quota"), "eu", "jhub"), undefined);
  });
});

describe("serve: kinds a stop must look for", () => {
  it("finds the kinds of the operator's resources (Roles too: stop looks for them only when a config makes them) and a created namespace", async () => {
    const path = writeConfig(`
import { defineConfig } from "multicluster-kubespawner";
export default defineConfig({
  clusters: {
    a: { context: "a", ingressPublicUrl: "http://127.0.0.1:1", namespace: "u-{{username}}", createNamespace: true },
  },
  profiles: [
    {
      slug: "dask", displayName: "Dask", cluster: "a",
      resources: {
        "10-role": "apiVersion: rbac.authorization.k8s.io/v1\\nkind: Role\\nmetadata:\\n  name: '{{key}}-dask'\\nrules: []\\n",
        "20-cluster": (ctx) => ({ apiVersion: "kubernetes.dask.org/v1", kind: "DaskCluster", metadata: { name: ctx.key } }),
      },
    },
  ],
});
`);
    const { config } = await loadConfig(path);
    assert.deepEqual(
      operatorKinds(config).map((k) => `${k.apiVersion}/${k.kind}`).sort(),
      ["kubernetes.dask.org/v1/DaskCluster", "rbac.authorization.k8s.io/v1/Role", "v1/Namespace"],
    );
  });

  it("finds the kinds of every option choice and of profiles the probe user may not use", async () => {
    const path = writeConfig(`
import { defineConfig } from "multicluster-kubespawner";
export default defineConfig({
  clusters: { a: { context: "a", ingressPublicUrl: "http://127.0.0.1:1" } },
  profiles: [
    {
      slug: "open", displayName: "Open", cluster: "a",
      options: {
        extras: {
          displayName: "Extras",
          choices: {
            none: { displayName: "None", default: true },
            queue: {
              displayName: "A queue",
              overrides: { resources: { "30-queue": "apiVersion: example.org/v1\\nkind: Queue\\nmetadata:\\n  name: '{{key}}'\\n" } },
            },
          },
        },
      },
      resources: {
        "10-broken": (ctx) => { throw new Error("needs a group: " + ctx.user.groups[0]); },
        "20-cm": "apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: '{{key}}'\\n",
      },
    },
    {
      slug: "team", displayName: "Team", cluster: "a",
      allowed: (user) => user.groups?.includes("team") ?? false,
      resources: { "10-job": "apiVersion: batch/v1\\nkind: Job\\nmetadata:\\n  name: '{{key}}'\\n" },
    },
  ],
});
`);
    const { config } = await loadConfig(path);
    assert.deepEqual(operatorKinds(config).map((k) => `${k.apiVersion}/${k.kind}`).sort(), ["batch/v1/Job", "example.org/v1/Queue", "v1/ConfigMap"]);
  });

  it("finds the storage setting's claim (a delete after a stop must find the home volume), from a cluster's defaults too", async () => {
    const path = writeConfig(`
import { defineConfig } from "multicluster-kubespawner";
export default defineConfig({
  clusters: {
    a: { context: "a", ingressPublicUrl: "http://127.0.0.1:1" },
    b: { context: "b", ingressPublicUrl: "http://127.0.0.1:2", defaults: { storage: { capacity: "1Gi" } } },
  },
  profiles: [{ slug: "plain", displayName: "Plain", cluster: "a" }, { slug: "homed", displayName: "Homed", cluster: "b" }],
});
`);
    const { config } = await loadConfig(path);
    assert.deepEqual(operatorKinds(config).map((k) => `${k.apiVersion}/${k.kind}`), ["v1/PersistentVolumeClaim"]);
    const none = await loadConfig(writeConfig(`
import { defineConfig } from "multicluster-kubespawner";
export default defineConfig({ clusters: { a: { context: "a", ingressPublicUrl: "http://127.0.0.1:1" } }, profiles: [{ slug: "plain", displayName: "Plain", cluster: "a" }] });
`));
    assert.deepEqual(operatorKinds(none.config), []);
  });
});
