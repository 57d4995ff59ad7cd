/**
 * Every built-in default, in one literal (like unbuild's `defu(cli, file, preset, defaults)`):
 * `resolveConfig()` is the only reader, so a default is changed here and nowhere else.
 */
export const DEFAULTS = {
  spawn: {
    image: "pangeo/pangeo-notebook:latest",
    port: 8888,
    serviceAccount: true,
    /** As KubeSpawner: setuid binaries (sudo) cannot gain privileges. */
    allowPrivilegeEscalation: false,
  },
  storage: {
    accessModes: ["ReadWriteOnce"],
    mountPath: "/home/jovyan",
  },
  cluster: {
    routing: "ingress",
    namespace: "default",
    createNamespace: false,
    /** Seconds; what a scheduler's "no node" waits for an autoscaler to answer. */
    unschedulableTimeout: 120,
  },
  /** Seconds. */
  startTimeout: 300,
  /** Seconds. */
  pollGracePeriod: 300,
} as const;
