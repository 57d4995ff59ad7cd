/**
 * Checks that span several fields. They read the raw config defensively (it may also have
 * shape errors, and every problem is reported in one go), skipping what is not shaped right.
 */
import { didYouMean } from "./did-you-mean.ts";
import { jinjaProblem } from "./jinja.ts";
import { isDnsLabel, literalPrefixProblem, NAMESPACE_PLACEHOLDERS, renderNamespace, unknownPlaceholders } from "./namespace-template.ts";
import type { Problem } from "./problems.ts";
import { isObj } from "../objects/plain-data.ts";
import { parseBytes, parseCpu } from "./quantity.ts";
import { patternProblem } from "./option-pattern.ts";
import { describeValue, isRegExp } from "./schema.ts";

type Obj = Record<string, unknown>;
const entries = (v: unknown): [string, unknown][] => (isObj(v) ? Object.entries(v) : []);
const quoteList = (xs: readonly string[]) => xs.map((x) => JSON.stringify(x)).join(", ");

/** Sample values shaped like real ones, to check that a namespace template yields a DNS label. */
const SAMPLE_VARS = { username: "alice", servername: "gpu", key: "jupyter-alice--gpu" };

export function crossCheck(raw: unknown): Problem[] {
  const problems: Problem[] = [];
  const add = (path: PropertyKey[], message: string) => problems.push({ path, message });
  if (!isObj(raw)) return problems;

  const clusterNames = Object.keys(isObj(raw.clusters) ? raw.clusters : {});
  for (const [name, cluster] of entries(raw.clusters)) {
    checkNamespace(isObj(cluster) ? cluster.namespace : undefined, ["clusters", name, "namespace"], add);
    if (!isObj(cluster)) continue;
    if (isObj(cluster.defaults)) checkTemplates(cluster.defaults, ["clusters", name, "defaults"], add);
    if (cluster.ingressPublicUrl === undefined && (cluster.routing === undefined || cluster.routing === "ingress")) {
      add(["clusters", name, "ingressPublicUrl"], 'missing (expected an http(s):// URL with no path, like "https://eu.hub.example.org"); it is needed with ingress routing, or set routing: "pod-ip" if the hub reaches pod IPs directly');
    }
  }

  const defaults = isObj(raw.defaults) ? raw.defaults : {};
  checkLimits(defaults, {}, ["defaults"], add);
  checkTemplates(defaults, ["defaults"], add);

  const profiles = Array.isArray(raw.profiles) ? raw.profiles : [];
  const slugAt = new Map<string, number>();
  const defaultProfiles: number[] = [];
  profiles.forEach((p: unknown, i) => {
    if (!isObj(p)) return;
    if (typeof p.slug === "string") {
      const first = slugAt.get(p.slug);
      if (first === undefined) slugAt.set(p.slug, i);
      else add(["profiles", i, "slug"], `duplicate slug ${JSON.stringify(p.slug)} (also used by profiles[${first}]); slugs must be unique`);
    }
    if (p.default === true) defaultProfiles.push(i);
    if (typeof p.cluster === "string" && !clusterNames.includes(p.cluster)) {
      const hint = didYouMean(p.cluster, clusterNames);
      add(
        ["profiles", i, "cluster"],
        `unknown cluster ${JSON.stringify(p.cluster)}${hint ? `; did you mean ${JSON.stringify(hint)}?` : ""} (known clusters: ${clusterNames.length ? quoteList(clusterNames) : "none, add one under clusters"})`,
      );
    }
    const fallbacks: unknown = p.fallbackClusters;
    if (Array.isArray(fallbacks)) {
      fallbacks.forEach((f: unknown, j) => {
        if (typeof f !== "string") return;
        const where = ["profiles", i, "fallbackClusters", j];
        if (!clusterNames.includes(f)) {
          const hint = didYouMean(f, clusterNames);
          add(where, `unknown cluster ${JSON.stringify(f)}${hint ? `; did you mean ${JSON.stringify(hint)}?` : ""} (known clusters: ${quoteList(clusterNames)})`);
        } else if (f === p.cluster) add(where, `${JSON.stringify(f)} is the profile's own cluster; list only other clusters to fall back to`);
        else if (fallbacks.indexOf(f) !== j) add(where, `${JSON.stringify(f)} is listed twice; list each fallback cluster once`);
      });
    }
    checkLimits(p, defaults, ["profiles", i], add);
    checkTemplates(p, ["profiles", i], add);
    for (const [name, option] of entries(p.options)) checkOption(option, { ...defaults, ...p }, ["profiles", i, "options", name], add);
  });
  if (defaultProfiles.length > 1) {
    const where = defaultProfiles.map((i) => `profiles[${i}]`).join(", ");
    for (const i of defaultProfiles.slice(1)) add(["profiles", i, "default"], `more than one default profile (${where}); mark only one with default: true`);
  }

  const plugins = Array.isArray(raw.plugins) ? raw.plugins : [];
  const pluginAt = new Map<string, number>();
  plugins.forEach((pl: unknown, i) => {
    if (!isObj(pl) || typeof pl.name !== "string") return;
    const first = pluginAt.get(pl.name);
    if (first === undefined) pluginAt.set(pl.name, i);
    else add(["plugins", i, "name"], `duplicate plugin name ${JSON.stringify(pl.name)} (also plugins[${first}])`);
  });
  return problems;
}

