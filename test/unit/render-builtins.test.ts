import assert from "node:assert/strict";
import { test } from "node:test";
import { parseAllDocuments } from "yaml";
import { renderServer } from "../../src/render/index.ts";
import { makeSpawn, renderAll } from "./render-fixture.ts";

function docs(yaml: string): unknown[] {
  return parseAllDocuments(yaml).map((d) => {
    if (d.errors.length > 0) throw d.errors[0];
    return d.toJS();
  });
}

const LABELS = `
    app.kubernetes.io/managed-by: multicluster-kubespawner
    hub.jupyter.org/username: alice
    hub.jupyter.org/servername: ""
    mcks.hub.jupyter.org/key: jupyter-alice
    mcks.hub.jupyter.org/lifetime: server
  annotations:
    hub.jupyter.org/username: alice
    hub.jupyter.org/servername: ""`;

const EXPECTED = `
apiVersion: v1
kind: ServiceAccount
metadata:
  name: jupyter-alice
  namespace: jhub
  labels:${LABELS}
---
apiVersion: v1
kind: Secret
metadata:
  name: jupyter-alice
  namespace: jhub
  labels:${LABELS}
type: Opaque
stringData:
  JPY_API_TOKEN: s3cr3t-token
  JUPYTERHUB_API_TOKEN: s3cr3t-token
---
apiVersion: v1
kind: Pod
metadata:
  name: jupyter-alice
  namespace: jhub
  labels:
    component: singleuser-server${LABELS}
spec:
  restartPolicy: OnFailure
  serviceAccountName: jupyter-alice
  automountServiceAccountToken: true
  containers:
    - name: notebook
      image: pangeo/pangeo-notebook:latest
      imagePullPolicy: IfNotPresent
      command: [start.sh]
      args: [--debug]
      ports:
        - name: notebook-port
          containerPort: 8888
      env:
        - name: JPY_API_TOKEN
          valueFrom: { secretKeyRef: { name: jupyter-alice, key: JPY_API_TOKEN } }
        - name: JUPYTERHUB_API_TOKEN
          valueFrom: { secretKeyRef: { name: jupyter-alice, key: JUPYTERHUB_API_TOKEN } }
        - { name: JUPYTERHUB_SERVICE_PREFIX, value: /user/alice/ }
        - { name: JUPYTERHUB_USER, value: alice }
        - { name: GREETING, value: hi alice }
        - { name: ZED, value: z }
        - { name: JUPYTER_IMAGE, value: "pangeo/pangeo-notebook:latest" }
        - { name: JUPYTER_IMAGE_SPEC, value: "pangeo/pangeo-notebook:latest" }
        - { name: MEM_LIMIT, value: "2147483648" }
        - { name: MEM_GUARANTEE, value: "536870912" }
        - { name: CPU_LIMIT, value: "2.0" }
        - { name: CPU_GUARANTEE, value: "0.5" }
      resources:
        limits: { cpu: "2", memory: 2Gi }
        requests: { cpu: 500m, memory: 512Mi }
      securityContext: { allowPrivilegeEscalation: false }
---
apiVersion: v1
kind: Service
metadata:
  name: jupyter-alice
  namespace: jhub
  labels:${LABELS}
spec:
  type: ClusterIP
  selector:
    mcks.hub.jupyter.org/key: jupyter-alice
    component: singleuser-server
  ports:
    - { name: notebook-port, port: 8888, targetPort: notebook-port, protocol: TCP }
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: jupyter-alice
  namespace: jhub
  labels:${LABELS}
    projectcontour.io/websocket-routes: /user/alice/
spec:
  ingressClassName: contour
  rules:
    - http:
        paths:
          - path: /user/alice/
            pathType: Prefix
            backend:
              service:
                name: jupyter-alice
                port: { number: 8888 }
`;

