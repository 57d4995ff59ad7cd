/**
 * Upstream's README examples, pasted verbatim (the Python triple-quoted strings become template literals; text and
 * indentation untouched), give the objects upstream gave. Expected outputs were produced by
 * `kubectl patch --local --type strategic` (kubectl 1.32) on our built-in Pod.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { parse } from "yaml";
import type { KubeObject } from "../../src/objects/types.ts";
import { makeSpawn, renderAll } from "./render-fixture.ts";
import { UPSTREAM_AWS_MEMORY_PATCH, UPSTREAM_PATCHES, UPSTREAM_RESOURCES } from "../fixtures/upstream-examples.ts";

const LABELS = {
  "app.kubernetes.io/managed-by": "multicluster-kubespawner",
  "hub.jupyter.org/username": "alice",
  "hub.jupyter.org/servername": "",
  "mcks.hub.jupyter.org/key": "jupyter-alice",
  "mcks.hub.jupyter.org/lifetime": "server",
};
const ANNOTATIONS = { "hub.jupyter.org/username": "alice", "hub.jupyter.org/servername": "" };

function pod(objects: KubeObject[]): KubeObject {
  const p = objects.find((o) => o.kind === "Pod");
  assert.ok(p);
  return p;
}

// Upstream's AWS patch: `resources` sits at the indentation of `- name`, so YAML (and kubectl)
// read it as spec.resources, a sibling of `containers`: the pod-level resources field, not the
// container's. We give what kubectl gives.
const AWS_MEMORY = UPSTREAM_AWS_MEMORY_PATCH;

test("upstream's AWS memory patch: spec.resources, the notebook container kept whole", () => {
  const objects = renderAll(makeSpawn({ settings: { memLimit: 2 * 1024 ** 3 }, patches: { "01-memory": AWS_MEMORY } }));
  assert.deepEqual(
    pod(objects),
    parse(`
apiVersion: v1
kind: Pod
metadata:
  name: jupyter-alice
  namespace: jhub
  labels: ${JSON.stringify({ component: "singleuser-server", ...LABELS })}
  annotations: ${JSON.stringify(ANNOTATIONS)}
spec:
  restartPolicy: OnFailure
  serviceAccountName: jupyter-alice
  automountServiceAccountToken: true
  containers:
  - name: notebook
    image: pangeo/pangeo-notebook:latest
    ports:
    - containerPort: 8888
      name: notebook-port
    env:
    - name: JUPYTERHUB_SERVICE_PREFIX
      value: /user/alice/
    - name: JUPYTER_IMAGE
      value: pangeo/pangeo-notebook:latest
    - name: JUPYTER_IMAGE_SPEC
      value: pangeo/pangeo-notebook:latest
    - name: MEM_LIMIT
      value: "2147483648"
    securityContext:
      allowPrivilegeEscalation: false
    resources:
      limits:
        memory: 2Gi
  resources:
    requests:
      memory: 16Mi
`),
  );
});

const PATCHES = UPSTREAM_PATCHES;

test("upstream's 01-annotations + 02-gpu patches, applied in key order", () => {
  const objects = renderAll(makeSpawn({ settings: { memLimit: 2 * 1024 ** 3 }, patches: PATCHES }));
  assert.deepEqual(
    pod(objects),
    parse(`
apiVersion: v1
kind: Pod
metadata:
  name: jupyter-alice
  namespace: jhub
  labels: ${JSON.stringify({ component: "singleuser-server", ...LABELS })}
  annotations: ${JSON.stringify({ ...ANNOTATIONS, "something-else": "hey" })}
spec:
  restartPolicy: OnFailure
  serviceAccountName: jupyter-alice
  automountServiceAccountToken: true
  containers:
  - name: notebook
    image: pangeo/pangeo-notebook:latest
    ports:
    - containerPort: 8888
      name: notebook-port
    env:
    - name: JUPYTERHUB_SERVICE_PREFIX
      value: /user/alice/
    - name: JUPYTER_IMAGE
      value: pangeo/pangeo-notebook:latest
    - name: JUPYTER_IMAGE_SPEC
      value: pangeo/pangeo-notebook:latest
    - name: MEM_LIMIT
      value: "2147483648"
    securityContext:
      allowPrivilegeEscalation: false
    resources:
      limits:
        memory: 2Gi
        nvidia.com/gpu: 1
`),
  );
});

const RESOURCES = UPSTREAM_RESOURCES;

test("upstream's dask Role/RoleBinding resources: added after the built-ins, in the server's namespace, labelled", () => {
  const objects = renderAll(makeSpawn({ resources: RESOURCES }));
  assert.deepEqual(
    objects.map((o) => `${o.kind}/${o.metadata.name}`),
    ["ServiceAccount/jupyter-alice", "Secret/jupyter-alice", "Pod/jupyter-alice", "Service/jupyter-alice", "Ingress/jupyter-alice", "Role/jupyter-alice-dask", "RoleBinding/jupyter-alice-dask"],
  );
  const meta = `
  name: jupyter-alice-dask
  namespace: jhub
  labels: ${JSON.stringify(LABELS)}
  annotations: ${JSON.stringify(ANNOTATIONS)}`;
  assert.deepEqual(
    objects.slice(5),
    [
      parse(`
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:${meta}
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [list, create, delete]
`),
      parse(`
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:${meta}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: jupyter-alice-dask
subjects:
- apiGroup: ""
  kind: ServiceAccount
  name: jupyter-alice
`),
    ],
  );
});
