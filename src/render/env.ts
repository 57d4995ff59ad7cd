/**
 * The notebook container's environment, and which of it must live in the Secret.
 *
 * Precedence (last wins), as JupyterHub's Spawner.get_env orders it: the hub's variables,
 * then the operator's `environment` (which may not override the hub's own JUPYTERHUB_* /
 * JPY_* contract variables), then `defaultUrl` as JUPYTERHUB_DEFAULT_URL (the profile's wins over
 * the hub's default_url). MEM_/CPU_ and JUPYTER_IMAGE[_SPEC] are derived from the container after
 * the patches (container-env.ts); the hub's own values of those are dropped here.
 */
import type { Spawn } from "../profile/resolve-spawn.ts";
import { functionFailed, UserError } from "../errors.ts";
import { CONTAINER_ENV_NAMES } from "./container-env.ts";

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef: { name: string; key: string } };
}

/**
 * The hub's variables that may stand in the Pod spec (read by many more people than the
 * Secret): names, URLs and flags of the JupyterHub single-user contract, none a credential.
 * Every other value the hub sends (its API token, and whatever an authenticator or
 * `c.Spawner.environment` adds: `MY_API_KEY`, `GITHUB_PAT`, `DB_PASSWD`…) goes to the Secret,
 * whatever its name says.
 */
const PUBLIC_HUB_ENV = new Set([
  "JUPYTERHUB_ACTIVITY_URL",
  "JUPYTERHUB_ADMIN_ACCESS",
  "JUPYTERHUB_API_URL",
  "JUPYTERHUB_BASE_URL",
  "JUPYTERHUB_CLIENT_ID",
  "JUPYTERHUB_COOKIE_HOST_PREFIX_ENABLED",
  "JUPYTERHUB_DEBUG",
  "JUPYTERHUB_DEFAULT_URL",
  "JUPYTERHUB_HOST",
  "JUPYTERHUB_OAUTH_ACCESS_SCOPES",
  "JUPYTERHUB_OAUTH_CALLBACK_URL",
  "JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES",
  "JUPYTERHUB_OAUTH_SCOPES",
  "JUPYTERHUB_PUBLIC_HUB_URL",
  "JUPYTERHUB_PUBLIC_URL",
  "JUPYTERHUB_ROOT_DIR",
  "JUPYTERHUB_SERVER_NAME",
  "JUPYTERHUB_SERVICE_PREFIX",
  "JUPYTERHUB_SERVICE_URL",
  "JUPYTERHUB_SINGLEUSER_APP",
  "JUPYTERHUB_SINGLEUSER_EXTENSION",
  "JUPYTERHUB_USER",
]);

/** Whether a variable the hub sent goes to the Secret: all but the harmless contract names above. */
export function isSecretEnvName(name: string): boolean {
  return !PUBLIC_HUB_ENV.has(name);
}

function isHubOwned(name: string): boolean {
  return name.startsWith("JUPYTERHUB_") || name.startsWith("JPY_");
}

/** Secret key names Kubernetes accepts. */
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

export interface EnvPlan {
  /** Secret `stringData`: every hub variable but the public contract names. */
  readonly secret: Record<string, string>;
  readonly vars: EnvVar[];
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The operator's value of `name`, and whether it was marked `{ secret }`. */
function operatorValue(spawn: Spawn, name: string): { value: string; secret: boolean } {
  const entry = spawn.ctx.spawn.environment[name];
  const secret = typeof entry === "object" && entry !== null;
  const v = secret ? entry.secret : entry;
  let value: unknown = v;
  if (typeof v === "function") {
    try {
      value = v(spawn.ctx);
    } catch (err) {
      throw functionFailed(`environment.${name}: the function`, err);
    }
  }
  if (typeof value === "number" || typeof value === "boolean") return { value: String(value), secret };
  if (typeof value !== "string") {
    throw new UserError(`environment.${name}: expected a string (or a function returning one), got ${value === null ? "null" : typeof value}`);
  }
  return { value, secret };
}

export function planEnv(spawn: Spawn): EnvPlan {
  const { ctx } = spawn;
  // The Ingress routes ctx.prefix, so the server must serve exactly there even when the
  // caller passes no hub environment (ctx.prefix is the hub's own value when it passes one).
  const hubEnv: Readonly<Record<string, string>> = { ...spawn.hubEnv, JUPYTERHUB_SERVICE_PREFIX: ctx.prefix };
  const settings = ctx.spawn;
  const computed: Array<[string, string]> = [];
  if (settings.defaultUrl !== undefined) computed.push(["JUPYTERHUB_DEFAULT_URL", settings.defaultUrl]);
  const computedNames = new Set<string>([...computed.map(([n]) => n), ...CONTAINER_ENV_NAMES]);

  const operatorNames = Object.keys(settings.environment)
    .filter((n) => !computed.some(([c]) => c === n) && !(isHubOwned(n) && n in hubEnv))
    .sort(byName);
  const overridden = new Set(operatorNames);

  const secret: Record<string, string> = {};
  const vars: EnvVar[] = [];
  for (const name of Object.keys(hubEnv).sort(byName)) {
    if (overridden.has(name) || computedNames.has(name)) continue;
    const value = hubEnv[name] ?? "";
    if (isSecretEnvName(name)) {
      if (!SECRET_KEY.test(name)) {
        throw new UserError(`the hub passed a variable named ${JSON.stringify(name)}, which cannot be a Secret key; rename it to letters, digits, "-", "_" or "."`);
      }
      secret[name] = value;
      vars.push({ name, valueFrom: { secretKeyRef: { name: ctx.key, key: name } } });
    } else {
      vars.push({ name, value });
    }
  }
  for (const name of operatorNames) {
    const { value, secret: hidden } = operatorValue(spawn, name);
    if (!hidden) {
      vars.push({ name, value });
      continue;
    }
    if (!SECRET_KEY.test(name)) throw new UserError(`environment.${name}: a secret value needs a name of letters, digits, "-", "_" or "."`);
    secret[name] = value;
    vars.push({ name, valueFrom: { secretKeyRef: { name: ctx.key, key: name } } });
  }
  for (const [name, value] of computed) vars.push({ name, value });
  return { secret, vars };
}
