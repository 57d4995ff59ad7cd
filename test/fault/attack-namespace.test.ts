/**
 * Attack (issue 11, finding 5): a hub user named `kube-system` (or `default`) where the config
 * has a per-user namespace template without a prefix, to have their server, Secret and RBAC
 * resources applied in the cluster's system namespace. The product binary refuses such a
 * template in `validate`, `dry-run` and `serve`, and never renders a system namespace.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { mcks } from "./mcks-cli.ts";

const work = mkdtempSync(join(tmpdir(), "mcks-attack-ns-"));
after(() => rmSync(work, { recursive: true, force: true }));

function config(namespace: string): string {
  const file = join(work, `${namespace.replace(/\W/g, "_")}.ts`);
  writeFileSync(
    file,
    `export default {
  clusters: { c: { context: "c", ingressPublicUrl: "https://c.example.org", namespace: ${JSON.stringify(namespace)}, createNamespace: true } },
  profiles: [{ slug: "p", displayName: "P", cluster: "c" }],
};
`,
  );
  return file;
}

describe("attack: choosing a system namespace through the user name", () => {
  for (const template of ["{{username}}", "{{ username }}-x", "kube-{{username}}", "k-{{servername}}"]) {
    it(`namespace ${JSON.stringify(template)}: refused by validate, dry-run and serve unless it has a literal prefix of its own`, () => {
      const file = config(template);
      const runs = [
        mcks(["validate", "-c", file]),
        mcks(["dry-run", "-c", file, "--user", "kube-system"]),
        mcks(["serve", "-c", file, "--socket", join(work, "s.sock")]),
      ];
      for (const r of runs.slice(0, template.startsWith("k-") ? 0 : 3)) {
        assert.equal(r.status, 1, r.stdout + r.stderr);
        assert.match(r.stderr, /clusters\.c\.namespace: .*(literal prefix ending in "-"|system namespace)/);
        assert.doesNotMatch(r.stdout, /namespace: kube-system/);
      }
      if (template.startsWith("k-")) {
        // A short prefix of its own is fine: nothing a user types can make it a system namespace.
        assert.equal(runs[0]!.status, 0, runs[0]!.stderr);
        const out = mcks(["dry-run", "-c", file, "--user", "kube-system", "--server", "system"]);
        assert.equal(out.status, 0, out.stderr);
        assert.match(out.stdout, /namespace: k-system/);
      }
    });
  }
});
