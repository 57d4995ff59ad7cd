/**
 * Hand-written conformance cases: (object, patch, type). scripts/patch/gen-fixtures.ts runs each
 * through `kubectl patch --local` and stores kubectl's answer as the expected result.
 * Patches are YAML exactly as an operator writes them.
 */
import * as B from "./bases.ts";

export interface PatchCase {
  readonly name: string;
  readonly object: string;
  readonly patch: string;
  readonly type: "strategic" | "merge" | "json";
  /** What the case pins down (kept in the fixture). */
  readonly about: string;
}

const cases: PatchCase[] = [];
function c(name: string, about: string, object: string, patch: string, type: PatchCase["type"] = "strategic"): void {
  cases.push({ name, about, object, patch, type });
}
const pod = (spec: string): string => `spec:\n${spec.replace(/^/gm, "  ")}`;

// --- upstream README examples ----------------------------------------------------------------
c("upstream-01-annotations", "upstream README 01-annotations", B.POD, `kind: Pod
metadata:
  name: jupyter-alice
  annotations:
    something-else: hey
`);
c("upstream-02-gpu", "upstream README 02-gpu: merges into the notebook container by name", B.POD, `kind: Pod
metadata:
  name: jupyter-alice
spec:
  containers:
  - name: notebook
    resources:
      limits:
        nvidia.com/gpu: 1
`);
c("upstream-memory-as-written", "upstream README memory patch, indentation as written (resources lands on the pod spec)", B.POD, `kind: Pod
metadata:
    name: jupyter-alice
spec:
    containers:
    - name: notebook
    resources:
        requests:
            memory: 16Mi
`);
c("upstream-memory-intended", "upstream README memory patch, as intended", B.POD, `kind: Pod
metadata:
  name: jupyter-alice
spec:
  containers:
  - name: notebook
    resources:
      requests:
        memory: 16Mi
`);

// --- Pod containers (merge key name) ---------------------------------------------------------
c("pod-containers-change-image", "scalar in a merged item", B.POD, pod(`containers:
- name: notebook
  image: jupyter/base-notebook:2024-01-01`));
c("pod-containers-add-one", "new item: kubectl puts it before the untouched items", B.POD, pod(`containers:
- name: proxy
  image: nginx:1.27`));
c("pod-containers-add-two", "two new items keep patch order", B.POD, pod(`containers:
- name: proxy
  image: nginx:1.27
- name: logger
  image: fluent-bit:3`));
c("pod-containers-existing-then-new", "existing item first, then a new one", B.POD, pod(`containers:
- name: notebook
  image: x:1
- name: proxy
  image: nginx:1.27`));
c("pod-containers-new-then-existing", "new item before an existing one", B.POD, pod(`containers:
- name: proxy
  image: nginx:1.27
- name: sidecar
  image: busybox:1.37`));
c("pod-containers-reorder", "patch lists existing items in reverse order", B.POD, pod(`containers:
- name: sidecar
  image: busybox:1.37
- name: notebook
  image: x:1`));
c("pod-containers-delete", "$patch: delete removes an item by merge key", B.POD, pod(`containers:
- name: sidecar
  $patch: delete`));
c("pod-containers-delete-missing", "$patch: delete of an absent item is a no-op", B.POD, pod(`containers:
- name: nope
  $patch: delete`));
c("pod-containers-delete-and-add", "delete one item, add another", B.POD, pod(`containers:
- name: sidecar
  $patch: delete
- name: proxy
  image: nginx:1.27`));
c("pod-containers-replace", "$patch: replace makes the patch the whole list", B.POD, pod(`containers:
- name: only
  image: busybox:1.37
- $patch: replace`));
c("pod-containers-field-null", "null deletes a field inside a merged item", B.POD, pod(`containers:
- name: sidecar
  command: null
  args: [sh]`));
c("pod-containers-new-with-null", "kubectl keeps nulls inside a newly appended item", B.POD, pod(`containers:
- name: proxy
  image: nginx:1.27
  command: null`));
c("pod-containers-new-with-directive", "kubectl appends a new item as written, nested directives included", B.POD, pod(`containers:
- name: proxy
  image: nginx:1.27
  env:
  - name: X
    $patch: delete`));
