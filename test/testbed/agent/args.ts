/** Command-line flags of the agent (see README.md in this folder). */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { UserError } from "../../../src/errors.ts";
import { defaultImagesFile } from "./images.ts";
import { defaultPools, parsePools, type PoolSpec } from "./pools.ts";

export interface AgentOptions {
  readonly kubeconfig: string;
  readonly context: string;
  readonly cluster: number;
  readonly ingressPort: number;
  readonly pickupDelayMs: number;
  readonly ingressClass: string | undefined;
  readonly images: string;
  readonly logDir: string;
  readonly backoffMs: number;
  /** `testbed-N`: node names, zone and event sources derive from it. */
  readonly clusterName: string;
  readonly pools: readonly PoolSpec[];
  readonly nodeBootSeconds: number;
  readonly leaseRenewSeconds: number;
  readonly scanMs: number;
  readonly scaleDownUnneededSeconds: number;
  readonly provisionDelayMs: number;
  readonly kubeletVersion: string;
}

export const USAGE =
  "usage: node test/testbed/agent/main.ts --kubeconfig FILE --context NAME --cluster N --ingress-port PORT " +
  "[--pickup-delay-ms 300] [--ingress-class NAME] [--images FILE (default: images.json here)] [--log-dir DIR] [--backoff-ms 1000] " +
  "[--pools JSON] [--node-boot-seconds 3] [--lease-renew-seconds 2] [--scan-interval-ms 2000] [--scale-down-unneeded-seconds 20] " +
  "[--provision-delay-ms 1000] [--kubelet-version v0.0.0-testbed]";

function int(name: string, raw: string | undefined, fallback: number | undefined, min: number, max: number): number {
  if (raw === undefined) {
    if (fallback === undefined) throw new UserError(`--${name} is required; ${USAGE}`);
    return fallback;
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UserError(`--${name} ${JSON.stringify(raw)} is not a whole number in ${min}..${max}`);
  }
  return n;
}

export function parseAgentArgs(argv: readonly string[]): AgentOptions {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      options: {
        kubeconfig: { type: "string" },
        context: { type: "string" },
        cluster: { type: "string" },
        "ingress-port": { type: "string" },
        "pickup-delay-ms": { type: "string" },
        "ingress-class": { type: "string" },
        images: { type: "string" },
        "log-dir": { type: "string" },
        "backoff-ms": { type: "string" },
        pools: { type: "string" },
        "node-boot-seconds": { type: "string" },
        "lease-renew-seconds": { type: "string" },
        "scan-interval-ms": { type: "string" },
        "scale-down-unneeded-seconds": { type: "string" },
        "provision-delay-ms": { type: "string" },
        "kubelet-version": { type: "string" },
      },
    }) as { values: Record<string, string | undefined> });
  } catch (err) {
    throw new UserError(`${(err as Error).message}; ${USAGE}`);
  }
  if (!values.kubeconfig) throw new UserError(`--kubeconfig is required; ${USAGE}`);
  if (!values.context) throw new UserError(`--context is required; ${USAGE}`);
  const cluster = int("cluster", values.cluster, undefined, 1, 245);
  return {
    kubeconfig: values.kubeconfig,
    context: values.context,
    cluster,
    ingressPort: int("ingress-port", values["ingress-port"], undefined, 1, 65535),
    pickupDelayMs: int("pickup-delay-ms", values["pickup-delay-ms"], 300, 0, 600_000),
    ingressClass: values["ingress-class"] || undefined,
    images: values.images ?? defaultImagesFile,
    // Absolute: real processes get HOME under it and run with that as their working directory.
    logDir: resolve(values["log-dir"] ?? `.testbed/logs/cluster-${cluster}`),
    backoffMs: int("backoff-ms", values["backoff-ms"], 1000, 10, 600_000),
    clusterName: `testbed-${cluster}`,
    pools: values.pools === undefined ? defaultPools(cluster) : parsePools(json("pools", values.pools), "--pools"),
    nodeBootSeconds: int("node-boot-seconds", values["node-boot-seconds"], 3, 0, 3600),
    leaseRenewSeconds: int("lease-renew-seconds", values["lease-renew-seconds"], 2, 1, 60),
    scanMs: int("scan-interval-ms", values["scan-interval-ms"], 2000, 100, 600_000),
    scaleDownUnneededSeconds: int("scale-down-unneeded-seconds", values["scale-down-unneeded-seconds"], 20, 1, 86_400),
    provisionDelayMs: int("provision-delay-ms", values["provision-delay-ms"], 1000, 0, 600_000),
    kubeletVersion: values["kubelet-version"] ?? "v0.0.0-testbed",
  };
}

function json(name: string, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (err) {
    throw new UserError(`--${name} is not valid JSON (${(err as Error).message}); ${USAGE}`);
  }
}
