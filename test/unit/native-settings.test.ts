/**
 * The native settings' rules that KubeSpawner cannot judge (the oracle in test/oracle compares
 * the Pods): the cluster level, per-user functions and their errors, what the settings refuse,
 * which of the hub's and the profile's values win, and the derived environment after patches.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import { UserError } from "../../src/errors.ts";
import type { KubeObject } from "../../src/objects/types.ts";
import { describeProfiles } from "../../src/profile/describe.ts";
import { resolveSpawn, startTimeoutOf, type SpawnRequest } from "../../src/profile/resolve-spawn.ts";
import { planServer } from "../../src/spawn/plan.ts";
import { writeConfig } from "../fixtures/config/write-config.ts";

const HEAD = `import { defineConfig } from "multicluster-kubespawner";\n`;
const quiet = { log: { info() {}, warn() {} }, signal: new AbortController().signal };

async function config(body: string) {
  return (await loadConfig(writeConfig(`${HEAD}export default defineConfig(${body});\n`))).config;
}

async function problems(body: string): Promise<string> {
  try {
    await config(body);
  } catch (err) {
    assert.ok(err instanceof UserError, String(err));
    return err.details.join("\n");
  }
  assert.fail("the config was accepted");
}

function podOf(objects: readonly KubeObject[]): { spec: Record<string, unknown>; container: Record<string, unknown>; metadata: KubeObject["metadata"] } {
  const pod = objects.find((o) => o.kind === "Pod") as KubeObject & { spec: { containers: Record<string, unknown>[] } };
  return { spec: pod.spec, container: pod.spec.containers[0] as Record<string, unknown>, metadata: pod.metadata };
}

const env = (c: Record<string, unknown>) => Object.fromEntries((c.env as Array<{ name: string; value?: string }>).map((e) => [e.name, e.value]));
const alice: SpawnRequest = { user: { name: "alice", groups: ["geo"] }, server: "" };

describe("layers: defaults → cluster → profile → option", () => {
  const body = `{
    clusters: {
      gke: { context: "gke", ingressPublicUrl: "https://gke.example.org", defaults: { storage: { storageClass: "standard-rwo" }, nodeSelector: { zone: "b", pool: "user" } } },
      eks: { context: "eks", ingressPublicUrl: "https://eks.example.org", defaults: { storage: { storageClass: "gp3" } } },
    },
    defaults: { storage: { capacity: "10Gi" }, nodeSelector: { zone: "a", disk: "ssd" }, tolerations: { "b-user": { key: "user", operator: "Exists" } } },
    profiles: [
      { slug: "g", displayName: "G", cluster: "gke", nodeSelector: { disk: null },
        options: { gpu: { displayName: "GPU", choices: { none: { displayName: "None" }, one: { displayName: "One", overrides: { tolerations: { "a-gpu": { key: "gpu", operator: "Exists" } }, extraResourceLimits: { "nvidia.com/gpu": 1 }, storage: { capacity: "50Gi" } } } } } } },
      { slug: "e", displayName: "E", cluster: "eks", tolerations: [{ key: "only", operator: "Exists" }] },
    ],
  }`;

  it("mappings merge level over level, null removes a key, a list replaces, a keyed list is in key order", async () => {
    const c = await config(body);
    const g = resolveSpawn(c, { ...alice, profile: "g", options: { gpu: "one" } }).ctx.spawn;
    assert.deepEqual(g.nodeSelector, { zone: "b", pool: "user" });
    assert.deepEqual(g.tolerations, [{ key: "gpu", operator: "Exists" }, { key: "user", operator: "Exists" }]);
    assert.deepEqual(g.storage, { capacity: "50Gi", storageClass: "standard-rwo", accessModes: ["ReadWriteOnce"], mountPath: "/home/jovyan" });
    const e = resolveSpawn(c, { ...alice, profile: "e" }).ctx.spawn;
    assert.deepEqual(e.tolerations, [{ key: "only", operator: "Exists" }]);
    assert.equal(e.storage?.storageClass, "gp3", "each cluster its own storage class");
    assert.deepEqual(e.nodeSelector, { zone: "a", disk: "ssd" });
  });

  it("the home claim outlives stops (lifetime user) and the pod mounts it", async () => {
    const { objects } = await planServer(await config(body), { ...alice, profile: "e" }, quiet);
    const claim = objects.list().find((o) => o.kind === "PersistentVolumeClaim");
    assert.equal(claim?.metadata.name, "jupyter-alice-home");
    assert.equal(claim?.metadata.labels?.["mcks.hub.jupyter.org/lifetime"], "user");
    assert.deepEqual((claim as unknown as { spec: unknown }).spec, { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } }, storageClassName: "gp3" });
    const { spec, container } = podOf(objects.list());
    assert.deepEqual(spec.volumes, [{ name: "home", persistentVolumeClaim: { claimName: "jupyter-alice-home" } }]);
    assert.deepEqual(container.volumeMounts, [{ name: "home", mountPath: "/home/jovyan" }]);
  });
});

describe("per-user settings", () => {
  it("a function of the spawn gets the user, server, profile and options", async () => {
    const c = await config(`{
      clusters: { a: { context: "a", ingressPublicUrl: "https://a.example.org" } },
      defaults: { extraLabels: (ctx) => ({ owner: ctx.username, profile: ctx.profile.slug, group: ctx.user.groups?.[0] ?? "none" }) },
      profiles: [{ slug: "p", displayName: "P", cluster: "a", options: { size: { displayName: "Size", choices: { s: { displayName: "S", overrides: { workingDir: (ctx) => "/work/" + ctx.options.size } } } } } }],
    }`);
    const { ctx } = resolveSpawn(c, alice);
    assert.deepEqual(ctx.spawn.extraLabels, { owner: "alice", profile: "p", group: "geo" });
    assert.equal(ctx.spawn.workingDir, "/work/s");
  });

  it("a function that throws, or returns a wrong value, is named with its level", async () => {
    const c = await config(`{
      clusters: { a: { context: "a", ingressPublicUrl: "https://a.example.org" } },
      profiles: [
        { slug: "t", displayName: "T", cluster: "a", volumes: () => { throw new Error("no NFS for you"); } },
        { slug: "w", displayName: "W", cluster: "a", tolerations: () => [{ key: "x", effect: "Sometimes" }] },
      ],
    }`);
    assert.throws(() => resolveSpawn(c, { ...alice, profile: "t" }), /profile t: the function of volumes threw: no NFS for you/);
    assert.throws(
      () => resolveSpawn(c, { ...alice, profile: "w" }),
      (err: unknown) => err instanceof UserError && /profile w: the function of tolerations returned/.test(err.message) && /tolerations\[0\]\.effect/.test(err.details.join()),
    );
  });
});

describe("what the settings refuse", () => {
  const base = (profile: string) => `{ clusters: { a: { context: "a", ingressPublicUrl: "https://a.example.org" } }, profiles: [{ slug: "p", displayName: "P", cluster: "a", ${profile} }] }`;

  it("KubeSpawner's snake_case names point at the camelCase setting", async () => {
    assert.match(await problems(base(`node_selector: { a: "b" }`)), /unknown key "node_selector"; did you mean "nodeSelector"\?/);
    assert.match(await problems(base(`containerSecurityContext: { run_as_user: 0 }`)), /containerSecurityContext keys are Kubernetes field names, camelCase: did you mean "runAsUser"\?/);
  });

  it("shapes: a toleration effect, a storage key, a volume without a name, a relative mount path", async () => {
    assert.match(await problems(base(`tolerations: [{ key: "g", effect: "NoWay" }]`)), /profiles\[0\]\.tolerations\[0\]\.effect/);
    assert.match(await problems(base(`storage: { capacity: "10Gi", size: "1" }`)), /unknown key "size"; known keys: capacity, storageClass, accessModes, mountPath/);
    assert.match(await problems(base(`volumes: [{ emptyDir: {} }]`)), /profiles\[0\]\.volumes\[0\]\.name/);
    assert.match(await problems(base(`volumeMounts: { x: { name: "x", mountPath: "data" } }`)), /volumeMounts\.x\.mountPath: expected an absolute path/);
  });

  it("storage without a capacity, and privileged with the default allowPrivilegeEscalation, fail the spawn with why", async () => {
    const c = await config(base(`storage: { storageClass: "ssd" }, options: { o: { displayName: "O", choices: { root: { displayName: "R", overrides: { containerSecurityContext: { privileged: true } } } } } }`));
    assert.throws(() => resolveSpawn(c, { ...alice, options: { o: "root" } }), /storage is on but has no capacity/);
    const c2 = await config(base(`containerSecurityContext: { privileged: true }`));
    assert.throws(() => resolveSpawn(c2, alice), /privileged is true while allowPrivilegeEscalation is false \(the default\)/);
  });
});

describe("who wins", () => {
  it("the hub's cmd and args are the container's args unless the settings set cmd or args", async () => {
    const c = await config(`{
      clusters: { a: { context: "a", ingressPublicUrl: "https://a.example.org" } },
      profiles: [{ slug: "hub", displayName: "H", cluster: "a" }, { slug: "own", displayName: "O", cluster: "a", args: ["start-notebook.py"] }],
    }`);
    const hub = { ...alice, hubCmd: ["jupyterhub-singleuser"], hubArgs: ["--debug"] };
    let { container } = podOf((await planServer(c, { ...hub, profile: "hub" }, quiet)).objects.list());
    assert.deepEqual(container.args, ["jupyterhub-singleuser", "--debug"]);
    assert.equal(container.command, undefined, "the image's entrypoint stays, as with KubeSpawner");
    ({ container } = podOf((await planServer(c, { ...hub, profile: "own" }, quiet)).objects.list()));
    assert.deepEqual(container.args, ["start-notebook.py"]);
    ({ container } = podOf((await planServer(c, { ...alice, hubArgs: ["--debug"], profile: "hub" }, quiet)).objects.list()));
    assert.equal(container.args, undefined, "args without a cmd are ignored, as KubeSpawner ignores them");
  });

  it("defaultUrl wins over the hub's default_url; the hub's notebook_dir reaches the pod", async () => {
    const c = await config(`{ clusters: { a: { context: "a", ingressPublicUrl: "https://a.example.org" } }, profiles: [{ slug: "p", displayName: "P", cluster: "a", defaultUrl: "/lab" }] }`);
    const { container } = podOf((await planServer(c, { ...alice, env: { JUPYTERHUB_DEFAULT_URL: "/tree", JUPYTERHUB_ROOT_DIR: "/home/jovyan/work" } }, quiet)).objects.list());
    assert.equal(env(container).JUPYTERHUB_DEFAULT_URL, "/lab");
    assert.equal(env(container).JUPYTERHUB_ROOT_DIR, "/home/jovyan/work");
  });

  it("MEM_/CPU_ and JUPYTER_IMAGE follow the container as the patches left it; the operator's own value stays", async () => {
    const c = await config(`{
      clusters: { a: { context: "a", ingressPublicUrl: "https://a.example.org" } },
      defaults: { memLimit: "1G", cpuGuarantee: 0.5, environment: { CPU_GUARANTEE: "0.25" } },
      profiles: [{ slug: "p", displayName: "P", cluster: "a", patches: { "10-big": \`
kind: Pod
metadata:
  name: {{key}}
spec:
  containers:
  - name: notebook
    image: pangeo/ml-notebook:2026.1
    resources:
      limits: { memory: 3Gi, cpu: 1500m }
\` } }],
    }`);
    const { container } = podOf((await planServer(c, { ...alice, env: { MEM_LIMIT: "1" } }, quiet)).objects.list());
    const e = env(container);
    assert.equal(e.MEM_LIMIT, String(3 * 1024 ** 3));
    assert.equal(e.CPU_LIMIT, "1.5");
    assert.equal(e.CPU_GUARANTEE, "0.25", "the operator's environment wins, as in JupyterHub");
    assert.equal(e.JUPYTER_IMAGE, "pangeo/ml-notebook:2026.1");
    assert.equal(e.JUPYTER_IMAGE_SPEC, "pangeo/ml-notebook:2026.1");
  });

  it("serviceAccountName runs the pod as an existing account: mcks creates none", async () => {
    const c = await config(`{ clusters: { a: { context: "a", ingressPublicUrl: "https://a.example.org" } }, profiles: [{ slug: "p", displayName: "P", cluster: "a", serviceAccountName: "dask" }] }`);
    const objects = (await planServer(c, alice, quiet)).objects.list();
    assert.ok(!objects.some((o) => o.kind === "ServiceAccount"));
    assert.equal(podOf(objects).spec.serviceAccountName, "dask");
    assert.equal(podOf(objects).spec.automountServiceAccountToken, undefined);
  });
});

describe("option choices' allowed, startTimeout", () => {
  const body = `{
    clusters: { a: { context: "a", ingressPublicUrl: "https://a.example.org" } },
    startTimeout: 120,
    profiles: [{ slug: "p", displayName: "P", cluster: "a", startTimeout: 300,
      options: { gpu: { displayName: "GPU", choices: {
        none: { displayName: "None" },
        a100: { displayName: "A100", default: true, allowed: (user) => user.groups?.includes("ml") ?? false, overrides: { startTimeout: 900 } },
      } } } }],
  }`;

  it("a choice a user may not pick is not listed, not the default, and refused when sent", async () => {
    const c = await config(body);
    const shown = (groups: string[]) => describeProfiles(c, { name: "u", groups })[0]?.options.gpu?.choices;
    assert.deepEqual(shown([]), { none: { displayName: "None", default: true } });
    assert.deepEqual(shown(["ml"]), { none: { displayName: "None", default: false }, a100: { displayName: "A100", default: true } });
    assert.equal(resolveSpawn(c, { user: { name: "u" }, server: "" }).ctx.options.gpu, "none");
    assert.throws(() => resolveSpawn(c, { user: { name: "u" }, server: "", options: { gpu: "a100" } }), /choice "a100" of option "GPU" of profile "p" is not allowed for user "u"; choices allowed: none/);
  });

  it("the start timeout comes from the option, else the profile, else the config", async () => {
    const c = await config(body);
    assert.equal(startTimeoutOf(c, { user: { name: "u", groups: ["ml"] }, server: "" }), 900);
    assert.equal(startTimeoutOf(c, { user: { name: "u" }, server: "" }), 300);
    assert.equal(startTimeoutOf(c, { user: { name: "u" }, server: "", profile: "nope" }), 120, "an unknown profile fails later, with its reason");
  });
});

describe("auth_state", () => {
  it("reaches allowed(), templates and functions when the hub sends it", async () => {
    const c = await config(`{
      clusters: { a: { context: "a", ingressPublicUrl: "https://a.example.org" } },
      profiles: [{ slug: "p", displayName: "P", cluster: "a", allowed: (user) => user.authState?.tier === "gold",
        environment: { TIER: (ctx) => String(ctx.user.authState?.tier) },
        patches: { "01-a": "kind: Pod\\nmetadata:\\n  name: '{{key}}'\\n  annotations:\\n    tier: '{{ user.authState.tier }}'\\n" } }],
    }`);
    const gold = { name: "alice", authState: { tier: "gold", access_token: "tok-123" } };
    assert.deepEqual(describeProfiles(c, { name: "alice" }), []);
    const objects = (await planServer(c, { user: gold, server: "" }, quiet)).objects.list();
    const { metadata, container } = podOf(objects);
    assert.equal(metadata.annotations?.tier, "gold");
    assert.equal(env(container).TIER, "gold");
    assert.ok(!JSON.stringify(objects).includes("tok-123"), "only what a template puts there");
  });
});
