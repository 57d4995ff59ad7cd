/**
 * The hub Deployment zero-to-jupyterhub renders for given values, for the test of docs/deploy.md's
 * values fragment. The chart cannot be fetched here, so this follows its template by hand:
 * `jupyterhub/templates/hub/deployment.yaml` of chart 4.4.0 (zero-to-jupyterhub-k8s on GitHub),
 * with that chart's default values (`jupyterhub/values.yaml`) for what the fragment leaves unset.
 * What the fragment touches is rendered as the template does: the hub container first, then
 * `hub.extraContainers` as given; `hub.extraVolumes` after the chart's config/secret volumes and
 * before its sqlite PVC; `hub.extraVolumeMounts` after the hub container's own mounts, before the
 * PVC's. Values merge the way Helm merges them: maps key by key, null removes a default, lists and scalars replaced.
 */

import { isObj, mergeTree } from "../../src/objects/plain-data.ts";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

/** The defaults of chart 4.4.0's values.yaml that the hub Deployment template reads. */
const CHART_DEFAULTS: Obj = {
  hub: {
    image: { name: "quay.io/jupyterhub/k8s-hub", tag: "4.4.0", pullPolicy: null },
    db: { type: "sqlite-pvc", upgrade: null },
    extraContainers: [],
    extraVolumes: [],
    extraVolumeMounts: [],
    extraEnv: {},
    resources: {},
    podSecurityContext: { runAsNonRoot: true, fsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
    containerSecurityContext: { runAsUser: 1000, runAsGroup: 1000, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } },
    livenessProbe: { enabled: true, initialDelaySeconds: 300, periodSeconds: 10, failureThreshold: 30, timeoutSeconds: 3 },
    readinessProbe: { enabled: true, initialDelaySeconds: 0, periodSeconds: 2, failureThreshold: 1000, timeoutSeconds: 1 },
    baseUrl: "/",
    deploymentStrategy: { type: "Recreate" },
    serviceAccount: { create: true, name: null },
  },
  scheduling: {
    corePods: {
      tolerations: [
        { key: "hub.jupyter.org/dedicated", operator: "Equal", value: "core", effect: "NoSchedule" },
        { key: "hub.jupyter.org_dedicated", operator: "Equal", value: "core", effect: "NoSchedule" },
      ],
    },
  },
};


const get = (o: Json | undefined, ...path: string[]): Json | undefined => path.reduce<Json | undefined>((cur, k) => (isObj(cur) ? cur[k] : undefined), o);
const list = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : []);

