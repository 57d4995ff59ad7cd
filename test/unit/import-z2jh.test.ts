/**
 * `mcks import --from z2jh` on what the round trips (test/oracle/import-z2jh.test.ts) do not
 * exercise: every key it cannot carry over is reported with the reason, and what it writes is a
 * config mcks loads.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import { configSource, importZ2jh } from "../../src/import/z2jh.ts";
import { mergeTree } from "../../src/objects/plain-data.ts";
import { resolveSpawn } from "../../src/profile/resolve-spawn.ts";
import { writeConfig } from "../fixtures/config/write-config.ts";

const OPTS = { cluster: "gke", context: "gke-ctx", ingressPublicUrl: "https://gke.example.org", chartVersion: "4.2.0" };

function reasons(values: unknown): Record<string, string> {
  return Object.fromEntries(importZ2jh(values, OPTS).unmapped.map((u) => [u.path, u.reason]));
}

test("helm's merge: mappings merge, null removes a default, lists replace, __proto__ stays data", () => {
  assert.deepEqual(mergeTree({ a: { b: 1, c: 2 }, l: [1, 2] }, { a: { c: null, d: 3 }, l: [9] }), { a: { b: 1, d: 3 }, l: [9] });
  const merged = mergeTree({}, JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>);
  assert.equal(Object.getPrototypeOf(merged), Object.prototype);
  assert.deepEqual(Object.keys(merged), ["__proto__"]);
});

test("what cannot be carried over is reported with the reason", () => {
  const r = reasons({
    hub: { config: {} },
    singleuser: {
      podNameTemplate: "x-{username}",
      extraFiles: { motd: { mountPath: "/etc/motd", stringData: "hi" } },
      storage: { dynamic: { subPath: "home" } },
      extraEnv: { TOKEN: { valueFrom: { secretKeyRef: { name: "s", key: "k" } } } },
      extraLabels: { uid: "{userid}" },
      profileList: [
        { display_name: "Odd", slug: "Odd_Slug", kubespawner_override: { pvc_name_template: "home-{username}", delete_grace_period: 5 } },
        { display_name: "Regex", profile_options: { image: { display_name: "Image", choices: {}, unlisted_choice: { enabled: true, display_name: "Other", validation_regex: "(?P<name>x)", kubespawner_override: { image: "{value}" } } } } },
      ],
    },
  });
  assert.match(r.hub ?? "", /the hub's and the chart's own settings/);
  assert.match(r["singleuser.podNameTemplate"] ?? "", /jupyter-<user>\[--<server>\]/);
  assert.match(r["singleuser.extraFiles.motd.mountPath"] ?? "", /Secret of its own cluster/);
  assert.match(r["singleuser.storage.dynamic.subPath"] ?? "", /mounts the whole claim/);
  assert.match(r["singleuser.environment.TOKEN"] ?? "", /valueFrom/);
  assert.match(r["singleuser.extra_labels.uid"] ?? "", /\{userid\}.*numeric user id/);
  assert.match(r["singleuser.profileList[0].slug"] ?? "", /became "odd-slug"/);
  assert.match(r["singleuser.profileList[0].kubespawner_override.pvc_name_template"] ?? "", /<key>-home/);
  assert.match(r["singleuser.profileList[0].kubespawner_override.delete_grace_period"] ?? "", /grace period/);
  assert.match(r["singleuser.profileList[1].profile_options.image.unlisted_choice.validation_regex"] ?? "", /not a JavaScript regular expression/);
  assert.match(r["scheduling.userScheduler.enabled"] ?? "", /\(a chart default\)/);
});

test("the written config loads, with KubeSpawner's fields as functions of the spawn", async () => {
  const result = importZ2jh(
    {
      singleuser: {
        extraEnv: { WORKSPACE: "/home/{username}/work", PLAIN: "{{literal}}" },
        storage: { type: "static", static: { pvcName: "nfs-home", subPath: "{username}" } },
        profileList: [{ display_name: "A" }, { display_name: "B", kubespawner_override: { cmd: ["start.sh"], args: ["--x"] } }],
      },
    },
    OPTS,
  );
  const path = writeConfig(configSource(result, "values.yaml", "4.2.0"));
  const { config } = await loadConfig(path);
  const a = resolveSpawn(config, { user: { name: "zoë" }, server: "", profile: "a" }).ctx.spawn;
  assert.deepEqual(a.volumeMounts, [{ mountPath: "/home/jovyan", name: "home", subPath: resolveSpawn(config, { user: { name: "zoë" }, server: "" }).ctx.username }]);
  assert.equal((a.environment.WORKSPACE as (c: unknown) => string)(resolveSpawn(config, { user: { name: "bob" }, server: "" }).ctx), "/home/bob/work");
  assert.equal(a.environment.PLAIN, "{literal}", "Python's {{ }} is a literal brace");
  assert.deepEqual(a.args, ["jupyterhub-singleuser"], "the chart's cmd, as the container's args");
  assert.deepEqual(resolveSpawn(config, { user: { name: "bob" }, server: "", profile: "b" }).ctx.spawn.args, ["start.sh", "--x"]);
  assert.equal(a.serviceAccount, false);
});

test("a values-file key cannot end the report comment and run code in config.ts (attack)", async () => {
  const attack = "x*/ globalThis.mcksImportInjected = true; /*";
  const result = importZ2jh({ singleuser: { [attack]: 1 }, hub: { [`a\n*/ globalThis.mcksImportInjected = true; /*`]: 1 } }, OPTS);
  assert.ok(result.unmapped.some((u) => u.path.includes("*/")), "the key reaches the report");
  const source = configSource(result, "values*/ globalThis.mcksImportInjected = true; /*.yaml", "4.2.0");
  await loadConfig(writeConfig(source));
  assert.equal((globalThis as { mcksImportInjected?: boolean }).mcksImportInjected, undefined, "the key's code did not run");
  assert.equal(source.indexOf("*/"), source.indexOf("*/\nimport"), "the only end of the comment is the header's own");
});

