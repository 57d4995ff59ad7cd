/**
 * Loading config.ts at run time: imports between operator files, the DSL specifier, export
 * forms, and located syntax/runtime errors.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/load.ts";
import { cacheFile } from "../../src/config/transpile.ts";
import { UserError } from "../../src/errors.ts";
import { writeConfig } from "../fixtures/config/write-config.ts";

// Keep this file's transpile cache away from the developer's own.
const CACHE = mkdtempSync(join(tmpdir(), "mcks-transpile-cache-"));
process.env.MCKS_CACHE_DIR = CACHE;

const FIXTURES = join(import.meta.dirname, "../fixtures/config");
const CLUSTERS = `clusters: { aws: { context: "aws", ingressPublicUrl: "https://aws.example.org" } }`;
const PROFILES = `profiles: [{ slug: "small", displayName: "Small", cluster: "aws" }]`;

/** The UserError loadConfig throws for `path`. */
async function loadError(path: string): Promise<UserError> {
  try {
    await loadConfig(path);
  } catch (err) {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    assert.match(err.message, new RegExp(`^failed to load config from ${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
    return err;
  }
  assert.fail(`loading ${path} should have failed`);
}

describe("loadConfig: operator files", () => {
  it("follows relative imports (.ts, .js meaning .ts, folder index, .json) and records each file", async () => {
    const entry = join(FIXTURES, "multi-file/config.ts");
    const { path, config, dependencies } = await loadConfig(entry);
    assert.equal(path, entry);
    assert.deepEqual(
      [...dependencies].sort(),
      ["config.ts", "profiles/aws.ts", "shared/index.ts", "shared/sizes.json", "shared/units.ts"].map((f) => join(FIXTURES, "multi-file", f)),
    );
    assert.deepEqual(config.profiles.map((p) => p.slug), ["gcp", "aws"]);
    assert.equal(config.profiles[1]?.settings.memLimit, 4 * 1024 ** 3, "value computed in an imported file");
    assert.equal(config.defaults.memLimit, "2G", "value read from JSON");
    assert.equal(config.clusters.get("aws")?.namespace, "jhub-{{username}}");
    assert.equal(config.clusters.get("aws")?.ingressPublicUrl, "http://52.1.2.3", "trailing slash trimmed");
    assert.equal(config.locate("01-memory"), "profiles/aws.ts:10");
  });

  it("resolves a folder import to its index.ts", async () => {
    const path = writeConfig({
      "config.ts": `import { clusters } from "./lib";\nexport default { clusters, ${PROFILES} };\n`,
      "lib/index.ts": `export const clusters = { aws: { context: "aws", ingressPublicUrl: "https://aws.example.org" } };\n`,
    });
    const { dependencies } = await loadConfig(path);
    assert.deepEqual(dependencies, [path, join(path, "../lib/index.ts")]);
  });

  it("maps import { defineConfig, definePlugin } from \"multicluster-kubespawner\" to this program's API", async () => {
    const path = writeConfig(`
import { defineConfig, definePlugin } from "multicluster-kubespawner";
import * as mcks from "multicluster-kubespawner";
const plugin = definePlugin({ name: "noop", preApply() {} });
export default defineConfig({ ${CLUSTERS}, ${PROFILES}, plugins: [plugin], startTimeout: typeof mcks.defineConfig === "function" ? 60 : 1 });
`);
    const { config } = await loadConfig(path);
    assert.equal(config.plugins[0]?.name, "noop");
    assert.equal(config.startTimeout, 60);
  });

  it("locates a patch key in the profile asked for, or in the defaults", async () => {
    const path = writeConfig(
      [
        `export default {`,
        `  ${CLUSTERS},`,
        `  profiles: [`,
        `    { slug: "small", displayName: "Small", cluster: "aws", patches: { "01-x": "kind: Pod" } },`,
        `    { slug: "big", displayName: "Big", cluster: "aws", patches: {`,
        `      "01-x": "kind: Pod" } },`,
        `  ],`,
        `  defaults: { patches: {`,
        `    "01-x": "kind: Pod" } },`,
        `};`,
      ].join("\n"),
    );
    const { config } = await loadConfig(path);
    assert.equal(config.locate("01-x", "small"), "config.ts:4");
    assert.equal(config.locate("01-x", "big"), "config.ts:6");
    assert.equal(config.locate("01-x"), "config.ts:9");
    assert.equal(config.locate("02-missing"), undefined);
  });

  const exportForms: [string, string][] = [
    ["export default object", `export default { ${CLUSTERS}, ${PROFILES} };`],
    ["module.exports without a default", `module.exports = { ${CLUSTERS}, ${PROFILES} };`],
    ["a function returning the config", `export default () => ({ ${CLUSTERS}, ${PROFILES} });`],
    ["an async function", `export default async () => { await Promise.resolve(); return { ${CLUSTERS}, ${PROFILES} }; };`],
    ["a promise", `export default Promise.resolve({ ${CLUSTERS}, ${PROFILES} });`],
  ];
  for (const [name, text] of exportForms) {
    it(`accepts ${name}`, async () => {
      const { config } = await loadConfig(writeConfig(text));
      assert.deepEqual(config.profiles.map((p) => p.slug), ["small"]);
    });
  }

  it("applies the defaults of defaults.ts", async () => {
    const { config } = await loadConfig(writeConfig(`export default { ${CLUSTERS}, ${PROFILES} };`));
    assert.deepEqual(config.defaults, { image: "pangeo/pangeo-notebook:latest", port: 8888, serviceAccount: true, allowPrivilegeEscalation: false });
    assert.equal(config.startTimeout, 300);
    assert.equal(config.pollGracePeriod, 300);
    const aws = config.clusters.get("aws");
    assert.equal(aws?.namespace, "default");
    assert.equal(aws?.createNamespace, false);
    assert.equal(config.profiles[0]?.description, "");
    assert.equal(config.profiles[0]?.allowed({ name: "anyone" }), true);
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.profiles) && Object.isFrozen(config.defaults));
  });
});

describe("loadConfig: located errors", () => {
  const cases: { name: string; files: Record<string, string>; detail: string }[] = [
    {
      name: "syntax error (file:line:col)",
      files: { "config.ts": `export default {\n  clusters: {}\n  profiles: [],\n};\n` },
      detail: `config.ts:3:3: Unexpected token, expected ","`,
    },
    {
      name: "syntax error in an imported file",
      files: { "config.ts": `import { x } from "./lib/x.ts";\nexport default x;\n`, "lib/x.ts": `export const x = {\n  a: = 1,\n};\n` },
      detail: `lib/x.ts:2:6: Unexpected token`,
    },
    {
      name: "V8-only syntax error (sucrase accepts it)",
      files: { "config.ts": `let a = 1;\nlet a = 2;\nexport default {};\n` },
      detail: `config.ts:2: SyntaxError: Identifier 'a' has already been declared`,
    },
    {
      name: "error thrown while the config runs",
      files: { "config.ts": `const sizes: Record<string, string> = {};\n\nexport default { memLimit: sizes.small.toUpperCase() };\n` },
      detail: `config.ts:3: TypeError: Cannot read properties of undefined (reading 'toUpperCase')`,
    },
    {
      name: "error thrown in an imported file",
      files: { "config.ts": `import "./boom.ts";\nexport default {};\n`, "boom.ts": `\nthrow new Error("no credentials");\n` },
      detail: `boom.ts:2: no credentials`,
    },
    {
      name: "error thrown by a config function",
      files: { "config.ts": `export default async () => {\n  throw new Error("vault unreachable");\n};\n` },
      detail: `config.ts:2: vault unreachable`,
    },
    {
      name: "relative import that does not exist",
      files: { "config.ts": `import { x } from "./missing.ts";\nexport default x;\n` },
      detail: `config.ts: cannot find "./missing.ts"`,
    },
    {
      name: "package that is not installed",
      files: { "config.ts": `import pad from "left-pad-not-installed";\nexport default pad;\n` },
      detail: `config.ts:1: Cannot find module 'left-pad-not-installed'`,
    },
    {
      name: "nothing exported",
      files: { "config.ts": `const x = 1;\n` },
      detail: `config.ts: nothing is exported; end it with export default defineConfig({ ... })`,
    },
    {
      name: "invalid JSON",
      files: { "config.ts": `import x from "./x.json";\nexport default x;\n`, "x.json": `{ "a": }` },
      detail: `x.json: SyntaxError: Unexpected token`,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const err = await loadError(writeConfig(c.files));
      assert.equal(err.details.length, 1, err.details.join("\n"));
      assert.ok(err.details[0]?.startsWith(c.detail), `detail ${JSON.stringify(err.details[0])} should start with ${JSON.stringify(c.detail)}`);
    });
  }

  it("names a config file that does not exist", async () => {
    const err = await loadError("/nonexistent/config.ts");
    assert.deepEqual(err.details, ["/nonexistent/config.ts: not found; pass the path of your config.ts with -c"]);
  });
});

describe("transpile cache", () => {
  it("reuses the transpiled code of an unchanged file, and can be turned off", async () => {
    const text = `export default { ${CLUSTERS}, ${PROFILES}, startTimeout: 10 };\n`;
    const path = writeConfig(text);
    assert.equal((await loadConfig(path)).config.startTimeout, 10);
    const entry = cacheFile(CACHE, text);
    assert.ok(existsSync(entry), "the first load writes the cache");
    // Tamper with the entry: if the next load reads it, the cache is really used.
    writeFileSync(entry, readFileSync(entry, "utf8").replace("startTimeout: 10", "startTimeout: 42"));
    assert.equal((await loadConfig(path)).config.startTimeout, 42);
    process.env.MCKS_CACHE_DIR = "off";
    try {
      assert.equal((await loadConfig(path)).config.startTimeout, 10);
    } finally {
      process.env.MCKS_CACHE_DIR = CACHE;
    }
  });
});