c("pod-containers-args-replaced", "args has no merge strategy: replaced", B.POD, pod(`containers:
- name: notebook
  args: [jupyter-lab, --debug]`));
c("pod-containers-command-replaced", "command has no merge strategy: replaced", B.POD, pod(`containers:
- name: sidecar
  command: [sleep, "3600"]`));
c("pod-containers-resources-null", "null removes a nested map", B.POD, pod(`containers:
- name: notebook
  resources:
    limits: null`));
c("pod-containers-resources-replace-map", "$patch: replace on a map replaces it", B.POD, pod(`containers:
- name: notebook
  resources:
    $patch: replace
    limits:
      memory: 4Gi`));
c("pod-containers-set-order", "$setElementOrder fixes the order of the whole list", B.POD, pod(`$setElementOrder/containers:
- name: sidecar
- name: notebook
containers:
- name: notebook
  image: x:2`));
c("pod-containers-set-order-with-new", "$setElementOrder places a new item", B.POD, pod(`$setElementOrder/containers:
- name: sidecar
- name: proxy
- name: notebook
containers:
- name: proxy
  image: nginx:1.27`));
c("pod-containers-set-order-only", "$setElementOrder without the list itself", B.POD, pod(`$setElementOrder/containers:
- name: sidecar
- name: notebook`));
c("pod-containers-set-order-partial", "items missing from $setElementOrder are server-only items", B.POD, pod(`$setElementOrder/containers:
- name: proxy
- name: notebook
containers:
- name: proxy
  image: nginx:1.27`));

// --- init containers, env, ports, volume mounts ------------------------------------------------
c("pod-init-add", "new init container goes before the existing one", B.POD, pod(`initContainers:
- name: fetch-data
  image: curlimages/curl:8`));
c("pod-init-merge", "merge into an init container", B.POD, pod(`initContainers:
- name: volume-mount-hack
  securityContext:
    runAsUser: 0`));
c("pod-env-add", "env merges by name", B.POD, pod(`containers:
- name: notebook
  env:
  - name: EXTRA
    value: "1"`));
c("pod-env-change", "change a value in place", B.POD, pod(`containers:
- name: notebook
  env:
  - name: JUPYTERHUB_USER
    value: bob`));
c("pod-env-delete", "delete an env var", B.POD, pod(`containers:
- name: notebook
  env:
  - name: MEM_LIMIT
    $patch: delete`));
c("pod-env-value-to-valueFrom", "switch a var from value to valueFrom", B.POD, pod(`containers:
- name: notebook
  env:
  - name: JUPYTERHUB_USER
    value: null
    valueFrom:
      fieldRef:
        fieldPath: metadata.name`));
c("pod-env-interleaved", "patch order existing/new/existing", B.POD, pod(`containers:
- name: notebook
  env:
  - name: MEM_LIMIT
    value: "1"
  - name: NEW_A
    value: a
  - name: JUPYTERHUB_USER
    value: carol
  - name: NEW_B
    value: b`));
c("pod-env-replace", "$patch: replace on env", B.POD, pod(`containers:
- name: notebook
  env:
  - $patch: replace
  - name: ONLY
    value: "1"`));
c("pod-env-set-order", "$setElementOrder/env", B.POD, pod(`containers:
- name: notebook
  $setElementOrder/env:
  - name: MEM_LIMIT
  - name: JUPYTERHUB_USER
  - name: JUPYTERHUB_API_TOKEN
  env:
  - name: MEM_LIMIT
    value: "3"`));
c("pod-ports-merge", "ports merge by containerPort", B.POD, pod(`containers:
- name: notebook
  ports:
  - containerPort: 8888
    hostPort: 18888`));
c("pod-ports-add", "add a port", B.POD, pod(`containers:
- name: notebook
  ports:
  - containerPort: 9000
    name: metrics`));
c("pod-ports-delete", "delete a port by containerPort", B.POD, pod(`containers:
- name: notebook
  ports:
  - containerPort: 8888
    $patch: delete`));
