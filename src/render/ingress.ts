import type { Spawn } from "../profile/resolve-spawn.ts";
import { UserError } from "../errors.ts";
import type { KubeObject } from "../objects/types.ts";

/** What the API server refuses in an Exact/Prefix Ingress path (k8s networking validation). */
const REJECTED_IN_PATH = ["//", "/./", "/../", "%2f", "%2F"];

/**
 * Fails early, with the reason, for names whose URL the API server would refuse as an Ingress
 * path (a "/" in a name is percent-encoded to %2F; "." and ".." are path traversal).
 */
function checkPath(path: string, user: string, server: string): void {
  const bad = REJECTED_IN_PATH.find((s) => path.includes(s)) ?? (path.endsWith("/.") || path.endsWith("/..") ? "a trailing dot segment" : undefined);
  if (bad === undefined) return;
  throw new UserError(
    `the server URL prefix ${JSON.stringify(path)} (user ${JSON.stringify(user)}${server ? `, server ${JSON.stringify(server)}` : ""}) contains ${bad.startsWith("a ") ? bad : JSON.stringify(bad)}, which Kubernetes does not accept in an Ingress path; have the hub's authenticator normalise such names (e.g. Authenticator.username_map)`,
  );
}

/**
 * Contour enables websockets only on the Ingress paths this annotation lists, each matched
 * exactly against a rule's path (Contour's ingress processor); kernels talk over websockets.
 * Other controllers ignore it (ingress-nginx passes websockets through without any; a long
 * idle websocket may need its proxy-read-timeout raised: an operator patch).
 */
export const CONTOUR_WEBSOCKET_ROUTES = "projectcontour.io/websocket-routes";

/**
 * Routes the hub's prefix for this server (`/user/<name>/[<server>/]`) to the Service, on any
 * host: the hub's proxy sends its requests to the cluster's ingress address.
 */
export function ingress(spawn: Spawn): KubeObject {
  const { ctx, cluster } = spawn;
  checkPath(ctx.prefix, ctx.user.name, ctx.server.name);
  const spec: Record<string, unknown> = {};
  if (cluster.ingressClass) spec.ingressClassName = cluster.ingressClass;
  spec.rules = [
    {
      // Two hubs behind one ingress controller route the same /user/<name>/ paths: a host keeps them apart.
      ...(cluster.ingressHost ? { host: cluster.ingressHost } : {}),
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
    metadata: { name: ctx.key, namespace: ctx.namespace, annotations: { [CONTOUR_WEBSOCKET_ROUTES]: ctx.prefix } },
    spec,
  };
}