test("an imported profile list with repeated slugs and defaults validates: first default kept, the rest reported", async () => {
  const result = importZ2jh(
    {
      singleuser: {
        profileList: [
          { display_name: "Small", default: true },
          { display_name: "small", default: true, profile_options: { image: { display_name: "Image", choices: { a: { display_name: "A", default: true }, b: { display_name: "B", default: true } } } } },
          { display_name: "SMALL", slug: "small-2" },
        ],
      },
    },
    OPTS,
  );
  const r = Object.fromEntries(result.unmapped.map((u) => [u.path, u.reason]));
  assert.match(r["singleuser.profileList[1].slug"] ?? "", /"small" is already an earlier profile's slug; it became "small-2"/);
  assert.match(r["singleuser.profileList[2].slug"] ?? "", /"small-2" is already an earlier profile's slug; it became "small-2-2"/);
  assert.match(r["singleuser.profileList[1].default"] ?? "", /first default profile \("small"\)/);
  assert.match(r["singleuser.profileList[1].profile_options.image.choices.b.default"] ?? "", /first default choice \("a"\)/);
  const { config } = await loadConfig(writeConfig(configSource(result, "values.yaml", "4.2.0")));
  assert.deepEqual(config.profiles.map((p) => [p.slug, p.default === true]), [["small", true], ["small-2", false], ["small-2-2", false]]);
});

test("with the chart's dynamic storage, the report says the chart's existing claims are not reused", () => {
  assert.match(reasons({})["singleuser.storage.dynamic.pvcNameTemplate"] ?? "", /claim-\{username\}.*existing home data.*\(a chart default\)/);
  assert.match(reasons({ singleuser: { storage: { dynamic: { pvcNameTemplate: "home-{username}" } } } })["singleuser.storage.dynamic.pvcNameTemplate"] ?? "", /<key>-home/);
  assert.equal(reasons({ singleuser: { storage: { type: "none" } } })["singleuser.storage.dynamic.pvcNameTemplate"], undefined);
});

test("an unlisted choice's start_timeout is reported and left out (mcks refuses it from free text)", async () => {
  const result = importZ2jh(
    { singleuser: { profileList: [{ display_name: "A", profile_options: { image: { display_name: "Image", choices: {}, unlisted_choice: { enabled: true, validation_regex: "^.+$", kubespawner_override: { image: "{value}", start_timeout: 900 } } } } }] } },
    OPTS,
  );
  assert.match(Object.fromEntries(result.unmapped.map((u) => [u.path, u.reason]))["singleuser.profileList[0].profile_options.image.unlisted_choice.kubespawner_override.start_timeout"] ?? "", /not from free text/);
  const { config } = await loadConfig(writeConfig(configSource(result, "values.yaml", "4.2.0")));
  assert.equal(resolveSpawn(config, { user: { name: "bob" }, server: "", profile: "a", options: { image: "img:1" } }).ctx.spawn.image, "img:1");
});

test("extraEnv as a list of EnvVar: values carried over, only valueFrom entries reported", async () => {
  const result = importZ2jh(
    { singleuser: { extraEnv: [{ name: "WORKSPACE", value: "/home/{username}" }, { name: "EMPTY" }, { name: "TOKEN", valueFrom: { secretKeyRef: { name: "s", key: "k" } } }] } },
    OPTS,
  );
  const reported = result.unmapped.filter((u) => u.path.startsWith("singleuser.environment")).map((u) => u.path);
  assert.deepEqual(reported, ["singleuser.environment.TOKEN"]);
  const { config } = await loadConfig(writeConfig(configSource(result, "values.yaml", "4.2.0")));
  const spawn = resolveSpawn(config, { user: { name: "bob" }, server: "" });
  assert.equal((spawn.ctx.spawn.environment.WORKSPACE as (c: unknown) => string)(spawn.ctx), "/home/bob");
  assert.equal(spawn.ctx.spawn.environment.EMPTY, "");
  assert.equal(spawn.ctx.spawn.environment.TOKEN, undefined);
});