/** The hub Deployment for `userValues` (release name `jupyterhub`, in `namespace`). */
export function hubDeployment(userValues: Obj, namespace: string): Obj {
  const values = mergeTree(CHART_DEFAULTS, userValues) as Obj;
  const hub = get(values, "hub") as Obj;
  const sqlitePvc = get(hub, "db", "type") === "sqlite-pvc";
  const matchLabels: Obj = { component: "hub", app: "jupyterhub", release: "jupyterhub" };
  const probe = (name: "livenessProbe" | "readinessProbe"): Obj => {
    const p = get(hub, name) as Obj;
    return {
      initialDelaySeconds: p.initialDelaySeconds ?? 0,
      periodSeconds: p.periodSeconds ?? 10,
      timeoutSeconds: p.timeoutSeconds ?? 1,
      failureThreshold: p.failureThreshold ?? 3,
      httpGet: { path: `${String(get(hub, "baseUrl")).replace(/\/$/, "")}/hub/health`, port: "http" },
    };
  };
  const hubContainer: Obj = {
    name: "hub",
    image: `${String(get(hub, "image", "name"))}:${String(get(hub, "image", "tag"))}`,
    args: ["jupyterhub", "--config", "/usr/local/etc/jupyterhub/jupyterhub_config.py", ...(sqlitePvc && get(hub, "db", "upgrade") == null ? ["--upgrade-db"] : [])],
    volumeMounts: [
      { mountPath: "/usr/local/etc/jupyterhub/jupyterhub_config.py", subPath: "jupyterhub_config.py", name: "config" },
      { mountPath: "/usr/local/etc/jupyterhub/z2jh.py", subPath: "z2jh.py", name: "config" },
      { mountPath: "/usr/local/etc/jupyterhub/config/", name: "config" },
      { mountPath: "/usr/local/etc/jupyterhub/secret/", name: "secret" },
      ...list(get(hub, "extraVolumeMounts")),
      ...(sqlitePvc ? [{ mountPath: "/srv/jupyterhub", name: "pvc" }] : []),
    ],
    ...(Object.keys((get(hub, "resources") as Obj | undefined) ?? {}).length > 0 ? { resources: get(hub, "resources") as Obj } : {}),
    ...(get(hub, "image", "pullPolicy") ? { imagePullPolicy: get(hub, "image", "pullPolicy") as string } : {}),
    securityContext: get(hub, "containerSecurityContext") as Obj,
    env: [
      { name: "PYTHONUNBUFFERED", value: "1" },
      { name: "HELM_RELEASE_NAME", value: "jupyterhub" },
      { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
      { name: "CONFIGPROXY_AUTH_TOKEN", valueFrom: { secretKeyRef: { name: "hub", key: "hub.config.ConfigurableHTTPProxy.auth_token" } } },
      ...Object.entries((get(hub, "extraEnv") as Obj | undefined) ?? {}).map(([name, v]): Json => (isObj(v) ? { name, ...v } : { name, value: String(v) })),
    ],
    ports: [{ name: "http", containerPort: 8081 }],
    ...(get(hub, "livenessProbe", "enabled") ? { livenessProbe: probe("livenessProbe") } : {}),
    ...(get(hub, "readinessProbe", "enabled") ? { readinessProbe: probe("readinessProbe") } : {}),
  };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "hub", namespace, labels: { ...matchLabels, "app.kubernetes.io/component": "hub", "app.kubernetes.io/name": "jupyterhub", "app.kubernetes.io/instance": "jupyterhub" } },
    spec: {
      replicas: 1,
      selector: { matchLabels },
      strategy: get(hub, "deploymentStrategy") as Obj,
      template: {
        metadata: {
          labels: {
            ...matchLabels,
            "app.kubernetes.io/component": "hub",
            "app.kubernetes.io/name": "jupyterhub",
            "app.kubernetes.io/instance": "jupyterhub",
            "hub.jupyter.org/network-access-proxy-api": "true",
            "hub.jupyter.org/network-access-proxy-http": "true",
            "hub.jupyter.org/network-access-singleuser": "true",
          },
        },
        spec: {
          tolerations: list(get(values, "scheduling", "corePods", "tolerations")),
          affinity: {
            nodeAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, preference: { matchExpressions: [{ key: "hub.jupyter.org/node-purpose", operator: "In", values: ["core"] }] } },
              ],
            },
          },
          volumes: [
            { name: "config", configMap: { name: "hub" } },
            { name: "secret", secret: { secretName: "hub" } },
            ...list(get(hub, "extraVolumes")),
            ...(sqlitePvc ? [{ name: "pvc", persistentVolumeClaim: { claimName: "hub-db-dir" } }] : []),
          ],
          serviceAccountName: "hub",
          securityContext: get(hub, "podSecurityContext") as Obj,
          containers: [hubContainer, ...list(get(hub, "extraContainers"))],
        },
      },
    },
  };
}

/** The Pod the Deployment's ReplicaSet would create (its template as a Pod). */
export function podOf(deployment: Obj, name: string): Obj {
  const template = get(deployment, "spec", "template") as Obj;
  return { apiVersion: "v1", kind: "Pod", metadata: { ...(template.metadata as Obj), name, namespace: get(deployment, "metadata", "namespace") ?? "default" }, spec: template.spec ?? {} };
}
