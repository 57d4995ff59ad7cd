import { describe, identity } from "./identity.ts";
import type { KubeObject, Origin } from "./types.ts";

interface Entry {
  object: KubeObject;
  origins: Origin[];
}

/**
 * The ordered list of a server's objects, keyed by identity (as kustomize's ResMap):
 * adding a duplicate fails, patches find their target by kind + name, and each object
 * remembers which stages touched it.
 */
export class ObjectSet {
  readonly #entries = new Map<string, Entry>();

  /** Adds an object; `origin` may be a whole history when an object moves between sets. */
  add(object: KubeObject, origin: Origin | readonly Origin[]): void {
    const origins = Array.isArray(origin) ? [...(origin as readonly Origin[])] : [origin as Origin];
    const id = identity(object);
    const existing = this.#entries.get(id);
    if (existing) {
      const first = existing.origins[0];
      const by = origins[0] ? formatOrigin(origins[0]) : "?";
      throw new Error(
        `${describe(object)} is defined twice: by ${by} and by ${first ? formatOrigin(first) : "?"}; give one of them another metadata.name`,
      );
    }
    this.#entries.set(id, { object, origins });
  }

  /** Objects with this kind and name (namespace ignored: a server's objects share one). */
  find(kind: string, name: string): KubeObject | undefined {
    for (const { object } of this.#entries.values()) {
      if (object.kind === kind && object.metadata.name === name) return object;
    }
    return undefined;
  }

  replace(before: KubeObject, after: KubeObject, origin: Origin): void {
    const id = identity(before);
    const entry = this.#entries.get(id);
    if (!entry) throw new Error(`internal: ${describe(before)} is not in the set`);
    if (identity(after) !== id) {
      throw new Error(
        `${formatOrigin(origin)} changed the identity of ${describe(before)} to ${describe(after)}; patches may not rename objects`,
      );
    }
    entry.object = after;
    entry.origins.push(origin);
  }

  origins(obj: KubeObject): readonly Origin[] {
    return this.#entries.get(identity(obj))?.origins ?? [];
  }

  list(): KubeObject[] {
    return [...this.#entries.values()].map((e) => e.object);
  }

  get size(): number {
    return this.#entries.size;
  }
}

export function formatOrigin(o: Origin): string {
  const where = o.location ? ` (${o.location})` : "";
  return o.stage === "builtin" ? "the built-in objects" : `${o.stage} "${o.name}"${where}`;
}