const HUB_ENV = {
  JUPYTERHUB_API_TOKEN: "s3cr3t-token",
  JPY_API_TOKEN: "s3cr3t-token",
  JUPYTERHUB_SERVICE_PREFIX: "/user/alice/",
  JUPYTERHUB_USER: "alice",
};

test("a server's built-in objects, in full", () => {
  const spawn = makeSpawn({
    settings: {
      memLimit: 2 * 1024 ** 3,
      memGuarantee: 512 * 1024 ** 2,
      cpuLimit: 2,
      cpuGuarantee: 0.5,
      imagePullPolicy: "IfNotPresent",
      cmd: ["start.sh"],
      args: ["--debug"],
      environment: { ZED: "z", GREETING: (c) => `hi ${c.user.name}` },
    },
    cluster: { ingressClass: "contour" },
    hubEnv: HUB_ENV,
  });
  assert.deepEqual(renderAll(spawn), docs(EXPECTED));
});

test("the hub's token is in the Secret only, never in the Pod spec", () => {
  const objects = renderAll(makeSpawn({ hubEnv: { ...HUB_ENV, MY_PASSWORD: "pw-text", SOME_secret_X: "sx" } }));
  const pod = objects.find((o) => o.kind === "Pod");
  const secret = objects.find((o) => o.kind === "Secret");
  const podText = JSON.stringify(pod);
  for (const s of ["s3cr3t-token", "pw-text", "sx"]) assert.ok(!podText.includes(s), `${s} leaked into the Pod`);
  assert.deepEqual(secret?.stringData, { JPY_API_TOKEN: "s3cr3t-token", JUPYTERHUB_API_TOKEN: "s3cr3t-token", MY_PASSWORD: "pw-text", SOME_secret_X: "sx" });
});

test("without a ServiceAccount the pod gets no token mounted", () => {
  const objects = renderAll(makeSpawn({ settings: { serviceAccount: false } }));
  assert.deepEqual(objects.map((o) => o.kind), ["Secret", "Pod", "Service", "Ingress"]);
  const spec = objects.find((o) => o.kind === "Pod")?.spec as Record<string, unknown>;
  assert.equal(spec.serviceAccountName, undefined);
  assert.equal(spec.automountServiceAccountToken, false);
});

test("no limits or guarantees: no resources and no MEM_/CPU_ variables", () => {
  const pod = renderAll(makeSpawn()).find((o) => o.kind === "Pod");
  const container = (pod?.spec as { containers: Array<Record<string, unknown>> }).containers[0];
  assert.equal(container?.resources, undefined);
  // The prefix the Ingress routes, which the server must serve under, and KubeSpawner's image variables.
  assert.deepEqual(container?.env, [
    { name: "JUPYTERHUB_SERVICE_PREFIX", value: "/user/alice/" },
    { name: "JUPYTER_IMAGE", value: "pangeo/pangeo-notebook:latest" },
    { name: "JUPYTER_IMAGE_SPEC", value: "pangeo/pangeo-notebook:latest" },
  ]);
  const ingress = renderAll(makeSpawn()).find((o) => o.kind === "Ingress");
  assert.equal((ingress?.spec as Record<string, unknown>).ingressClassName, undefined);
});

test("memory and cpu quantities: exact binary units or bytes, millicores", () => {
  const pod = renderAll(makeSpawn({ settings: { memLimit: 1_500_000_000, memGuarantee: 1024, cpuLimit: 0.25, cpuGuarantee: 1.5 } })).find((o) => o.kind === "Pod");
  const c = (pod?.spec as { containers: Array<{ resources: unknown; env: unknown }> }).containers[0];
  assert.deepEqual(c?.resources, { limits: { cpu: "250m", memory: "1500000000" }, requests: { cpu: "1500m", memory: "1Ki" } });
  assert.deepEqual(c?.env, [
    { name: "JUPYTERHUB_SERVICE_PREFIX", value: "/user/alice/" },
    { name: "JUPYTER_IMAGE", value: "pangeo/pangeo-notebook:latest" },
    { name: "JUPYTER_IMAGE_SPEC", value: "pangeo/pangeo-notebook:latest" },
    { name: "MEM_LIMIT", value: "1500000000" },
    { name: "MEM_GUARANTEE", value: "1024" },
    { name: "CPU_LIMIT", value: "0.25" },
    { name: "CPU_GUARANTEE", value: "1.5" },
  ]);
});

