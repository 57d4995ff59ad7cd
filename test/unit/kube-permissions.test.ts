import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseAllDocuments } from "yaml";
import { REQUIRED_PERMISSIONS } from "../../src/kube/permissions.ts";

test("doctor checks exactly what the documented minimal Role grants", () => {
  const file = join(import.meta.dirname, "../testbed/rbac-minimal.yaml");
  const role = parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS()).find((o) => o.kind === "Role");
  const granted = new Set<string>();
  for (const rule of role.rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>) {
    for (const g of rule.apiGroups) for (const r of rule.resources) for (const v of rule.verbs) granted.add(`${v} ${g}/${r}`);
  }
  const checked = new Set(REQUIRED_PERMISSIONS.flatMap((p) => p.verbs.map((v) => `${v} ${p.group}/${p.resource}`)));
  assert.deepEqual([...checked].sort(), [...granted].sort());
});
