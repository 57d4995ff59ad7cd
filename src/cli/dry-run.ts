import { readFileSync } from "node:fs";
import { array, command, flag, multioption, oneOf, option, optional, string } from "cmd-ts";
import { loadConfig } from "../config/load.ts";
import { UserError } from "../errors.ts";
import { formatOrigin } from "../objects/object-set.ts";
import { defaultPatchType } from "../patch/index.ts";
import { serverPrefix } from "../names/prefix.ts";
import { planServer } from "../spawn/plan.ts";
import { keyValues } from "./args.ts";
import { toJson, toYaml } from "./output.ts";

/**
 * What the hub passes that mcks cannot know offline; shown as placeholders so the Secret
 * and env wiring are visible (plus the prefix the hub would send). `--env` overrides.
 */
const PLACEHOLDER_ENV = { JUPYTERHUB_API_TOKEN: "set-by-the-hub-at-spawn" };

/** The --auth-state file: a JSON object (what an authenticator's auth_state is). */
function readAuthState(path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new UserError(`--auth-state ${path}: ${err instanceof Error ? err.message : String(err)}; give a file holding a JSON object`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new UserError(`--auth-state ${path}: expected a JSON object, like {"access_token": "…"}`);
  return value as Record<string, unknown>;
}

export const dryRun = command({
  name: "dry-run",
  description: "Print the objects a user's server would get (after patches and preApply hooks), with no cluster",
  args: {
    config: option({ long: "config", short: "c", type: string, description: "path to config.ts" }),
    user: option({ long: "user", type: string, description: "hub user name" }),
    server: option({ long: "server", type: string, defaultValue: () => "", description: "named server (default: the default server)" }),
    profile: option({ long: "profile", type: optional(string), description: "profile slug (default: the default profile)" }),
    options: multioption({ long: "option", type: array(string), description: "profile option choice, key=value (repeatable)" }),
    env: multioption({ long: "env", type: array(string), description: "environment the hub would pass, KEY=value (repeatable)" }),
    groups: multioption({ long: "group", type: array(string), description: "a hub group of the user (repeatable)" }),
    admin: flag({ long: "admin", description: "the user is a hub admin" }),
    authState: option({ long: "auth-state", type: optional(string), description: "a JSON file with the user's auth_state, as a hub with pass_auth_state sends it" }),
    hubCmd: multioption({ long: "hub-cmd", type: array(string), description: "the hub's c.Spawner.cmd, one word each (repeatable)" }),
    hubArgs: multioption({ long: "hub-arg", type: array(string), description: "the hub's c.Spawner.args, one each (repeatable)" }),
    output: option({ long: "output", short: "o", type: oneOf(["yaml", "json"]), defaultValue: () => "yaml" as const }),
    explain: flag({ long: "explain", description: "say above each object which template, patch or plugin made it" }),
  },
  async handler(a) {
    const { config } = await loadConfig(a.config);
    const planned = await planServer(
      config,
      {
        user: { name: a.user, groups: a.groups, admin: a.admin, ...(a.authState ? { authState: readAuthState(a.authState) } : {}) },
        server: a.server,
        profile: a.profile,
        options: keyValues(a.options, "--option"),
        env: { ...PLACEHOLDER_ENV, JUPYTERHUB_SERVICE_PREFIX: serverPrefix(a.user, a.server), ...keyValues(a.env, "--env") },
        hubCmd: a.hubCmd,
        hubArgs: a.hubArgs,
      },
      {
        log: { info: (m) => process.stderr.write(`mcks: ${m}\n`), warn: (m) => process.stderr.write(`mcks: warning: ${m}\n`) },
        signal: AbortSignal.timeout(config.startTimeout * 1000),
      },
    );
    const objects = planned.objects.list();
    if (a.output === "json") {
      process.stdout.write(toJson(objects));
      return;
    }
    const { ctx } = planned.spawn;
    process.stdout.write(
      `# mcks dry-run: user ${JSON.stringify(ctx.user.name)}, server ${JSON.stringify(ctx.server.name)}, profile ${ctx.profile.slug}, cluster ${ctx.cluster.name} (context ${ctx.cluster.context}), start timeout ${ctx.spawn.startTimeout} s\n`,
    );
    process.stdout.write(
      toYaml(objects, (o) => {
        const notes: string[] = [];
        if (a.explain) notes.push(`from: ${planned.objects.origins(o).map(formatOrigin).join(", then ")}`);
        const patched = planned.objects.origins(o).some((x) => x.stage === "patch");
        if (patched && defaultPatchType(o.apiVersion, o.kind) === "merge") {
          notes.push(`${o.kind} has no built-in schema: patches used JSON merge (RFC 7386), as the API server would`);
        }
        return notes;
      }),
    );
  },
});