test("environment: operator values override the hub's, except its JUPYTERHUB_* contract; an operator's MEM_LIMIT wins, as in JupyterHub", () => {
  const pod = renderAll(
    makeSpawn({
      settings: { memLimit: 1024 ** 2, environment: { LANG: "C.UTF-8", JUPYTERHUB_USER: "mallory", MEM_LIMIT: "1" } },
      hubEnv: { LANG: "en_US.UTF-8", JUPYTERHUB_USER: "alice" },
    }),
  ).find((o) => o.kind === "Pod");
  const env = (pod?.spec as { containers: Array<{ env: unknown }> }).containers[0]?.env;
  assert.deepEqual(env, [
    { name: "JUPYTERHUB_SERVICE_PREFIX", value: "/user/alice/" },
    { name: "JUPYTERHUB_USER", value: "alice" },
    { name: "LANG", value: "C.UTF-8" },
    { name: "MEM_LIMIT", value: "1" },
    { name: "JUPYTER_IMAGE", value: "pangeo/pangeo-notebook:latest" },
    { name: "JUPYTER_IMAGE_SPEC", value: "pangeo/pangeo-notebook:latest" },
  ]);
});

test("a per-user namespace is created first, kept across stops, and shared by the user's servers", () => {
  const a = renderServer(makeSpawn({ server: "gpu", namespace: "jhub-alice", cluster: { createNamespace: true } })).list();
  const b = renderServer(makeSpawn({ server: "", namespace: "jhub-alice", cluster: { createNamespace: true } })).list();
  assert.deepEqual(a[0], b[0]);
  assert.deepEqual(a[0], {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: "jhub-alice",
      labels: {
        "app.kubernetes.io/managed-by": "multicluster-kubespawner",
        "hub.jupyter.org/username": "alice",
        "hub.jupyter.org/servername": "",
        "mcks.hub.jupyter.org/key": "jupyter-alice",
        "mcks.hub.jupyter.org/lifetime": "user",
      },
      annotations: { "hub.jupyter.org/username": "alice", "hub.jupyter.org/servername": "" },
    },
  });
  assert.ok(a.slice(1).every((o) => o.metadata.namespace === "jhub-alice" && o.metadata.name === "jupyter-alice--gpu"));
});

test("named server: key, servername labels and the ingress prefix", () => {
  const objects = renderAll(makeSpawn({ server: "gpu" }));
  for (const o of objects) {
    assert.equal(o.metadata.name, "jupyter-alice--gpu");
    assert.equal(o.metadata.labels?.["hub.jupyter.org/servername"], "gpu");
    assert.equal(o.metadata.annotations?.["hub.jupyter.org/servername"], "gpu");
  }
  const ingress = objects.find((o) => o.kind === "Ingress");
  assert.equal(JSON.stringify(ingress?.spec).includes('"path":"/user/alice/gpu/"'), true);
});

test("pod-ip routing: no Service and no Ingress; without a ServiceAccount only the Secret and the Pod", () => {
  const kinds = (spawn: ReturnType<typeof makeSpawn>) => renderServer(spawn).list().map((o) => o.kind);
  const direct = { routing: "pod-ip" as const, ingressPublicUrl: undefined };
  assert.deepEqual(kinds(makeSpawn({ cluster: direct })), ["ServiceAccount", "Secret", "Pod"]);
  assert.deepEqual(kinds(makeSpawn({ cluster: direct, settings: { serviceAccount: false } })), ["Secret", "Pod"]);
  assert.deepEqual(kinds(makeSpawn()), ["ServiceAccount", "Secret", "Pod", "Service", "Ingress"]);
});
