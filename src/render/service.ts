import type { Spawn } from "../profile/resolve-spawn.ts";
import type { KubeObject } from "../objects/types.ts";
import { LABEL_KEY } from "../objects/labels.ts";
import { COMPONENT_LABEL, PORT_NAME } from "./pod.ts";

/**
 * ClusterIP Service in front of the Pod, on the same port number. The selector adds
 * KubeSpawner's component label to the key label: operator resources carry the key label
 * too, and a Deployment among them must not receive the notebook's traffic.
 */
export function service(spawn: Spawn): KubeObject {
  const { ctx } = spawn;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: ctx.key, namespace: ctx.namespace },
    spec: {
      type: "ClusterIP",
      selector: { [LABEL_KEY]: ctx.key, ...COMPONENT_LABEL },
      ports: [{ name: PORT_NAME, port: ctx.spawn.port, targetPort: PORT_NAME, protocol: "TCP" }],
    },
  };
}
