import type { Spawn } from "../config/types.ts";
import type { KubeObject } from "../objects/types.ts";

/**
 * Routes the hub's prefix for this server (`/user/<name>/[<server>/]`) to the Service, on any
 * host: the hub's proxy sends its requests to the cluster's ingress address. No annotations:
 * contour and ingress-nginx pass websockets through without any (a long idle websocket may
 * need ingress-nginx's proxy-read-timeout raised: an operator patch).
 */
export function ingress(spawn: Spawn): KubeObject {
  const { ctx, cluster } = spawn;
  const spec: Record<string, unknown> = {};
  if (cluster.ingressClass) spec.ingressClassName = cluster.ingressClass;
  spec.rules = [
    {
      http: {
        paths: [
          {
            path: ctx.prefix,
            pathType: "Prefix",
            backend: { service: { name: ctx.key, port: { number: ctx.spawn.port } } },
          },
        ],
      },
    },
  ];
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "Ingress",
    metadata: { name: ctx.key, namespace: ctx.namespace },
    spec,
  };
}
