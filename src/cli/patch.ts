/**
 * `mcks patch -f OBJECT.yaml --patch-file PATCH.yaml [--type strategic|merge|json] [-o yaml|json]`:
 * offline patch debugging with the output `kubectl patch --local … -o yaml|json` would print
 * (same content, list order and key order). Without --type, the type is the one the API server
 * would use for the kind: strategic for built-ins, JSON merge for custom resources (said on stderr).
 */
import { readFileSync } from "node:fs";
import { command, oneOf, option, optional, string } from "cmd-ts";
import { UserError } from "../errors.ts";
import { defaultPatchType, PATCH_TYPES, type PatchType, patchObject } from "../patch/index.ts";
import { isMap, type Json } from "../patch/json.ts";
import { parseKubectlYaml, printKubectlJson, printKubectlYaml } from "../patch/kubectl-yaml.ts";

export interface PatchRequest {
  readonly objectText: string;
  readonly objectPath: string;
  readonly patchText: string;
  readonly patchPath: string;
  readonly type?: PatchType | undefined;
  readonly output: "yaml" | "json";
}

export interface PatchResult {
  readonly text: string;
  /** Lines for stderr (e.g. which patch type was chosen and why). */
  readonly notes: readonly string[];
}

/** The whole verb without I/O, so tests can call it directly. */
export function runPatch(req: PatchRequest): PatchResult {
  const object = parseKubectlYaml(req.objectText, req.objectPath);
  if (!isMap(object) || typeof object.kind !== "string" || typeof object.apiVersion !== "string") {
    throw new UserError(`${req.objectPath}: not a Kubernetes object; it needs apiVersion, kind and metadata at the top level`);
  }
  const patch = parseKubectlYaml(req.patchText, req.patchPath);
  const notes: string[] = [];
  let type = req.type;
  if (type === undefined) {
    type = defaultPatchType(object.apiVersion, object.kind);
    if (type === "merge") {
      notes.push(`${object.apiVersion}/${object.kind} is not a built-in kind: applying a JSON merge patch, as the API server would (kubectl needs --type merge for it)`);
    }
  }
  const patched = patchObject(object, patch, type) as Json;
  if (!isMap(patched) || typeof patched.kind !== "string" || patched.kind === "") {
    throw new UserError(`${req.patchPath}: the patched object has no kind any more (kubectl refuses it too); keep kind and apiVersion in the object`);
  }
  return { text: req.output === "json" ? printKubectlJson(patched) : printKubectlYaml(patched), notes };
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new UserError(`cannot read the ${what} ${path}: ${reason}`);
  }
}

export const patchCommand = command({
  name: "patch",
  description: "Patch an object offline, exactly like `kubectl patch --local -o yaml` (strategic merge, JSON merge or JSON patch)",
  args: {
    filename: option({ type: string, long: "filename", short: "f", description: "The object to patch (YAML or JSON)" }),
    patchFile: option({ type: optional(string), long: "patch-file", description: "The patch (YAML or JSON)" }),
    patch: option({ type: optional(string), long: "patch", short: "p", description: "The patch inline, instead of --patch-file" }),
    type: option({
      type: optional(oneOf(PATCH_TYPES)),
      long: "type",
      description: "strategic | merge | json (default: strategic for built-in kinds, merge for custom resources)",
    }),
    output: option({ type: oneOf(["yaml", "json"] as const), long: "output", short: "o", defaultValue: () => "yaml" as const, description: "yaml | json" }),
  },
  handler: ({ filename, patchFile, patch, type, output }) => {
    if ((patchFile === undefined) === (patch === undefined)) {
      throw new UserError("give the patch with exactly one of --patch-file PATCH.yaml or --patch '<yaml>'");
    }
    const result = runPatch({
      objectText: readText(filename, "object file"),
      objectPath: filename,
      patchText: patchFile !== undefined ? readText(patchFile, "patch file") : patch!,
      patchPath: patchFile ?? "--patch",
      type,
      output,
    });
    for (const n of result.notes) process.stderr.write(`mcks: ${n}\n`);
    process.stdout.write(result.text);
  },
});