type Add = (path: PropertyKey[], message: string) => void;

function checkNamespace(ns: unknown, path: PropertyKey[], add: Add): void {
  if (typeof ns !== "string" || ns === "") return;
  const unknown = unknownPlaceholders(ns);
  if (unknown.length) {
    add(path, `unknown placeholder ${quoteList(unknown.map((u) => `{{${u}}}`))} in ${JSON.stringify(ns)}; use only ${NAMESPACE_PLACEHOLDERS.map((n) => `{{${n}}}`).join(", ")}`);
    return;
  }
  const sample = renderNamespace(ns, SAMPLE_VARS);
  if (!isDnsLabel(sample)) {
    add(path, `namespace ${JSON.stringify(ns)} does not give a DNS-1123 label (lowercase letters, digits and dashes, at most 63 characters; e.g. ${JSON.stringify(sample)} for user "alice")`);
    return;
  }
  const prefix = literalPrefixProblem(ns);
  if (prefix !== undefined) add(path, `${JSON.stringify(ns)}: ${prefix}`);
}

/** A guarantee above its limit, after `base` is overridden by `own` (only reported where `own` sets one). */
function checkLimits(own: Obj, base: Obj, path: PropertyKey[], add: Add): void {
  const pairs = [
    ["memGuarantee", "memLimit", parseBytes],
    ["cpuGuarantee", "cpuLimit", parseCpu],
  ] as const;
  for (const [g, l, parse] of pairs) {
    if (own[g] === undefined && own[l] === undefined) continue;
    const gv = own[g] ?? base[g];
    const lv = own[l] ?? base[l];
    const guarantee = parse(gv);
    const limit = parse(lv);
    if (guarantee !== undefined && limit !== undefined && guarantee > limit) {
      add([...path, own[g] !== undefined ? g : l], `${g} ${describeValue(gv)} is more than ${l} ${describeValue(lv)}; a guarantee cannot exceed its limit`);
    }
  }
}

/** Jinja syntax in a patch or resource template (config/jinja.ts), reported at the template's key. */
function checkTemplates(settings: Obj, path: PropertyKey[], add: Add): void {
  for (const field of ["patches", "resources"] as const) {
    for (const [key, source] of entries(settings[field])) {
      if (typeof source !== "string") continue;
      const problem = jinjaProblem(source);
      if (problem) add([...path, field, key], `template line ${problem.line}: ${problem.message}`);
    }
  }
}

function checkOption(option: unknown, base: Obj, path: PropertyKey[], add: Add): void {
  if (!isObj(option)) return;
  const choices = entries(option.choices);
  const defaults = choices.filter(([, c]) => isObj(c) && c.default === true).map(([k]) => k);
  if (defaults.length > 1) add([...path, "choices"], `more than one default choice (${quoteList(defaults)}); mark at most one with default: true`);
  if (isObj(option.choices) && choices.length === 0 && option.unlisted === undefined) add([...path, "choices"], "no choices; add at least one choice or an unlisted entry");
  for (const [slug, c] of choices) {
    if (!isObj(c) || !isObj(c.overrides)) continue;
    checkLimits(c.overrides, base, [...path, "choices", slug, "overrides"], add);
    checkTemplates(c.overrides, [...path, "choices", slug, "overrides"], add);
  }
  const unlisted = isObj(option.unlisted) ? option.unlisted : undefined;
  const validation = unlisted?.validation;
  if (typeof validation === "string" || isRegExp(validation)) {
    const problem = patternProblem(validation);
    if (problem !== undefined) add([...path, "unlisted", "validation"], problem);
  }
}