c("pod-volume-mounts-add", "volumeMounts merge by mountPath", B.POD, pod(`containers:
- name: notebook
  volumeMounts:
  - name: data
    mountPath: /data`));
c("pod-volume-mounts-change", "change a mount in place", B.POD, pod(`containers:
- name: notebook
  volumeMounts:
  - mountPath: /home/jovyan
    readOnly: true`));
c("pod-volume-mounts-delete", "delete a mount by mountPath", B.POD, pod(`containers:
- name: notebook
  volumeMounts:
  - mountPath: /dev/shm
    $patch: delete`));

// --- volumes (merge,retainKeys) ------------------------------------------------------------------
c("pod-volumes-add", "add a volume", B.POD, pod(`volumes:
- name: data
  nfs:
    server: 10.0.0.5
    path: /export`));
c("pod-volumes-retain-keys", "$retainKeys swaps the volume source", B.POD, pod(`volumes:
- name: shm
  $retainKeys: [name, configMap]
  configMap:
    name: settings`));
c("pod-volumes-no-retain-keys", "without $retainKeys both sources stay", B.POD, pod(`volumes:
- name: shm
  configMap:
    name: settings`));
c("pod-volumes-delete", "delete a volume", B.POD, pod(`volumes:
- name: shm
  $patch: delete`));
c("pod-volumes-and-mounts", "add a volume and its mount together", B.POD, pod(`volumes:
- name: data
  emptyDir: {}
containers:
- name: notebook
  volumeMounts:
  - name: data
    mountPath: /data`));

// --- other merge-keyed and atomic lists of Pod ---------------------------------------------------
c("pod-image-pull-secrets-add", "imagePullSecrets merge by name", B.POD, pod(`imagePullSecrets:
- name: registry-c`));
c("pod-image-pull-secrets-delete", "delete an imagePullSecret", B.POD, pod(`imagePullSecrets:
- name: registry-a
  $patch: delete`));
c("pod-tolerations-atomic", "tolerations are atomic: the patch replaces the list", B.POD, pod(`tolerations:
- key: nvidia.com/gpu
  operator: Exists
  effect: NoSchedule`));
c("pod-tolerations-delete-directive-kept", "a $patch item in an atomic list is kept as written (kubectl)", B.POD, pod(`tolerations:
- key: gpu
  $patch: delete`));
c("pod-host-aliases-merge", "hostAliases merge by ip; hostnames is replaced", B.POD, pod(`hostAliases:
- ip: 10.0.0.1
  hostnames: [data.example]`));
c("pod-host-aliases-add", "add a host alias", B.POD, pod(`hostAliases:
- ip: 10.0.0.3
  hostnames: [other.local]`));
c("pod-topology-spread-merge", "topologySpreadConstraints merge by topologyKey", B.POD, pod(`topologySpreadConstraints:
- topologyKey: kubernetes.io/hostname
  maxSkew: 2`));
c("pod-topology-spread-add", "add a topology spread constraint", B.POD, pod(`topologySpreadConstraints:
- topologyKey: topology.kubernetes.io/zone
  maxSkew: 1
  whenUnsatisfiable: DoNotSchedule`));
c("pod-readiness-gates-add", "readinessGates merge by conditionType", B.POD, pod(`readinessGates:
- conditionType: example.com/warm`));
c("pod-node-selector-merge", "maps merge; null deletes a key", B.POD, pod(`nodeSelector:
  pool: gpu
  kubernetes.io/os: null
  accelerator: a100`));
c("pod-node-selector-replace", "$patch: replace on a map", B.POD, pod(`nodeSelector:
  $patch: replace
  pool: gpu`));
c("pod-security-context-delete", "$patch: delete on a map leaves it empty", B.POD, pod(`securityContext:
  $patch: delete`));
c("pod-security-context-null", "null removes the whole map", B.POD, pod(`securityContext: null`));
c("pod-affinity-new", "a new nested structure is taken as written", B.POD, pod(`affinity:
  nodeAffinity:
    requiredDuringSchedulingIgnoredDuringExecution:
      nodeSelectorTerms:
      - matchExpressions:
        - key: pool
          operator: In
          values: [users]`));
