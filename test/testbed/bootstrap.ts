/**
 * What a real cluster's installer would have done before mcks arrives: the namespaces tests use,
 * the restricted user's minimal RBAC from rbac-minimal.yaml, and the storage classes the agent's
 * provisioner serves (agent/storage.ts). Applied with kubectl as the admin, so it is idempotent.
 */
import { spawn, spawnSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../src/errors.ts";
import { storageManifest } from "./agent/storage.ts";
import { extraNamespaces, testbedSrc } from "./layout.ts";

export const rbacMinimalPath = join(testbedSrc, "rbac-minimal.yaml");

export function bootstrapManifest(): string {
  const docs: string[] = [];
  for (const ns of extraNamespaces) docs.push(`apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`);
  docs.push(readFileSync(rbacMinimalPath, "utf8"));
  docs.push(storageManifest());
  return docs.join("---\n");
}

export function kubectl(kubeconfig: string, context: string, args: readonly string[], input?: string): { status: number; stdout: string; stderr: string } {
  // A shared bed may hold thousands of events and pods: allow big outputs.
  const r = spawnSync("kubectl", ["--kubeconfig", kubeconfig, "--context", context, ...args], { encoding: "utf8", input, timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) {
    const missing = (r.error as NodeJS.ErrnoException).code === "ENOENT";
    throw new UserError(`kubectl ${args.join(" ")} failed: ${r.error.message}${missing ? "; the test bed needs kubectl on PATH" : ""}`);
  }
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** Async kubectl, so `up` can bootstrap every cluster at once. */
function kubectlAsync(kubeconfig: string, context: string, args: readonly string[], input: string): Promise<{ status: number; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("kubectl", ["--kubeconfig", kubeconfig, "--context", context, ...args], { stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", (e) => reject(new UserError(`could not run kubectl (${e.message}); the test bed needs kubectl on PATH`)));
    child.on("exit", (code) => resolve({ status: code ?? 1, stderr }));
    child.stdin.end(input);
  });
}

export async function bootstrapCluster(kubeconfig: string, context: string): Promise<void> {
  // Namespaces come first in the manifest, but a just-created namespace may not be visible to
  // the next object at once, and a just-started API server may still be loading RBAC; retry.
  let last = "";
  for (let attempt = 0; attempt < 10; attempt++) {
    const r = await kubectlAsync(kubeconfig, context, ["apply", "--server-side", "--field-manager=mcks-testbed", "-f", "-"], bootstrapManifest());
    if (r.status === 0) return;
    last = r.stderr.trim();
    await sleep(500);
  }
  throw new UserError(`bootstrapping ${context} (namespaces, RBAC, storage classes) failed: ${last}`);
}
