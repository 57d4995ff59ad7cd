/**
 * Listing a server's (or every server's) objects by label across the kinds mcks manages:
 * one GET per kind. Used by stop (delete.ts) and by startup recovery (startup.ts).
 */
import { UserError } from "../errors.ts";
import type { KindRef, ResourceType } from "../objects/kinds.ts";
import type { KubeClient } from "./clients.ts";
import type { ObjectMeta } from "./informer.ts";
import { collectionPath } from "./resources.ts";

export interface ListedObject {
  readonly type: ResourceType;
  readonly metadata: ObjectMeta;
}

interface List {
  metadata?: { continue?: string };
  items?: { metadata: ObjectMeta }[];
}

/**
 * Objects of `kinds` matching `labelSelector`, in `namespace` (undefined = all namespaces;
 * cluster-scoped kinds are always listed cluster-wide). A kind the cluster does not serve
 * (an operator that is not installed) holds nothing and is skipped.
 */
export async function listByLabel(
  client: KubeClient,
  kinds: readonly KindRef[],
  namespace: string | undefined,
  labelSelector: string,
  signal?: AbortSignal,
): Promise<ListedObject[]> {
  const perKind = await Promise.all(
    kinds.map(async (k): Promise<ListedObject[]> => {
      let type: ResourceType;
      try {
        type = await client.resources.resolve(k.apiVersion, k.kind);
      } catch (err) {
        if (err instanceof UserError && /does not serve/.test(err.message)) return [];
        throw err;
      }
      const out: ListedObject[] = [];
      let cont: string | undefined;
      do {
        const page = await client.http.json<List>({
          method: "GET",
          path: collectionPath(type, namespace),
          query: { labelSelector, limit: 500, continue: cont },
          signal,
        });
        for (const item of page.items ?? []) out.push({ type, metadata: item.metadata });
        cont = page.metadata?.continue || undefined;
      } while (cont);
      return out;
    }),
  );
  return perKind.flat();
}
