/**
 * Policy plugins: `preApply` hooks that check or amend a server's objects before they reach
 * the cluster. Both are ordinary operator code; copy and adapt them.
 */
import { definePlugin, type KubeObject, type Plugin } from "multicluster-kubespawner";

interface Container {
  name?: string;
  resources?: { limits?: Record<string, unknown> };
}

function containersOf(pod: KubeObject): Container[] {
  const spec = (pod.spec ?? {}) as { containers?: Container[]; initContainers?: Container[] };
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
}

/**
 * Refuse to start a server whose containers have no cpu and memory limit: one runaway
 * notebook must not starve a shared node. Runs after the operator's patches, so a patch
 * that drops a limit is caught too.
 */
export function requireLimits(opts: { resources?: readonly string[] } = {}): Plugin {
  const wanted = opts.resources ?? ["cpu", "memory"];
  return definePlugin({
    name: "require-limits",
    preApply(ctx) {
      for (const obj of ctx.objects) {
        if (obj.kind !== "Pod") continue;
        for (const c of containersOf(obj)) {
          const missing = wanted.filter((r) => c.resources?.limits?.[r] === undefined);
          if (missing.length > 0) {
            throw new Error(
              `container "${c.name ?? "?"}" of Pod/${obj.metadata.name} has no ${missing.join(" or ")} limit; set cpuLimit/memLimit in the profile or a patch`,
            );
          }
        }
      }
    },
  });
}

/** A label value made of a group name: at most 63 of [A-Za-z0-9._-], alphanumeric at both ends. */
function labelValue(s: string): string {
  return s.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "").slice(0, 63);
}

/**
 * Label the user's Pod with one label per hub group (`<prefix><group>: "true"`), so network
 * policies and cost reports can select by group.
 */
export function groupLabels(opts: { prefix: string }): Plugin {
  return definePlugin({
    name: "group-labels",
    preApply(ctx) {
      const groups = (ctx.user.groups ?? []).map(labelValue).filter((g) => g !== "");
      for (const obj of ctx.objects) {
        if (obj.kind !== "Pod") continue;
        obj.metadata.labels ??= {};
        for (const g of groups) obj.metadata.labels[`${opts.prefix}${g}`] = "true";
      }
    },
  });
}
