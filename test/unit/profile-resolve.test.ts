/**
 * The resolve stage: which profile, which option values, how settings levels merge (and in
 * which order patches/resources apply), and the SpawnContext, hostile names included.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { before, describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import type { ResolvedConfig } from "../../src/config/resolve.ts";
import type { SpawnRequest } from "../../src/profile/resolve-spawn.ts";
import { UserError } from "../../src/errors.ts";
import { describeProfiles } from "../../src/profile/describe.ts";
import { profilesFor } from "../../src/profile/pick-profile.ts";
import { resolveSpawn } from "../../src/profile/resolve-spawn.ts";
import { writeConfig } from "../fixtures/config/write-config.ts";

const CONFIG = `import { defineConfig } from "multicluster-kubespawner";
export default defineConfig({
  clusters: {
    aws: { context: "eks", ingressPublicUrl: "https://aws.example.org/", ingressClass: "contour" },
    gcp: { context: "gke", ingressPublicUrl: "http://34.1.2.3", namespace: "jhub-{{username}}", createNamespace: true },
    split: { context: "x", ingressPublicUrl: "http://10.0.0.1", namespace: "ns-{{servername}}" },
  },
  defaults: {
    memLimit: "1G",
    environment: { A: "defaults", B: "defaults" },
    patches: {
      "b-default": "kind: Pod # defaults b",
      "a-shared": "kind: Pod # defaults a",
    },
    resources: { home: "kind: PersistentVolumeClaim" },
  },
  profiles: [
    { slug: "small", displayName: "Small", cluster: "aws", fallbackClusters: ["gcp"] },
    {
      slug: "gpu",
      displayName: "GPU",
      description: "A100s in us-central1",
      cluster: "gcp",
      default: true,
      image: "gpu:1",
      memLimit: "8G",
      cpuLimit: "500m",
      environment: { B: "profile", C: (ctx) => ctx.key },
      patches: {
        "c-profile": "kind: Pod # profile c",
        "a-shared": "kind: Pod # profile a",
      },
      options: {
        size: {
          displayName: "Size",
          choices: {
            s: { displayName: "S", overrides: { memLimit: "2G", memGuarantee: "512M" } },
            l: { displayName: "L", default: true, overrides: { memLimit: "16G", patches: { "0-size": "kind: Pod # size" } } },
          },
        },
        image: {
          displayName: "Image",
          choices: { base: { displayName: "Base" } },
          unlisted: {
            displayName: "Other image",
            validation: /[a-z0-9./-]+:[a-z0-9.]+/,
            validationMessage: "give an image like repo/name:tag",
            overrides: (v) => (v.startsWith("bad/") ? ({ prot: 1 } as never) : v.startsWith("slow/") ? ({ startTimeout: 3600 } as never) : { image: v, patches: { "a-shared": "kind: Pod # image option" } }),
          },
        },
      },
    },
    { slug: "admins", displayName: "Admins only", cluster: "aws", allowed: (u) => u.groups?.includes("admins") ?? false },
    { slug: "per-server", displayName: "Per-server namespace", cluster: "split" },
  ],
});
`;

let config: ResolvedConfig;
let configPath: string;
const alice = { name: "alice" };
const lineOf = (needle: string) => `config.ts:${CONFIG.split("\n").findIndex((l) => l.includes(needle)) + 1}`;
const spawn = (req: Partial<SpawnRequest>) => resolveSpawn(config, { user: alice, server: "", ...req });

function userError(fn: () => unknown): UserError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UserError, String(err));
    return err;
  }
  assert.fail("expected a UserError");
}

before(async () => {
  configPath = writeConfig(CONFIG);
  config = (await loadConfig(configPath)).config;
  assert.ok(readFileSync(configPath, "utf8") === CONFIG);
});

describe("picking the profile", () => {
  it("uses the default profile when none is asked for (also for an empty slug)", () => {
    assert.equal(spawn({}).ctx.profile.slug, "gpu");
    assert.equal(spawn({ profile: "" }).ctx.profile.slug, "gpu");
  });

  it("uses the asked-for profile", () => {
    const s = spawn({ profile: "small" });
    assert.equal(s.ctx.profile.slug, "small");
    assert.equal(s.cluster.name, "aws");
    assert.deepEqual(s.ctx.cluster, { name: "aws", context: "eks", routing: "ingress", ingressPublicUrl: "https://aws.example.org", ingressClass: "contour" });
  });

  it("filters by allowed(user)", () => {
    assert.deepEqual(profilesFor(config, alice).map((p) => p.slug), ["small", "gpu", "per-server"]);
    assert.deepEqual(profilesFor(config, { name: "bob", groups: ["admins"] }).map((p) => p.slug), ["small", "gpu", "admins", "per-server"]);
    assert.equal(resolveSpawn(config, { user: { name: "bob", groups: ["admins"] }, server: "", profile: "admins" }).ctx.profile.slug, "admins");
  });

  it("starts on a fallback cluster only when the daemon names one of the profile's", () => {
    const s = spawn({ profile: "small", cluster: "gcp" });
    assert.equal(s.cluster.name, "gcp");
    assert.equal(s.ctx.cluster.name, "gcp");
    assert.equal(s.ctx.namespace, "jhub-alice", "the fallback cluster's namespace");
    assert.equal(spawn({ profile: "small", cluster: "aws" }).ctx.cluster.name, "aws");
    assert.throws(() => spawn({ profile: "small", cluster: "split" }), /neither small's cluster nor one of its fallbacks/);
  });

  it("rejects an unknown slug, naming the allowed ones", () => {
    assert.equal(userError(() => spawn({ profile: "nope" })).message, `unknown profile "nope"; profiles allowed for user "alice": small, gpu, per-server`);
  });

  it("rejects a profile the user may not use", () => {
    assert.equal(userError(() => spawn({ profile: "admins" })).message, `profile "admins" is not allowed for user "alice"; profiles allowed for user "alice": small, gpu, per-server`);
  });
});

describe("options", () => {
  it("take their default choice, else the first", () => {
    assert.deepEqual(spawn({}).ctx.options, { size: "l", image: "base" });
  });

  it("treat an empty value as not sent", () => {
    assert.deepEqual(spawn({ options: { size: "", image: "" } }).ctx.options, { size: "l", image: "base" });
  });

  it("accept a listed choice", () => {
    const s = spawn({ options: { size: "s" } });
    assert.deepEqual(s.ctx.options, { size: "s", image: "base" });
    assert.equal(s.ctx.spawn.memLimit, 2 * 1024 ** 3);
    assert.equal(s.ctx.spawn.memGuarantee, 512 * 1024 ** 2);
  });

  it("accept an unlisted value that matches the whole regex", () => {
    const s = spawn({ options: { image: "me/img:1.2" } });
    assert.equal(s.ctx.spawn.image, "me/img:1.2");
    assert.equal(s.ctx.options.image, "me/img:1.2");
  });

  const rejected: [string, Record<string, string>, string][] = [
    ["a value that is no choice", { size: "huge" }, `invalid value "huge" for option "Size" of profile "gpu": expected one of: s, l`],
    ["an unlisted value failing the regex", { image: "Not An Image" }, `invalid value "Not An Image" for option "Image" of profile "gpu": give an image like repo/name:tag`],
    ["an unlisted value matching only part of the regex", { image: "x y/img:1" }, `invalid value "x y/img:1" for option "Image" of profile "gpu": give an image like repo/name:tag`],
    ["an option the profile does not have", { colour: "red" }, `profile "gpu" has no option "colour"; its options: size, image`],
  ];
  for (const [name, options, message] of rejected) {
    it(`reject ${name}`, () => assert.equal(userError(() => spawn({ options })).message, message));
  }

  it("check the settings an unlisted overrides() returns", () => {
    const err = userError(() => spawn({ options: { image: "bad/img:1" } }));
    assert.equal(err.message, `profiles[1].options.image.unlisted.overrides returned invalid settings for value "bad/img:1"`);
    assert.deepEqual(err.details, [`overrides.prot: unknown key "prot"; did you mean "port"?`]);
  });

  it("refuse a startTimeout from an unlisted overrides(): the longest timeout of the config must not depend on free text", () => {
    const err = userError(() => spawn({ options: { image: "slow/img:1" } }));
    assert.equal(err.message, `profiles[1].options.image.unlisted.overrides returned invalid settings for value "slow/img:1"`);
    assert.match(err.details.join("\n"), /overrides\.startTimeout: a free-text value cannot set the start's timeout.*set startTimeout on the profile or on a listed choice/);
  });
});

describe("merging defaults ← profile ← options", () => {
  it("scalars: the last level that sets one wins; quantities are converted", () => {
    const s = spawn({}).ctx.spawn;
    assert.equal(s.image, "gpu:1");
    assert.equal(s.port, 8888);
    assert.equal(s.serviceAccount, true);
    assert.equal(s.memLimit, 16 * 1024 ** 3, "option l overrides profile 8G");
    assert.equal(s.cpuLimit, 0.5);
    assert.equal(s.memGuarantee, undefined);
    assert.equal(spawn({ profile: "small" }).ctx.spawn.image, "pangeo/pangeo-notebook:latest");
    assert.equal(spawn({ profile: "small" }).ctx.spawn.memLimit, 1024 ** 3);
  });

  it("environment merges by name", () => {
    const env = spawn({}).ctx.spawn.environment;
    assert.deepEqual(Object.keys(env), ["A", "B", "C"]);
    assert.equal(env.A, "defaults");
    assert.equal(env.B, "profile");
    assert.equal(typeof env.C, "function");
  });

  it("patches: each level sorted by key, level after level; a replaced key moves to the later level", () => {
    const summary = (req: Partial<SpawnRequest>) => spawn(req).patches.map((p) => `${p.key} <${p.from}>`);
    assert.deepEqual(summary({ profile: "small" }), ["a-shared <defaults>", "b-default <defaults>"]);
    assert.deepEqual(summary({}), ["b-default <defaults>", "a-shared <profile gpu>", "c-profile <profile gpu>", "0-size <option size=l>"]);
    assert.deepEqual(summary({ options: { image: "me/img:1" } }), [
      "b-default <defaults>",
      "c-profile <profile gpu>",
      "0-size <option size=l>",
      `a-shared <option image="me/img:1">`,
    ]);
  });

  it("patch entries carry their source and where they are written", () => {
    const byKey = new Map(spawn({}).patches.map((p) => [p.key, p]));
    assert.equal(byKey.get("a-shared")?.source, "kind: Pod # profile a");
    assert.equal(byKey.get("a-shared")?.location, lineOf(`"a-shared": "kind: Pod # profile a"`));
    assert.equal(byKey.get("b-default")?.location, lineOf(`"b-default"`));
    assert.equal(byKey.get("0-size")?.location, lineOf(`"0-size"`));
  });

  it("resources follow the same rule", () => {
    assert.deepEqual(spawn({}).resources.map((r) => `${r.key} <${r.from}>`), ["home <defaults>"]);
  });
});

describe("the spawn context", () => {
  it("names, namespace, prefix and hub environment", () => {
    const s = spawn({});
    assert.equal(s.ctx.key, "jupyter-alice");
    assert.equal(s.ctx.username, "alice");
    assert.equal(s.ctx.servername, "");
    assert.equal(s.ctx.namespace, "jhub-alice");
    assert.equal(s.ctx.prefix, "/user/alice/");
    assert.deepEqual(s.hubEnv, {});
    assert.deepEqual(s.ctx.server, { name: "", escapedName: "" });
    assert.ok(Object.isFrozen(s) && Object.isFrozen(s.ctx) && Object.isFrozen(s.ctx.spawn));
  });

  it("a named server, the hub's prefix and environment", () => {
    const env = { JUPYTERHUB_SERVICE_PREFIX: "/hub-base/user/alice/dev/", JUPYTERHUB_API_TOKEN: "t0k3n" };
    const s = spawn({ server: "dev", profile: "small", env });
    assert.equal(s.ctx.key, "jupyter-alice--dev");
    assert.equal(s.ctx.servername, "dev");
    assert.equal(s.ctx.namespace, "default");
    assert.equal(s.ctx.prefix, "/hub-base/user/alice/dev/");
    assert.deepEqual(s.hubEnv, env);
    assert.equal(spawn({ server: "dev" }).ctx.prefix, "/user/alice/dev/");
  });

  it("a namespace template that gives no DNS label for this spawn is a UserError", () => {
    assert.equal(spawn({ profile: "per-server", server: "dev" }).ctx.namespace, "ns-dev");
    assert.match(userError(() => spawn({ profile: "per-server" })).message, /^cluster "split": namespace "ns-\{\{servername\}\}" gives "ns-" for user "alice", which is not a DNS-1123 label/);
  });

  it("rejects a request without a user name", () => {
    assert.equal(userError(() => resolveSpawn(config, { user: { name: "" }, server: "" })).message, "the spawn request has no user name");
  });
});

describe("hostile user and server names", () => {
  const users = ["x\nkind: Secret", "{{key}}", `${"a".repeat(70)}@example.org`, "ünïcødé-名前", "Alice", "alice", "a--b", "-", "jupyter-alice"];
  const servers = ["", "dev", "Dev", "{{key}}", "x\n---\nkind: Secret", "s".repeat(80)];
  const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

  it("every key, user and server label is DNS-1123 safe, ≤ 63 chars, and keys are distinct", () => {
    const keys = new Map<string, string>();
    for (const name of users) {
      for (const server of servers) {
        const s = resolveSpawn(config, { user: { name }, server, profile: "small" });
        const { key, username, servername } = s.ctx;
        for (const label of [key, username, ...(servername ? [servername] : [])]) {
          assert.ok(label.length <= 63 && DNS_LABEL.test(label), `${JSON.stringify(label)} for ${JSON.stringify([name, server])}`);
        }
        assert.equal(s.ctx.user.name, name, "the raw name is kept");
        assert.equal(s.ctx.server.name, server);
        const other = keys.get(key);
        assert.equal(other, undefined, `${JSON.stringify([name, server])} and ${other} share key ${key}`);
        keys.set(key, JSON.stringify([name, server]));
      }
    }
  });

  it("user-controlled names do not leak into the namespace template as text", () => {
    const s = resolveSpawn(config, { user: { name: "{{key}}" }, server: "" });
    assert.ok(!s.ctx.namespace.includes("{"), s.ctx.namespace);
    assert.ok(DNS_LABEL.test(s.ctx.namespace));
  });
});

describe("describeProfiles (profiles.list)", () => {
  it("lists only allowed profiles, marks the default, and is plain JSON", () => {
    const list = describeProfiles(config, alice);
    assert.deepEqual(JSON.parse(JSON.stringify(list)), list, "no functions or RegExps");
    assert.deepEqual(
      list.map((p) => [p.slug, p.default]),
      [["small", false], ["gpu", true], ["per-server", false]],
    );
    assert.deepEqual(list[1], {
      slug: "gpu",
      displayName: "GPU",
      description: "A100s in us-central1",
      default: true,
      options: {
        size: { displayName: "Size", choices: { s: { displayName: "S", default: false }, l: { displayName: "L", default: true } } },
        image: {
          displayName: "Image",
          choices: { base: { displayName: "Base", default: true } },
          unlisted: { displayName: "Other image", validation: "[a-z0-9./-]+:[a-z0-9.]+", validationMessage: "give an image like repo/name:tag" },
        },
      },
    });
    assert.ok(describeProfiles(config, { name: "bob", groups: ["admins"] }).some((p) => p.slug === "admins"));
  });
});
