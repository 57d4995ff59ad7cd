/**
 * Turns operator `patches` / `resources` (template strings or TS functions) into objects,
 * each error naming the source key and where it is written.
 */
import { isObj } from "../objects/plain-data.ts";
import type { SpawnContext } from "../config/types.ts";
import type { NamedSource } from "../profile/merge-settings.ts";
import { ConfidentialError, functionFailed, UserError } from "../errors.ts";
import type { KubeObject } from "../objects/types.ts";
import { renderTemplate, TemplateError } from "./template.ts";

export type SourceKind = "patch" | "resource";

export interface RenderedSource {
  readonly source: NamedSource;
  readonly objects: KubeObject[];
}

/** `patch "02-gpu" (config.ts:42)`: how messages name a source. */
export function describeSource(what: SourceKind, source: NamedSource): string {
  const where = source.location ?? source.from;
  return `${what} "${source.key}"${where ? ` (${where})` : ""}`;
}

/**
 * Checks one document is an object a later stage can place: kind + metadata.name always,
 * apiVersion for resources (patches may omit it, as upstream's do).
 */
function checkObject(doc: unknown, what: SourceKind, index: number, count: number): KubeObject {
  const which = count > 1 ? `document ${index + 1}: ` : "";
  if (!isObj(doc)) {
    throw new UserError(`${which}expected a Kubernetes object (a mapping with kind and metadata.name), got ${doc === null ? "null" : Array.isArray(doc) ? "a list" : typeof doc}`);
  }
  const meta = doc.metadata;
  const name = isObj(meta) ? meta.name : undefined;
  const missing: string[] = [];
  if (typeof doc.kind !== "string" || doc.kind === "") missing.push("kind");
  if (typeof name !== "string" || name === "") missing.push("metadata.name");
  if (what === "resource" && (typeof doc.apiVersion !== "string" || doc.apiVersion === "")) missing.push("apiVersion");
  if (missing.length > 0) {
    const kind = typeof doc.kind === "string" ? `${doc.kind} ` : "";
    throw new UserError(`${which}the ${kind}object has no ${missing.join(", no ")}; every ${what} must set ${missing.join(" and ")}`);
  }
  return doc as KubeObject;
}

function fromFunction(fn: (ctx: SpawnContext) => unknown, ctx: SpawnContext, where: string): unknown[] {
  let result: unknown;
  try {
    result = fn(ctx);
  } catch (err) {
    throw functionFailed(`${where}: the function`, err);
  }
  if (result !== null && typeof result === "object" && typeof (result as { then?: unknown }).then === "function") {
    throw new UserError("the function returned a Promise; patches and resources must be computed synchronously");
  }
  if (result === null || result === undefined) return [];
  const list = Array.isArray(result) ? result : [result];
  try {
    // A copy: later stages (plugins) mutate objects, and the operator's value may be shared.
    return structuredClone(list) as unknown[];
  } catch (err) {
    throw new UserError(`the function returned something that is not plain data: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function fromTemplate(template: string, ctx: SpawnContext): unknown[] {
  try {
    return renderTemplate(template, ctx);
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    const line = err.line === undefined ? "template" : err.renderedLine ? `rendered template line ${err.line}` : `template line ${err.line}`;
    throw new UserError(`${line}: ${err.message}`, [], { cause: err });
  }
}

/** Renders each source in order; a source may yield zero, one or several objects. */
export function renderSources(ctx: SpawnContext, sources: readonly NamedSource[], what: SourceKind): RenderedSource[] {
  return sources.map((source) => {
    try {
      const docs = typeof source.source === "string" ? fromTemplate(source.source, ctx) : fromFunction(source.source, ctx, describeSource(what, source));
      return { source, objects: docs.map((d, i) => checkObject(d, what, i, docs.length)) };
    } catch (err) {
      // A function's failure names its source already, and its public part must stay on top.
      if (!(err instanceof UserError) || err instanceof ConfidentialError) throw err;
      throw new UserError(`${describeSource(what, source)}, ${err.message}`, err.details, { cause: err });
    }
  });
}
