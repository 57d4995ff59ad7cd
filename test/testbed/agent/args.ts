/** Command-line flags of the agent (see README.md in this folder). */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { UserError } from "../../../src/errors.ts";
import { defaultImagesFile } from "./images.ts";

export interface AgentOptions {
  readonly kubeconfig: string;
  readonly context: string;
  readonly cluster: number;
  readonly ingressPort: number;
  readonly pickupDelayMs: number;
  readonly ingressClass: string | undefined;
  readonly images: string;
  readonly logDir: string;
  readonly nodeName: string;
  readonly backoffMs: number;
}

export const USAGE =
  "usage: node test/testbed/agent/main.ts --kubeconfig FILE --context NAME --cluster N --ingress-port PORT " +
  "[--pickup-delay-ms 300] [--ingress-class NAME] [--images FILE (default: images.json here)] [--log-dir DIR] [--node-name NAME] [--backoff-ms 1000]";

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
        "node-name": { type: "string" },
        "backoff-ms": { type: "string" },
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
    nodeName: values["node-name"] ?? `testbed-${cluster}-node`,
    backoffMs: int("backoff-ms", values["backoff-ms"], 1000, 10, 600_000),
  };
}
