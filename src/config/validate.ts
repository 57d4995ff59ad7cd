/**
 * Shape (zod) and cross-field checks of an evaluated config. Every problem is collected and
 * reported in one UserError, one line each: `config.ts:14: profiles[2].memLimit: expected …`.
 */
import type { core } from "zod";
import { UserError } from "../errors.ts";
import { crossCheck } from "./cross-checks.ts";
import { didYouMean } from "./did-you-mean.ts";
import type { Problem } from "./problems.ts";
import { formatPath } from "./problems.ts";
import { describeValue, KNOWN_KEYS, settingsSchema, userConfigSchema } from "./schema.ts";
import type { SourceIndex } from "./source-index.ts";
import type { UserConfig } from "./types.ts";

/** Which kind of object sits at `path`, to suggest the right key names. */
function knownKeysAt(path: readonly PropertyKey[]): readonly string[] {
  const last = path[path.length - 1];
  const parent = path[path.length - 2];
  if (path.length === 0) return KNOWN_KEYS.config;
  if (path.length === 2 && path[0] === "clusters") return KNOWN_KEYS.cluster;
  if (path.length === 2 && path[0] === "plugins") return KNOWN_KEYS.plugin;
  if (path.length === 2 && path[0] === "profiles") return KNOWN_KEYS.profile;
  if (last === "defaults" || last === "overrides") return KNOWN_KEYS.settings;
  if (last === "unlisted") return KNOWN_KEYS.unlisted;
  if (last === "storage") return KNOWN_KEYS.storage;
  if (last === "affinity") return KNOWN_KEYS.affinity;
  if (parent === "options") return KNOWN_KEYS.option;
  if (parent === "choices") return KNOWN_KEYS.choice;
  return [];
}

function problemsOf(issue: core.$ZodIssue): Problem[] {
  const path = issue.path;
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = knownKeysAt(path);
      return issue.keys.map((key) => {
        const hint = didYouMean(key, known);
        const fix = hint ? `did you mean ${JSON.stringify(hint)}?` : `known keys: ${known.join(", ")}`;
        return { path: [...path, key], message: `unknown key ${JSON.stringify(key)}; ${fix}` };
      });
    }
    case "invalid_type":
      return [{ path, message: issue.input === undefined ? `missing (expected ${issue.expected})` : `expected ${issue.expected} (got ${describeValue(issue.input)})` }];
    case "invalid_value":
      return [{ path, message: `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")} (got ${describeValue(issue.input)})` }];
    case "too_small":
      if (issue.origin === "string") return [{ path, message: "must not be empty" }];
      return [{ path, message: issue.message }];
    default:
      return [{ path, message: issue.message }];
  }
}

/** Validate `raw` (what config.ts exported) or throw one UserError listing every problem. */
export function validateConfig(raw: unknown, index: SourceIndex): UserConfig {
  const result = userConfigSchema.safeParse(raw, { reportInput: true });
  const problems = [...(result.success ? [] : result.error.issues.flatMap(problemsOf)), ...crossCheck(raw)];
  if (problems.length === 0) return raw as UserConfig;
  const profiles = typeof raw === "object" && raw !== null && Array.isArray((raw as { profiles?: unknown }).profiles) ? (raw as { profiles: unknown[] }).profiles : [];
  const slugs = profiles.map((p) => (typeof p === "object" && p !== null ? (p as { slug?: unknown }).slug : undefined));
  const details = problems.map((p) => {
    const where = index.locatePath(p.path, slugs);
    return `${where ? `${where}: ` : ""}${formatPath(p.path)}: ${p.message}`;
  });
  throw new UserError(`the config has ${problems.length} problem${problems.length === 1 ? "" : "s"}`, details);
}

/**
 * Problems with settings computed at spawn time (an unlisted option's `overrides(value)`),
 * one line each, paths starting at `overrides`.
 */
export function settingsProblems(value: unknown): string[] {
  const result = settingsSchema.safeParse(value, { reportInput: true });
  if (result.success) return [];
  return result.error.issues
    .map((issue) => ({ ...issue, path: ["overrides", ...issue.path] }) as core.$ZodIssue)
    .flatMap(problemsOf)
    .map((p) => `${formatPath(p.path)}: ${p.message}`);
}