c("pod-ephemeral-new-list", "a list the object lacks is added without directives", B.POD, pod(`ephemeralContainers:
- name: debug
  image: busybox:1.37
- name: gone
  $patch: delete`));
c("pod-type-change", "a different type replaces (map over list)", B.POD, pod(`hostAliases: null
dnsConfig:
  nameservers: [1.1.1.1]`));

// --- metadata ------------------------------------------------------------------------------------
c("meta-labels-add-remove", "labels: add, change, null deletes", B.POD, `metadata:
  labels:
    team: blue
    hub.jupyter.org/username: null
    app.kubernetes.io/managed-by: someone-else
`);
c("meta-annotations-replace", "$patch: replace on annotations", B.POD, `metadata:
  annotations:
    $patch: replace
    only: this
`);
c("meta-finalizers-merge", "finalizers merge as a set", B.POD, `metadata:
  finalizers:
  - example.com/new
  - example.com/keep
`);
c("meta-finalizers-delete-from-primitive-list", "$deleteFromPrimitiveList/finalizers", B.POD, `metadata:
  $deleteFromPrimitiveList/finalizers:
  - example.com/keep
`);
c("meta-finalizers-delete-and-add", "delete one finalizer and add another", B.POD, `metadata:
  $deleteFromPrimitiveList/finalizers:
  - example.com/audit
  finalizers:
  - example.com/other
`);
c("meta-finalizers-set-order", "$setElementOrder on a primitive list", B.POD, `metadata:
  $setElementOrder/finalizers:
  - example.com/audit
  - example.com/new
  - example.com/keep
  finalizers:
  - example.com/new
`);
c("meta-finalizers-duplicates", "duplicate values collapse (kubectl's dedupe order)", B.POD, `metadata:
  finalizers:
  - example.com/audit
  - example.com/a
  - example.com/a
  - example.com/b
`);
c("meta-finalizers-duplicates-in-object", "the object's own duplicates: kubectl's in-place dedupe changes the order it sorts by", B.POD.replace("  - example.com/audit\n", "  - example.com/audit\n  - example.com/keep\n"), `metadata:
  finalizers:
  - example.com/new
`);
c("meta-finalizers-duplicates-in-object-no-room", "the same, but the patch does not fit the decoded list's spare capacity", B.POD.replace("  - example.com/audit\n", "  - example.com/audit\n  - example.com/keep\n"), `metadata:
  finalizers:
  - example.com/new
  - example.com/newer
`);
c("meta-owner-references-merge", "ownerReferences merge by uid", B.POD, `metadata:
  ownerReferences:
  - uid: 0a1b2c3d-0000-0000-0000-000000000001
    controller: true
  - apiVersion: v1
    kind: ConfigMap
    name: other
    uid: 0a1b2c3d-0000-0000-0000-000000000002
`);
c("meta-new-key-with-nulls", "nulls inside a newly added map are dropped", B.POD, `metadata:
  generateName: jupyter-
spec:
  dnsConfig:
    nameservers: [8.8.8.8]
    searches: null
`);
c("empty-patch", "an empty patch changes nothing", B.POD, `{}`);
c("top-level-replace", "$patch: replace at the top replaces the object", B.CONFIG_MAP, `$patch: replace
apiVersion: v1
kind: ConfigMap
metadata:
  name: fresh
data:
  a: "1"
`);
c("yaml11-booleans", "kubectl reads YAML 1.1: y/yes/on are booleans, 0755 is octal", B.POD, pod(`containers:
- name: notebook
  stdin: yes
  tty: on
securityContext:
  fsGroup: 0755`));

