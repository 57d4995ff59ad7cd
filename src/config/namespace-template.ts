/**
 * A cluster's namespace may be a fixed name or a tiny template for per-user namespaces
 * (`"jhub-{{username}}"`). Only three placeholders exist, all already DNS-safe, so this is a
 * plain substitution rather than a template engine: nothing user-controlled can inject text.
 *
 * The values come from hub user names, so a template must not let a user choose a namespace
 * outright: `"{{username}}"` with a user named `kube-system` would put servers (and whatever
 * RBAC the resources grant) into the cluster's system namespace. A template needs a literal
 * prefix ending in `-` (checked by `validate`), and a rendered namespace that is still a system
 * one is refused at render.
 */
export const NAMESPACE_PLACEHOLDERS = ["username", "servername", "key"] as const;
export type NamespaceVars = Readonly<Record<(typeof NAMESPACE_PLACEHOLDERS)[number], string>>;

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && DNS_LABEL.test(s);
}

/** Placeholders used in `template` that are not known. */
export function unknownPlaceholders(template: string): string[] {
  const known: readonly string[] = NAMESPACE_PLACEHOLDERS;
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? "").filter((name) => !known.includes(name));
}

export function renderNamespace(template: string, vars: NamespaceVars): string {
  return template.replace(PLACEHOLDER, (whole, name: string) => (Object.hasOwn(vars, name) ? vars[name as keyof NamespaceVars] : whole));
}

/** Namespaces no user's server may land in through a template. */
const PROTECTED = /^(default|kube-.*|kube|openshift(-.*)?|istio-system|cattle-.*|gatekeeper-system|cert-manager)$/;

/** Why a namespace rendered from a template is refused, or undefined. */
export function protectedNamespaceProblem(namespace: string): string | undefined {
  return PROTECTED.test(namespace) ? `namespace "${namespace}" is a system namespace; no server is placed there from a namespace template` : undefined;
}

/** Why a namespace template lets a user choose the namespace, or undefined when it has a safe literal prefix. */
export function literalPrefixProblem(template: string): string | undefined {
  const first = template.search(/\{\{/);
  if (first === -1) return undefined;
  const prefix = template.slice(0, first);
  if (prefix.length < 2 || !prefix.endsWith("-")) {
    return `a namespace template needs a literal prefix ending in "-" before its first placeholder (like "jhub-{{username}}"), so that a user name cannot pick a namespace such as kube-system`;
  }
  if (PROTECTED.test(prefix.slice(0, -1)) || /^kube-|^openshift-/.test(prefix)) {
    return `the prefix ${JSON.stringify(prefix)} is that of a system namespace; choose another one, like "jhub-"`;
  }
  return undefined;
}
