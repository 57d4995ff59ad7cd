/** Realistic objects the conformance cases patch (what mcks renders for a user, plus the usual kinds). */

export const POD = `apiVersion: v1
kind: Pod
metadata:
  name: jupyter-alice
  namespace: hub
  labels:
    app.kubernetes.io/managed-by: multicluster-kubespawner
    hub.jupyter.org/username: alice
  annotations:
    hub.jupyter.org/username: alice
  finalizers:
  - example.com/keep
  - example.com/audit
  ownerReferences:
  - apiVersion: v1
    kind: Secret
    name: jupyter-alice
    uid: 0a1b2c3d-0000-0000-0000-000000000001
spec:
  serviceAccountName: jupyter-alice
  automountServiceAccountToken: false
  nodeSelector:
    kubernetes.io/os: linux
    pool: users
  securityContext:
    fsGroup: 100
    runAsUser: 1000
  imagePullSecrets:
  - name: registry-a
  - name: registry-b
  tolerations:
  - key: hub.jupyter.org/dedicated
    operator: Equal
    value: user
    effect: NoSchedule
  - key: gpu
    operator: Exists
  hostAliases:
  - ip: 10.0.0.1
    hostnames:
    - data.local
  - ip: 10.0.0.2
    hostnames:
    - cache.local
  topologySpreadConstraints:
  - topologyKey: kubernetes.io/hostname
    maxSkew: 1
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        component: singleuser-server
  readinessGates:
  - conditionType: example.com/ready
  initContainers:
  - name: volume-mount-hack
    image: busybox:1.36
    command: [sh, -c, "chown 1000:100 /home/jovyan"]
    volumeMounts:
    - name: home
      mountPath: /home/jovyan
  containers:
  - name: notebook
    image: pangeo/pangeo-notebook:latest
    args: [jupyterhub-singleuser, --ip=0.0.0.0]
    env:
    - name: JUPYTERHUB_USER
      value: alice
    - name: JUPYTERHUB_API_TOKEN
      valueFrom:
        secretKeyRef:
          name: jupyter-alice
          key: token
    - name: MEM_LIMIT
      value: "2147483648"
    ports:
    - name: notebook-port
      containerPort: 8888
      protocol: TCP
    resources:
      limits:
        memory: 2Gi
        cpu: "2"
      requests:
        memory: 1Gi
        cpu: 500m
    volumeMounts:
    - name: home
      mountPath: /home/jovyan
    - name: shm
      mountPath: /dev/shm
  - name: sidecar
    image: busybox:1.36
    command: [sleep, infinity]
  volumes:
  - name: home
    persistentVolumeClaim:
      claimName: home-alice
  - name: shm
    emptyDir:
      medium: Memory
`;

export const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: jupyter-alice
  namespace: hub
  labels:
    hub.jupyter.org/username: alice
spec:
  type: ClusterIP
  selector:
    hub.jupyter.org/username: alice
    component: singleuser-server
  ports:
  - name: http
    port: 80
    targetPort: 8888
    protocol: TCP
  - name: metrics
    port: 9100
    targetPort: 9100
    protocol: TCP
`;

export const INGRESS = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: jupyter-alice
  namespace: hub
  annotations:
    nginx.ingress.kubernetes.io/proxy-body-size: 64m
spec:
  ingressClassName: nginx
  tls:
  - hosts: [hub.example.org]
    secretName: hub-tls
  rules:
  - host: hub.example.org
    http:
      paths:
      - path: /user/alice/
        pathType: Prefix
        backend:
          service:
            name: jupyter-alice
            port:
              number: 80
`;

export const SERVICE_ACCOUNT = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: jupyter-alice
  namespace: hub
automountServiceAccountToken: false
secrets:
- name: token-a
- name: token-b
imagePullSecrets:
- name: registry-a
`;

export const ROLE = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: jupyter-alice
  namespace: hub
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list]
- apiGroups: [""]
  resources: [configmaps]
  verbs: [get]
`;

export const ROLE_BINDING = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: jupyter-alice
  namespace: hub
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: jupyter-alice
subjects:
- kind: ServiceAccount
  name: jupyter-alice
  namespace: hub
`;

export const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: dask-gateway
  namespace: hub
spec:
  replicas: 2
  selector:
    matchLabels:
      app: dask-gateway
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        app: dask-gateway
    spec:
      containers:
      - name: gateway
        image: daskgateway/dask-gateway-server:2024.1.0
        env:
        - name: LOG_LEVEL
          value: info
        ports:
        - containerPort: 8000
          name: api
`;

export const PVC = `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: home-alice
  namespace: hub
  labels:
    mcks.hub.jupyter.org/lifetime: user
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: standard
  resources:
    requests:
      storage: 10Gi
`;

export const CONFIG_MAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: jupyter-alice-config
  namespace: hub
data:
  jupyter_server_config.py: |
    c.ServerApp.ip = "0.0.0.0"
  theme: dark
  lang: en
`;

export const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: jupyter-alice
  namespace: hub
type: Opaque
data:
  token: c2VjcmV0
  extra: b2xk
`;

export const WIDGET = `apiVersion: example.com/v1
kind: Widget
metadata:
  name: alice-widget
  namespace: hub
spec:
  size: 3
  items:
  - name: a
    value: 1
  - name: b
    value: 2
  options:
    color: red
    shape: round
`;
