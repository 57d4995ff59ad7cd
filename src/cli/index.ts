import { subcommands } from "cmd-ts";
import { VERSION_LINE } from "../version.ts";
import { doctorCommand } from "./doctor.ts";
import { dryRun } from "./dry-run.ts";
import { importCommand } from "./import.ts";
import { patchCommand } from "./patch.ts";
import { rbacCommand } from "./rbac.ts";
import { serve } from "./serve.ts";
import { statusCommand } from "./status.ts";
import { typesCommand } from "./types.ts";
import { validate } from "./validate.ts";

/** Every verb of `mcks`; each lives in its own file under cli/. */
export const cli = subcommands({
  name: "mcks",
  version: VERSION_LINE,
  description: "multicluster-kubespawner: render, patch and spawn JupyterHub servers in many Kubernetes clusters",
  cmds: { "dry-run": dryRun, validate, patch: patchCommand, serve, status: statusCommand, doctor: doctorCommand, rbac: rbacCommand, types: typesCommand, import: importCommand },
});
