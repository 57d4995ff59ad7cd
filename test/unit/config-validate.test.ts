/**
 * Each class of config mistake: the message AND where it is (config path, file:line).
 * One template config; each case swaps one part, so line numbers are known:
 *   line 5 = cluster "gcp", line 8-9 = profiles, line 9 = the profile under test, line 11 = extra keys.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import { UserError } from "../../src/errors.ts";
import { writeConfig } from "../fixtures/config/write-config.ts";

interface Parts {
  cluster?: string;
  profile?: string;
  profiles?: string;
  extra?: string;
}

function template(p: Parts): string {
  return [
    `import { defineConfig } from "multicluster-kubespawner";`,
    `export default defineConfig({`,
    `  clusters: {`,
    `    aws: { context: "aws", ingressPublicUrl: "https://aws.example.org" },`,
    `    gcp: ${p.cluster ?? `{ context: "gcp", ingressPublicUrl: "http://34.1.2.3" }`},`,
    `  },`,
    `  profiles: [`,
    p.profiles ?? `    { slug: "small", displayName: "Small", cluster: "aws" },\n    ${p.profile ?? `{ slug: "big", displayName: "Big", cluster: "gcp" }`},`,
    `  ],`,
    `  ${p.extra ?? ""}`,
    `} as any);`,
    ``,
  ].join("\n");
}

async function problems(text: string): Promise<readonly string[]> {
  try {
    await loadConfig(writeConfig(text));
  } catch (err) {
    assert.ok(err instanceof UserError, String(err));
    assert.match(err.message, /^failed to load config from .*config\.ts: the config has \d+ problems?$/);
    return err.details;
  }
  assert.fail("the config should have been rejected");
}

const GPU_DEFAULTS = `options: { gpu: { displayName: "GPU", choices: { a: { displayName: "A", default: true }, b: { displayName: "B", default: true } } } }`;

const cases: { name: string; parts: Parts; details: string[] }[] = [
  {
    name: "memory quantity",
    parts: { profile: `{ slug: "big", displayName: "Big", cluster: "gcp", memLimit: "lots" }` },
    details: [`config.ts:9: profiles[1].memLimit: expected a quantity like "512M", "2G" or a number of bytes (got "lots")`],
  },
  {
    name: "CPU quantity",
    parts: { profile: `{ slug: "big", displayName: "Big", cluster: "gcp", cpuLimit: "fast" }` },
    details: [`config.ts:9: profiles[1].cpuLimit: expected a CPU quantity like 0.5, 2 or "500m" (got "fast")`],
  },
  {
    name: "unknown profile key, with a suggestion",
    parts: { profile: `{ slug: "big", displayName: "Big", cluster: "gcp", memLimt: "1G" }` },
    details: [`config.ts:9: profiles[1].memLimt: unknown key "memLimt"; did you mean "memLimit"?`],
  },
  {
    name: "unknown top-level key, with a suggestion",
    parts: { extra: `plugin: [],` },
    details: [`config.ts:11: plugin: unknown key "plugin"; did you mean "plugins"?`],
  },
  {
    name: "unknown key with nothing close: lists the known keys",
    parts: { extra: `colour: "red",` },
    details: [`config.ts:11: colour: unknown key "colour"; known keys: clusters, defaults, profiles, plugins, startTimeout, pollGracePeriod, hubId`],
  },
  {
    name: "misspelt cluster key: missing field and unknown key",
    parts: { cluster: `{ context: "gcp", ingressPublicURL: "http://34.1.2.3" }` },
    details: [
      `config.ts:5: clusters.gcp.ingressPublicURL: unknown key "ingressPublicURL"; did you mean "ingressPublicUrl"?`,
      `config.ts:5: clusters.gcp.ingressPublicUrl: missing (expected an http(s):// URL with no path, like "https://eu.hub.example.org"); it is needed with ingress routing, or set routing: "pod-ip" if the hub reaches pod IPs directly`,
    ],
  },
  {
    name: "unknown routing",
    parts: { cluster: `{ context: "gcp", routing: "nodeport" }` },
    details: [`config.ts:5: clusters.gcp.routing: expected one of "ingress", "pod-ip" (got "nodeport")`],
  },
  {
    name: "missing required field",
    parts: { cluster: `{ ingressPublicUrl: "http://34.1.2.3" }` },
    details: [`config.ts:5: clusters.gcp.context: missing (expected string)`],
  },
  {
    name: "wrong type",
    parts: { profile: `{ slug: "big", displayName: 3, cluster: "gcp" }` },
    details: [`config.ts:9: profiles[1].displayName: expected string (got 3)`],
  },
  {
    name: "port out of range",
    parts: { profile: `{ slug: "big", displayName: "Big", cluster: "gcp", port: 70000 }` },
    details: [`config.ts:9: profiles[1].port: expected a port number from 1 to 65535 (got 70000)`],
  },
  {
    name: "ingress URL with a path",
    parts: { cluster: `{ context: "gcp", ingressPublicUrl: "https://gcp.example.org/hub" }` },
    details: [`config.ts:5: clusters.gcp.ingressPublicUrl: expected an http(s):// URL with no path, like "https://eu.hub.example.org" (got "https://gcp.example.org/hub")`],
  },
  {
    name: "ingress URL without a scheme",
    parts: { cluster: `{ context: "gcp", ingressPublicUrl: "34.1.2.3" }` },
    details: [`config.ts:5: clusters.gcp.ingressPublicUrl: expected an http(s):// URL with no path, like "https://eu.hub.example.org" (got "34.1.2.3")`],
  },
  {
    name: "slug not URL-safe",
    parts: { profile: `{ slug: "Big One", displayName: "Big", cluster: "gcp" }` },
    details: [`config.ts:9: profiles[1].slug: expected a slug of lowercase letters, digits and dashes, like "aws-us-east-1" (got "Big One")`],
  },
  {
    name: "no profiles",
    parts: { profiles: `` },
    details: [`config.ts:7: profiles: at least one profile is needed`],
  },
  {
    name: "unknown cluster lists the known ones",
    parts: { profile: `{ slug: "big", displayName: "Big", cluster: "azure" }` },
    details: [`config.ts:9: profiles[1].cluster: unknown cluster "azure" (known clusters: "aws", "gcp")`],
  },
  {
    name: "misspelt cluster name gets a suggestion",
    parts: { profile: `{ slug: "big", displayName: "Big", cluster: "gpc" }` },
    details: [`config.ts:9: profiles[1].cluster: unknown cluster "gpc"; did you mean "gcp"? (known clusters: "aws", "gcp")`],
  },
  {
    name: "fallback clusters: unknown (with a suggestion), the profile's own, listed twice",
    parts: { profile: `{ slug: "big", displayName: "Big", cluster: "aws", fallbackClusters: ["gpc", "aws", "gcp", "gcp"] }` },
    details: [
      `config.ts:9: profiles[1].fallbackClusters[0]: unknown cluster "gpc"; did you mean "gcp"? (known clusters: "aws", "gcp")`,
      `config.ts:9: profiles[1].fallbackClusters[1]: "aws" is the profile's own cluster; list only other clusters to fall back to`,
      `config.ts:9: profiles[1].fallbackClusters[3]: "gcp" is listed twice; list each fallback cluster once`,
    ],
  },
  {
    name: "duplicate slugs",
    parts: { profile: `{ slug: "small", displayName: "Big", cluster: "gcp" }` },
    details: [`config.ts:7: profiles[1].slug: duplicate slug "small" (also used by profiles[0]); slugs must be unique`],
  },
  {
    name: "more than one default profile",
    parts: { profiles: `    { slug: "small", displayName: "Small", cluster: "aws", default: true },\n    { slug: "big", displayName: "Big", cluster: "gcp", default: true },` },
    details: [`config.ts:9: profiles[1].default: more than one default profile (profiles[0], profiles[1]); mark only one with default: true`],
  },
  {
    name: "guarantee above limit in one profile",
    parts: { profile: `{ slug: "big", displayName: "Big", cluster: "gcp", memGuarantee: "4G", memLimit: "2G" }` },
    details: [`config.ts:9: profiles[1].memGuarantee: memGuarantee "4G" is more than memLimit "2G"; a guarantee cannot exceed its limit`],
  },
  {
    name: "profile guarantee above the defaults' limit",
    parts: { profile: `{ slug: "big", displayName: "Big", cluster: "gcp", cpuGuarantee: 2 }`, extra: `defaults: { cpuLimit: "500m" },` },
    details: [`config.ts:9: profiles[1].cpuGuarantee: cpuGuarantee 2 is more than cpuLimit "500m"; a guarantee cannot exceed its limit`],
  },
  {
    name: "more than one default choice",
    parts: { profile: `{ slug: "big", displayName: "Big", cluster: "gcp", ${GPU_DEFAULTS} }` },
    details: [`config.ts:9: profiles[1].options.gpu.choices: more than one default choice ("a", "b"); mark at most one with default: true`],
  },
  {
    name: "unknown key in a choice's overrides",
    parts: { profile: `{ slug: "big", displayName: "Big", cluster: "gcp", options: { gpu: { displayName: "GPU", choices: { a: { displayName: "A", overrides: { imag: "x" } } } } } }` },
    details: [`config.ts:9: profiles[1].options.gpu.choices.a.overrides.imag: unknown key "imag"; did you mean "image"?`],
  },
  {
    name: "unlisted validation regex that does not compile",
    parts: { profile: `{ slug: "big", displayName: "Big", cluster: "gcp", options: { image: { displayName: "Image", choices: {}, unlisted: { displayName: "Other", validation: "([a-z", overrides: (v: string) => ({ image: v }) } } } }` },
    details: [`config.ts:9: profiles[1].options.image.unlisted.validation: invalid regular expression: Invalid regular expression: /([a-z/: Unterminated character class`],
  },
  {
    name: "patch that is neither a template nor a function",
    parts: { extra: `defaults: { patches: { "01-x": 42 } },` },
    details: [`config.ts:11: defaults.patches["01-x"]: expected a template string or a function returning objects (got 42)`],
  },
  {
    name: "environment value that is not a string",
    parts: { extra: `defaults: { environment: { A: 1 } },` },
    details: [`config.ts:11: defaults.environment.A: expected a string, a function returning a string, or { secret: … } for a value that belongs in the Secret (got 1)`],
  },
  {
    name: "enum value",
    parts: { extra: `defaults: { imagePullPolicy: "always" },` },
    details: [`config.ts:11: defaults.imagePullPolicy: expected one of "Always", "IfNotPresent", "Never" (got "always")`],
  },
  {
    name: "plugins: a name is required, hooks are known ones only",
    parts: { extra: `plugins: [{ preApply() {} }, { name: "p", preaply() {} }],` },
    details: [`config.ts:11: plugins[0].name: missing (expected string)`, `config.ts:11: plugins[1].preaply: unknown key "preaply"; did you mean "preApply"?`],
  },
  {
    name: "namespace template with an unknown placeholder",
    parts: { cluster: `{ context: "gcp", ingressPublicUrl: "http://34.1.2.3", namespace: "jhub-{{user}}" }` },
    details: [`config.ts:5: clusters.gcp.namespace: unknown placeholder "{{user}}" in "jhub-{{user}}"; use only {{username}}, {{servername}}, {{key}}`],
  },
  {
    name: "namespace template without a literal prefix (a user named kube-system would choose the namespace)",
    parts: { cluster: `{ context: "gcp", ingressPublicUrl: "http://34.1.2.3", namespace: "{{username}}" }` },
    details: [
      `config.ts:5: clusters.gcp.namespace: "{{username}}": a namespace template needs a literal prefix ending in "-" before its first placeholder (like "jhub-{{username}}"), so that a user name cannot pick a namespace such as kube-system`,
    ],
  },
  {
    name: "namespace template whose prefix is a system namespace's",
    parts: { cluster: `{ context: "gcp", ingressPublicUrl: "http://34.1.2.3", namespace: "kube-{{username}}" }` },
    details: [`config.ts:5: clusters.gcp.namespace: "kube-{{username}}": the prefix "kube-" is that of a system namespace; choose another one, like "jhub-"`],
  },
  {
    name: "namespace that is not a DNS label",
    parts: { cluster: `{ context: "gcp", ingressPublicUrl: "http://34.1.2.3", namespace: "JHub_{{username}}" }` },
    details: [
      `config.ts:5: clusters.gcp.namespace: namespace "JHub_{{username}}" does not give a DNS-1123 label (lowercase letters, digits and dashes, at most 63 characters; e.g. "JHub_alice" for user "alice")`,
    ],
  },
  {
    name: "seconds must be positive",
    parts: { extra: `startTimeout: 0,` },
    details: [`config.ts:11: startTimeout: expected a number of seconds greater than 0 (got 0)`],
  },
  {
    name: "a profile's startTimeout is seconds too",
    parts: { profile: `{ slug: "big", displayName: "Big", cluster: "gcp", startTimeout: "15m" }` },
    details: [`config.ts:9: profiles[1].startTimeout: expected a number of seconds greater than 0 (got "15m")`],
  },
  {
    name: "a cluster's unschedulableTimeout is seconds or null",
    parts: { cluster: `{ context: "gcp", ingressPublicUrl: "http://34.1.2.3", unschedulableTimeout: -1 }` },
    details: [`config.ts:5: clusters.gcp.unschedulableTimeout: expected a number of seconds greater than 0, or null (got -1)`],
  },
];

describe("config validation: each mistake, its message and location", () => {
  for (const c of cases) {
    it(c.name, async () => {
      assert.deepEqual(await problems(template(c.parts)), c.details);
    });
  }

  it("pod-ip routing needs no ingress URL, and drops one that is given", async () => {
    const { config } = await loadConfig(writeConfig(template({ cluster: `{ context: "gcp", routing: "pod-ip", ingressPublicUrl: "http://34.1.2.3" }` })));
    const gcp = config.clusters.get("gcp")!;
    assert.equal(gcp.routing, "pod-ip");
    assert.equal(gcp.ingressPublicUrl, undefined);
    const bare = (await loadConfig(writeConfig(template({ cluster: `{ context: "gcp", routing: "pod-ip" }` })))).config;
    assert.equal(bare.clusters.get("gcp")!.routing, "pod-ip");
  });

  it("the template itself is valid", async () => {
    const { config } = await loadConfig(writeConfig(template({})));
    assert.deepEqual(config.profiles.map((p) => p.slug), ["small", "big"]);
  });

  it("reports every problem at once", async () => {
    const details = await problems(
      template({
        cluster: `{ context: "gcp", ingressPublicUrl: "ftp://x" }`,
        profile: `{ slug: "small", displayName: "Big", cluster: "azure", memLimit: "lots", port: 0, memLimt: 1 }`,
        extra: `plugins: [{}],`,
      }),
    );
    assert.equal(details.length, 7, details.join("\n"));
    for (const path of ["clusters.gcp.ingressPublicUrl", "profiles[1].memLimit", "profiles[1].port", "profiles[1].memLimt", "plugins[0].name", "profiles[1].cluster", "profiles[1].slug"]) {
      assert.ok(details.some((d) => d.includes(`${path}: `)), `no problem reported for ${path}:\n${details.join("\n")}`);
    }
  });

  it("a config that is not an object", async () => {
    assert.deepEqual(await problems(`export default 42;\n`), [`config: expected object (got 42)`]);
  });
});
