import type { KubeObject } from "./types.ts";

/** `kind/namespace/name`, the identity patches select by and duplicates are detected by. */
export function identity(obj: Pick<KubeObject, "kind" | "metadata">): string {
  return `${obj.kind}/${obj.metadata.namespace ?? ""}/${obj.metadata.name}`;
}

/** `Kind/name` for messages. */
export function describe(obj: Pick<KubeObject, "kind" | "metadata">): string {
  return `${obj.kind}/${obj.metadata.name}`;
}
