import { command, option, string } from "cmd-ts";
import { loadConfig } from "../config/load.ts";
import { configWarnings } from "../config/warnings.ts";

export const validate = command({
  name: "validate",
  description: "Load and check config.ts; report every problem with its location; exit 0 when valid",
  args: {
    config: option({ long: "config", short: "c", type: string, description: "path to config.ts" }),
  },
  async handler(a) {
    const { config, dependencies } = await loadConfig(a.config);
    for (const w of configWarnings(config)) process.stderr.write(`mcks: warning: ${w}\n`);
    const files = dependencies.length > 1 ? ` (+${dependencies.length - 1} imported files)` : "";
    process.stdout.write(
      `${a.config}${files}: ok — ${config.clusters.size} clusters, ${config.profiles.length} profiles, ${config.plugins.length} plugins\n`,
    );
  },
});
