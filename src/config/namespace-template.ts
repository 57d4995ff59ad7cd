/**
 * A cluster's namespace may be a fixed name or a tiny template for per-user namespaces
 * (`"jhub-{{username}}"`). Only three placeholders exist, all already DNS-safe, so this is a
 * plain substitution rather than a template engine: nothing user-controlled can inject text.
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
