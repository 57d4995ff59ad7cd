/**
 * The notebook container's environment, and which of it must live in the Secret.
 *
 * Precedence (last wins), as JupyterHub's Spawner.get_env orders it: the hub's variables,
 * then the operator's `environment` (which may not override the hub's own JUPYTERHUB_* /
 * JPY_* contract variables), then MEM_/CPU_ from the resolved limits.
 */
import type { Spawn } from "../profile/resolve-spawn.ts";
import { UserError } from "../errors.ts";
import { cpuEnv, memoryEnv } from "./quantities.ts";

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string } };
}

/** Hub variables that carry credentials go to the Secret, never into the pod spec. */
export function isSecretEnvName(name: string): boolean {
  return /TOKEN|SECRET|PASSWORD/i.test(name);
}

function isHubOwned(name: string): boolean {
  return name.startsWith("JUPYTERHUB_") || name.startsWith("JPY_");
}

/** Secret key names Kubernetes accepts. */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

export interface EnvPlan {
  /** Secret `stringData`: hub variables whose names say they are credentials. */
  readonly secret: Record<string, string>;
  readonly vars: EnvVar[];
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function operatorValue(spawn: Spawn, name: string): string {
  const v = spawn.ctx.spawn.environment[name];
  let value: unknown = v;
  if (typeof v === "function") {
    try {
      value = v(spawn.ctx);
    } catch (err) {
      throw new UserError(`environment.${name}: the function threw: ${err instanceof Error ? err.message : String(err)}`, [], { cause: err });
    }
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value !== "string") {
    throw new UserError(`environment.${name}: expected a string (or a function returning one), got ${value === null ? "null" : typeof value}`);
  }
  return value;
}

export function planEnv(spawn: Spawn): EnvPlan {
  const { ctx } = spawn;
  // The Ingress routes ctx.prefix, so the server must serve exactly there even when the
  // caller passes no hub environment (ctx.prefix is the hub's own value when it passes one).
  const hubEnv: Readonly<Record<string, string>> = { ...spawn.hubEnv, JUPYTERHUB_SERVICE_PREFIX: ctx.prefix };
  const settings = ctx.spawn;
  const computed: Array<[string, string]> = [];
  if (settings.memLimit) computed.push(["MEM_LIMIT", memoryEnv(settings.memLimit)]);
  if (settings.memGuarantee) computed.push(["MEM_GUARANTEE", memoryEnv(settings.memGuarantee)]);
  if (settings.cpuLimit) computed.push(["CPU_LIMIT", cpuEnv(settings.cpuLimit)]);
  if (settings.cpuGuarantee) computed.push(["CPU_GUARANTEE", cpuEnv(settings.cpuGuarantee)]);
  const computedNames = new Set(computed.map(([n]) => n));

  const operatorNames = Object.keys(settings.environment)
    .filter((n) => !computedNames.has(n) && !(isHubOwned(n) && n in hubEnv))
    .sort(byName);
  const overridden = new Set(operatorNames);

  const secret: Record<string, string> = {};
  const vars: EnvVar[] = [];
  for (const name of Object.keys(hubEnv).sort(byName)) {
    if (overridden.has(name) || computedNames.has(name)) continue;
    const value = hubEnv[name] ?? "";
    if (isSecretEnvName(name)) {
      if (!SECRET_KEY.test(name)) {
        throw new UserError(`the hub passed a credential variable named ${JSON.stringify(name)}, which cannot be a Secret key; rename it to letters, digits, "-", "_" or "."`);
      }
      secret[name] = value;
      vars.push({ name, valueFrom: { secretKeyRef: { name: ctx.key, key: name } } });
    } else {
      vars.push({ name, value });
    }
  }
  for (const name of operatorNames) vars.push({ name, value: operatorValue(spawn, name) });
  for (const [name, value] of computed) vars.push({ name, value });
  return { secret, vars };
}
