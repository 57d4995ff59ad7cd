/** The layering check of npm test (scripts/check-layers.ts), on small made-up trees. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { importsOf, layerViolations, readLayers } from "../../scripts/check-layers.ts";

const DOC = `
# x
| layer | folder |
| --- | --- |
| 9 | \`not-in-the-marked-table/\` |
<!-- layers:begin -->
| layer | folder | holds |
| --- | --- | --- |
| 1 | \`errors.ts\` | |
| 2 | \`objects/\` | |
| 3 | \`config/\`, \`index.ts\` | |
| 4 | \`kube/\` | |
<!-- layers:end -->
`;

describe("layering check", () => {
  it("reads the layers from the marked table only", () => {
    assert.deepEqual(
      [...readLayers(DOC)],
      [["errors.ts", 1], ["objects/", 2], ["config/", 3], ["index.ts", 3], ["kube/", 4]],
    );
    assert.throws(() => readLayers("no table"), /layers:begin/);
  });

  it("finds static, multi-line, type-only, re-export, side-effect and dynamic imports, not those in comments or packages", () => {
    const source = [
      `/**`,
      ` * const kube = await import("../kube/commented.ts");`,
      ` */`,
      `import { a } from "./a.ts";`,
      `import type {`,
      `  B,`,
      `  C,`,
      `} from "../config/b.ts";`,
      `export { d } from "../objects/d.ts";`,
      `import "./side-effect.ts";`,
      `import { z } from "zod";`,
      `import { readFileSync } from "node:fs";`,
      `// const e = await import("../kube/e.ts");`,
      `async function f() {`,
      `  const { g } = await import("../kube/g.ts");`,
      `}`,
    ].join("\n");
    assert.deepEqual(importsOf(source).sort(), ["../config/b.ts", "../kube/g.ts", "../objects/d.ts", "./a.ts", "./side-effect.ts"]);
  });

  it("fails an import from a higher layer, a folder missing from the table and a row naming no folder", () => {
    const layers = readLayers(DOC);
    const problems = layerViolations(
      [
        { path: "errors.ts", text: "" },
        { path: "index.ts", text: `import type { X } from "./config/types.ts";` },
        { path: "config/types.ts", text: `import type { K } from "../objects/k.ts";\nimport type { Y } from "../index.ts";` },
        { path: "objects/k.ts", text: `import { UserError } from "../errors.ts";\nimport type { Kube } from "../kube/index.ts";` },
        { path: "surprise/x.ts", text: "" },
      ],
      layers,
    );
    assert.equal(problems.length, 3, problems.join("\n"));
    assert.match(problems.join("\n"), /src\/surprise\/ is not in the layer table/);
    assert.match(problems.join("\n"), /names src\/kube\/, which does not exist/);
    assert.match(problems.join("\n"), /src\/objects\/k\.ts \(layer 2, objects\/\) imports src\/kube\/index\.ts \(layer 4, kube\/\), a higher layer/);
  });
});
