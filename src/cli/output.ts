import { stringify } from "yaml";
import type { KubeObject } from "../objects/types.ts";

/** Multi-document YAML that `kubectl apply -f -` accepts; `comments` go above each document. */
export function toYaml(objects: readonly KubeObject[], comments: (o: KubeObject) => string[] = () => []): string {
  return objects
    .map((o) => {
      const head = comments(o).map((c) => `# ${c}\n`).join("");
      return `---\n${head}${stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })}`;
    })
    .join("");
}

/** A `v1/List`, which kubectl also accepts. */
export function toJson(objects: readonly KubeObject[]): string {
  return `${JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }, null, 2)}\n`;
}
