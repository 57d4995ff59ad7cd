import { array, command, flag, multioption, oneOf, option, optional, string } from "cmd-ts";
import { loadConfig } from "../config/load.ts";
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
    output: option({ long: "output", short: "o", type: oneOf(["yaml", "json"]), defaultValue: () => "yaml" as const }),
    explain: flag({ long: "explain", description: "say above each object which template, patch or plugin made it" }),
  },
  async handler(a) {
    const { config } = await loadConfig(a.config);
    const planned = await planServer(
      config,
      {
        user: { name: a.user, groups: a.groups, admin: a.admin },
        server: a.server,
        profile: a.profile,
        options: keyValues(a.options, "--option"),
        env: { ...PLACEHOLDER_ENV, JUPYTERHUB_SERVICE_PREFIX: serverPrefix(a.user, a.server), ...keyValues(a.env, "--env") },
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
      `# mcks dry-run: user ${JSON.stringify(ctx.user.name)}, server ${JSON.stringify(ctx.server.name)}, profile ${ctx.profile.slug}, cluster ${ctx.cluster.name} (context ${ctx.cluster.context})\n`,
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
