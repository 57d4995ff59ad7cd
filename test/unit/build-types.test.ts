/**
 * `mcks types` output: the flattened public .d.ts must let an operator's editor type-check a
 * config.ts that imports "multicluster-kubespawner", under the setups operators actually have
 * (no @types/node, DOM lib, @types/node; node_modules placement or a `paths` mapping).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { generateDeclarations } from "../../build/declarations.ts";
import { ROOT } from "../../build/paths.ts";
import { writeDeclarations } from "../../src/cli/types.ts";

const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");

const GOOD_CONFIG = `import { defineConfig, definePlugin, type SpawnContext } from "multicluster-kubespawner";

const audit = definePlugin({
  name: "audit",
  preApply: async (ctx) => {
    if (ctx.signal.aborted) return;
    ctx.log.info(ctx.objects.length + " objects for " + ctx.user.name);
  },
});

export default defineConfig({
  clusters: {
    aws: { context: "aws-ctx", ingressPublicUrl: "https://aws.example.org", namespace: "jhub-{{username}}", createNamespace: true },
  },
  defaults: { memLimit: "2G", cpuLimit: 1, environment: { WHO: (ctx: SpawnContext) => ctx.user.name } },
  profiles: [
    {
      slug: "small", displayName: "Small", cluster: "aws", default: true,
      patches: { "01-mem": "kind: Pod\\nmetadata:\\n  name: {{key}}\\n" },
      options: { image: { displayName: "Image", choices: { base: { displayName: "Base", default: true } },
        unlisted: { displayName: "Other", validation: /^[a-z/:.-]+$/, overrides: (v) => ({ image: v }) } } },
      allowed: (user) => user.groups?.includes("staff") ?? false,
    },
  ],
  plugins: [audit],
});
`;

// A misspelt field must be an error, not silently accepted.
const BAD_CONFIG = GOOD_CONFIG.replace('memLimit: "2G"', 'memLimt: "2G"');

let dir = "";
let dts = "";

before(() => {
  dts = generateDeclarations();
  dir = mkdtempSync(join(tmpdir(), "mcks-types-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

interface Setup {
  readonly name: string;
  readonly esm: boolean;
  readonly placement: "node_modules" | "paths";
  readonly flags: readonly string[];
}

const SETUPS: readonly Setup[] = [
  { name: "nodenext ESM, no DOM, no @types/node", esm: true, placement: "node_modules", flags: ["--module", "nodenext", "--lib", "es2023", "--types", ""] },
  { name: "nodenext CJS, DOM lib", esm: false, placement: "node_modules", flags: ["--module", "nodenext", "--lib", "es2023,dom", "--types", ""] },
  { name: "bundler resolution with @types/node", esm: true, placement: "node_modules", flags: ["--module", "esnext", "--moduleResolution", "bundler", "--lib", "es2023", "--types", "node", "--typeRoots", join(ROOT, "node_modules", "@types")] },
  { name: "tsconfig paths mapping", esm: true, placement: "paths", flags: [] },
];

function project(setup: Setup, config: string): string {
  const p = join(dir, `${setup.name.replace(/\W+/g, "-")}-${config === GOOD_CONFIG ? "good" : "bad"}`);
  mkdirSync(p, { recursive: true });
  writeFileSync(join(p, "package.json"), JSON.stringify(setup.esm ? { type: "module" } : {}));
  writeFileSync(join(p, "config.ts"), config);
  if (setup.placement === "node_modules") {
    writeDeclarations(join(p, "node_modules", "multicluster-kubespawner", "index.d.ts"), dts);
  } else {
    writeFileSync(join(p, "mcks.d.ts"), dts);
    writeFileSync(
      join(p, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext", target: "es2023", lib: ["es2023"], types: [], strict: true, noEmit: true,
          paths: { "multicluster-kubespawner": ["./mcks.d.ts"] },
        },
        files: ["config.ts"],
      }),
    );
  }
  return p;
}

function tsc(setup: Setup, cwd: string): { status: number | null; output: string } {
  const args = setup.placement === "paths"
    ? [TSC, "-p", "tsconfig.json", "--pretty", "false"]
    : [TSC, "config.ts", "--noEmit", "--strict", "--target", "es2023", "--pretty", "false", "--ignoreConfig", ...setup.flags];
  const r = spawnSync(process.execPath, args, { cwd, encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe("mcks types: the generated declarations", () => {
  test("are one module, with no imports to resolve", () => {
    assert.doesNotMatch(dts, /^import\b/m);
    assert.doesNotMatch(dts, /^(import|export)\b[^\n]*\bfrom\s+"/m);
    assert.match(dts, /export declare function defineConfig\(config: UserConfig\): UserConfig;/);
    assert.match(dts, /export declare function definePlugin\(plugin: Plugin\): Plugin;/);
    assert.match(dts, /export interface KubeObject\b/);
  });

  test("declare every name src/index.ts exports, and leave internal types out", () => {
    const index = readFileSync(join(ROOT, "src", "index.ts"), "utf8");
    const names = [
      ...[...index.matchAll(/^export type \{([^}]*)\}/gm)].flatMap((m) => (m[1] ?? "").split(",")),
      ...[...index.matchAll(/^export function (\w+)/gm)].map((m) => m[1] ?? ""),
    ].map((n) => n.trim()).filter(Boolean);
    assert.ok(names.length > 5, `parsed only ${names.length} exports from src/index.ts`);
    for (const n of names) assert.match(dts, new RegExp(`^export (declare function|interface|type) ${n}\\b`, "m"), n);
    // Made only by resolveConfig(); an operator never writes one.
    assert.doesNotMatch(dts, /\bResolvedConfig\b/);
  });

  test("`node src/main.ts types` (no embedded copy) prints the same text, the hint on stderr", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "src", "main.ts"), "types"], { cwd: dir, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, dts);
    assert.match(r.stderr, /node_modules\/multicluster-kubespawner\/index\.d\.ts/);
  });

  for (const setup of SETUPS) {
    test(`type-check a real config.ts (${setup.name})`, () => {
      const r = tsc(setup, project(setup, GOOD_CONFIG));
      assert.equal(r.output, "");
      assert.equal(r.status, 0);
    });

    test(`reject a misspelt field (${setup.name})`, () => {
      const r = tsc(setup, project(setup, BAD_CONFIG));
      assert.notEqual(r.status, 0);
      assert.match(r.output, /config\.ts\(\d+,\d+\): error TS\d+: .*'memLimt'/);
    });
  }
});
