/** The bed grants its restricted user exactly what `mcks rbac` prints for the bed's tests' config. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseAllDocuments } from "yaml";

const root = join(import.meta.dirname, "../..");

const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as unknown);

test("test/testbed/rbac-minimal.yaml is mcks rbac's output for test/testbed/rbac-config.ts", () => {
  const r = spawnSync(process.execPath, [join(root, "src/main.ts"), "rbac", "-c", join(root, "test/testbed/rbac-config.ts"), "--user", "mcks-restricted"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(docs(readFileSync(join(root, "test/testbed/rbac-minimal.yaml"), "utf8")), docs(r.stdout), "regenerate it with the command in its header");
});