// --- Service, Ingress, ServiceAccount, RBAC, Deployment, PVC, ConfigMap, Secret ---------------
c("service-ports-change", "Service ports merge by port", B.SERVICE, `spec:
  ports:
  - port: 80
    targetPort: 8080
`);
c("service-ports-add", "add a Service port", B.SERVICE, `spec:
  ports:
  - name: https
    port: 443
    targetPort: 8443
`);
c("service-ports-delete", "delete a Service port", B.SERVICE, `spec:
  ports:
  - port: 9100
    $patch: delete
`);
c("service-selector-merge", "selector is a map: merged", B.SERVICE, `spec:
  selector:
    component: null
    extra: "yes"
`);
c("service-type", "scalar change and new scalar", B.SERVICE, `spec:
  type: NodePort
  externalTrafficPolicy: Local
`);
c("ingress-rules-atomic", "Ingress rules have no merge key: replaced", B.INGRESS, `spec:
  rules:
  - host: other.example.org
    http:
      paths:
      - path: /
        pathType: Prefix
        backend:
          service:
            name: other
            port:
              number: 8080
`);
c("ingress-tls-atomic", "Ingress tls replaced", B.INGRESS, `spec:
  tls:
  - hosts: [a.example.org]
    secretName: a-tls
`);
c("ingress-annotations", "Ingress annotations merged", B.INGRESS, `metadata:
  annotations:
    nginx.ingress.kubernetes.io/proxy-read-timeout: "3600"
    nginx.ingress.kubernetes.io/proxy-body-size: null
`);
c("service-account-secrets-merge", "ServiceAccount secrets merge by name", B.SERVICE_ACCOUNT, `secrets:
- name: token-c
`);
c("service-account-secrets-delete", "delete a ServiceAccount secret", B.SERVICE_ACCOUNT, `secrets:
- name: token-a
  $patch: delete
`);
c("service-account-image-pull-secrets", "ServiceAccount imagePullSecrets (atomic)", B.SERVICE_ACCOUNT, `imagePullSecrets:
- name: registry-z
`);
c("role-rules-atomic", "Role rules replaced", B.ROLE, `rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
`);
c("role-rules-delete-directive-kept", "$patch in an atomic list is kept (kubectl)", B.ROLE, `rules:
- resources: [pods]
  $patch: delete
`);
c("rolebinding-subjects-atomic", "RoleBinding subjects replaced", B.ROLE_BINDING, `subjects:
- kind: User
  name: alice@example.org
  apiGroup: rbac.authorization.k8s.io
`);
c("rolebinding-role-ref", "roleRef merged as a map", B.ROLE_BINDING, `roleRef:
  name: other-role
`);
c("deployment-template-containers", "Deployment pod template merges containers", B.DEPLOYMENT, `spec:
  template:
    spec:
      containers:
      - name: gateway
        image: daskgateway/dask-gateway-server:2025.1.0
        env:
        - name: LOG_LEVEL
          value: debug
        - name: NEW
          value: "1"
`);
c("deployment-strategy-retain-keys", "$retainKeys on a retainKeys map drops rollingUpdate", B.DEPLOYMENT, `spec:
  strategy:
    $retainKeys: [type]
    type: Recreate
`);
c("deployment-strategy-no-retain", "without $retainKeys the old keys stay", B.DEPLOYMENT, `spec:
  strategy:
    type: Recreate
`);
c("deployment-replicas-selector", "scalar and map merge", B.DEPLOYMENT, `spec:
  replicas: 5
  selector:
    matchLabels:
      tier: api
`);
c("deployment-ports-new", "template container ports merge by containerPort", B.DEPLOYMENT, `spec:
  template:
    spec:
      containers:
      - name: gateway
        ports:
        - containerPort: 8001
          name: metrics
`);
c("pvc-storage", "PVC storage request", B.PVC, `spec:
  resources:
    requests:
      storage: 50Gi
`);
c("pvc-access-modes-atomic", "accessModes replaced", B.PVC, `spec:
  accessModes: [ReadWriteMany]
`);
c("configmap-data", "ConfigMap data add, change, delete", B.CONFIG_MAP, `data:
  theme: light
  lang: null
  extra.txt: |
    line 1
    line 2
`);
c("configmap-data-replace", "ConfigMap data replaced", B.CONFIG_MAP, `data:
  $patch: replace
  only: "1"
`);
c("secret-data", "Secret data and stringData", B.SECRET, `data:
  extra: null
stringData:
  password: hunter2
`);

