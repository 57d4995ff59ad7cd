/**
 * The Kubernetes client (~185 ms to load) and prom-client may only be reached through import(),
 * so commands that never talk to a cluster do not pay for them. Checked on the real bundle's
 * import graph.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { Metafile } from "esbuild";
import { bundle } from "../../build/bundle.ts";
import { eagerChainToLazyPackage } from "../../build/lazy-check.ts";

function meta(edges: Record<string, ReadonlyArray<readonly [string, "import-statement" | "dynamic-import" | "require-call"]>>): Metafile {
  const inputs: Metafile["inputs"] = {};
  for (const [file, imports] of Object.entries(edges)) {
    inputs[file] = { bytes: 1, imports: imports.map(([path, kind]) => ({ path, kind, original: path })) };
  }
  return { inputs, outputs: {} };
}

const KUBE = "node_modules/@kubernetes/client-node/dist/index.js";

test("lazy check: finds a static chain from src/main.ts to the client", () => {
  const m = meta({
    "src/main.ts": [["src/cli/index.ts", "import-statement"]],
    "src/cli/index.ts": [["src/cli/serve.ts", "import-statement"]],
    "src/cli/serve.ts": [[KUBE, "import-statement"]],
    [KUBE]: [],
  });
  assert.deepEqual(eagerChainToLazyPackage(m), ["src/main.ts", "src/cli/index.ts", "src/cli/serve.ts", KUBE]);
});

test("lazy check: prom-client counts too", () => {
  const prom = "node_modules/prom-client/index.js";
  const m = meta({
    "src/main.ts": [["src/serve/metrics.ts", "import-statement"]],
    "src/serve/metrics.ts": [[prom, "import-statement"]],
    [prom]: [],
  });
  assert.deepEqual(eagerChainToLazyPackage(m), ["src/main.ts", "src/serve/metrics.ts", prom]);
});

test("lazy check: an import() edge breaks the chain", () => {
  const m = meta({
    "src/main.ts": [["src/cli/index.ts", "import-statement"]],
    "src/cli/index.ts": [["src/kube/client.ts", "dynamic-import"]],
    "src/kube/client.ts": [[KUBE, "import-statement"]],
    [KUBE]: [],
  });
  assert.equal(eagerChainToLazyPackage(m), undefined);
});

test("the real bundle loads the Kubernetes client and prom-client only through import()", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mcks-bundle-"));
  try {
    const { metafile } = await bundle({ outfile: join(dir, "main.cjs"), version: "0.0.0-test", commit: "000000000000", declarations: "", minify: false });
    const chain = eagerChainToLazyPackage(metafile);
    assert.equal(chain, undefined, `eager import chain: ${chain?.join(" -> ")}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