// --- JSON merge patch (--type merge) -------------------------------------------------------------
c("merge-pod-containers-replace", "merge patch replaces lists", B.POD, pod(`containers:
- name: notebook
  image: x:1`), "merge");
c("merge-labels", "merge patch: maps merge, null deletes", B.POD, `metadata:
  labels:
    team: blue
    hub.jupyter.org/username: null
`, "merge");
c("merge-new-with-nulls", "merge patch drops nulls in values it adds", B.POD, `spec:
  dnsConfig:
    nameservers: [8.8.8.8]
    searches: null
`, "merge");
c("merge-list-with-nulls-over-list", "merge patch: a list replacing a list loses nulls in its objects", B.WIDGET, `spec:
  items:
  - name: c
    value: null
`, "merge");
c("merge-list-over-map", "merge patch: a list replacing an object keeps them", B.WIDGET, `spec:
  options:
  - name: c
    value: null
`, "merge");
c("merge-crd", "merge patch on a custom resource", B.WIDGET, `spec:
  size: 5
  options:
    color: null
    pattern: dots
`, "merge");
c("merge-directives-are-data", "merge patch treats $patch as a plain key", B.CONFIG_MAP, `data:
  $patch: replace
  x: "1"
`, "merge");

// --- JSON patch (--type json) --------------------------------------------------------------------
c("json-add-label", "add with ~1 escape for a slash", B.POD, `- op: add
  path: /metadata/labels/example.com~1team
  value: blue
`, "json");
c("json-add-env-append", "add with - appends", B.POD, `- op: add
  path: /spec/containers/0/env/-
  value:
    name: EXTRA
    value: "1"
`, "json");
c("json-add-index", "add at an index inserts", B.POD, `- op: add
  path: /spec/containers/1
  value:
    name: proxy
    image: nginx:1.27
`, "json");
c("json-add-negative-index", "negative index counts from the end (kubectl)", B.POD, `- op: add
  path: /spec/tolerations/-1
  value:
    key: new
    operator: Exists
`, "json");
c("json-remove", "remove a list item", B.POD, `- op: remove
  path: /spec/containers/1
`, "json");
c("json-replace", "replace a value", B.POD, `- op: replace
  path: /spec/containers/0/image
  value: jupyter/minimal-notebook:latest
`, "json");
c("json-replace-missing-key", "replace of a missing object key adds it (kubectl)", B.POD, `- op: replace
  path: /spec/hostname
  value: alice
`, "json");
c("json-move", "move", B.POD, `- op: move
  from: /metadata/annotations/hub.jupyter.org~1username
  path: /metadata/annotations/user
`, "json");
c("json-copy", "copy", B.POD, `- op: copy
  from: /spec/containers/0/resources
  path: /spec/containers/1/resources
`, "json");
c("json-test-pass", "test then replace", B.POD, `- op: test
  path: /spec/containers/0/name
  value: notebook
- op: replace
  path: /spec/containers/0/name
  value: lab
`, "json");
c("json-tilde-escape", "~0 is ~", B.CONFIG_MAP, `- op: add
  path: /data/a~0b
  value: tilde
`, "json");

// --- long lists: past 20 items Go's stable sort switches to merging blocks ---------------------------
const manyEnv = (names: readonly string[]): string => names.map((n) => `  - name: ${n}\n    value: "${n.toLowerCase()}"`).join("\n");
const VARS = Array.from({ length: 30 }, (_, i) => `VAR_${String(i).padStart(2, "0")}`);
const LONG_POD = B.POD.replace("    - name: MEM_LIMIT\n", `${manyEnv(VARS).replace(/^ {2}/gm, "    ")}\n    - name: MEM_LIMIT\n`);
const shuffled = VARS.filter((_, i) => i % 4 !== 1).map((v, i, a) => a[(i * 7) % a.length]!);
c("long-env-shuffled", "45 env vars, 22 patched in a scrambled order with new ones between", LONG_POD, pod(`containers:
- name: notebook
  env:
${[...new Set(shuffled)].flatMap((v, i) => (i % 5 === 0 ? [v, `NEW_${i}`] : [v])).map((n) => `  - name: ${n}\n    value: p-${n.toLowerCase()}`).join("\n")}`));
c("long-env-set-order-reversed", "$setElementOrder reverses 33 env vars", LONG_POD, pod(`containers:
- name: notebook
  $setElementOrder/env:
${["JUPYTERHUB_USER", "JUPYTERHUB_API_TOKEN", ...VARS, "MEM_LIMIT"].reverse().map((n) => `  - name: ${n}`).join("\n")}
  env:
  - name: VAR_03
    value: changed`));
const FIN_POD = B.POD.replace("  - example.com/audit\n", `  - example.com/audit\n${Array.from({ length: 25 }, (_, i) => `  - example.com/f${i}`).join("\n")}\n`);
c("long-finalizers", "27 finalizers merged with 24 more, some shared, in a scrambled order", FIN_POD, `metadata:
  finalizers:
${Array.from({ length: 24 }, (_, i) => `  - example.com/f${(i * 5) % 37}`).join("\n")}
`);

c("json-test-null-matches-missing", "json patch: a missing member passes a test against null (kubectl decodes null as nothing)", B.POD, `- op: test
  path: /metadata/labels/nope
  value: null
- op: add
  path: /metadata/labels/tested
  value: "yes"
`, "json");
c("json-copy-missing-adds-null", "json patch: copying a missing member adds null (kubectl)", B.POD, `- op: copy
  from: /metadata/labels/nope
  path: /metadata/labels/copied
`, "json");

// --- errors (kubectl refuses; so must we) --------------------------------------------------------
c("error-strategic-crd", "strategic merge on a custom resource", B.WIDGET, `spec:
  size: 5
`);
c("error-missing-merge-key", "a merged list item without its merge key", B.POD, pod(`containers:
- image: nginx:1.27`));
c("error-delete-without-merge-key", "$patch: delete without the merge key", B.POD, pod(`containers:
- $patch: delete`));
c("error-patch-merge-in-list", "$patch: merge in a list", B.POD, pod(`containers:
- name: notebook
  $patch: merge`));
c("error-patch-merge-in-map", "$patch: merge in a map", B.POD, pod(`securityContext:
  $patch: merge
  runAsUser: 0`));
c("error-unknown-directive", "unknown $patch value", B.POD, pod(`containers:
- name: notebook
  $patch: remove`));
c("error-retain-keys-mismatch", "a patched key missing from $retainKeys", B.POD, pod(`volumes:
- name: shm
  $retainKeys: [name]
  configMap:
    name: settings`));
c("error-set-order-mismatch", "patch items missing from $setElementOrder", B.POD, pod(`$setElementOrder/containers:
- name: notebook
containers:
- name: proxy
  image: nginx:1.27`));
c("error-unknown-field-merge", "merging objects under a field the schema does not know", B.POD.replace("    runAsUser: 1000\n", "    runAsUser: 1000\n    seLinuxOptionz:\n      b: 2\n"), pod(`securityContext:
  seLinuxOptionz:
    a: 1`));
c("unknown-field-added", "a field the schema does not know is simply added when new", B.POD, pod(`securityContext:
  seLinuxOptionz:
    a: 1`));
c("error-patch-not-a-map", "a strategic patch must be a map", B.POD, `- a
- b
`);
c("error-malformed-yaml", "malformed patch YAML", B.POD, `spec:
  containers:
  - name: notebook
   image: x
`);
c("error-json-remove-missing", "json patch: remove a missing key", B.POD, `- op: remove
  path: /metadata/labels/nope
`, "json");
c("error-json-path-not-found", "json patch: parent path missing", B.POD, `- op: add
  path: /spec/nope/deeper
  value: 1
`, "json");
c("error-json-test-fails", "json patch: test fails", B.POD, `- op: test
  path: /spec/containers/0/name
  value: lab
`, "json");
c("error-json-bad-index", "json patch: index out of range", B.POD, `- op: replace
  path: /spec/containers/7/image
  value: x
`, "json");
c("error-json-unknown-op", "json patch: unknown op", B.POD, `- op: merge
  path: /spec
  value: {}
`, "json");

export const CASES: readonly PatchCase[] = cases;
