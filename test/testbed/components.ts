/**
 * The real kube-scheduler and kube-controller-manager of one bed cluster: their identities
 * (bearer tokens for system:kube-scheduler and system:kube-controller-manager, whom the API
 * server's bootstrap RBAC grants what they need), their files and their flags.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Tokens } from "./certs.ts";
import type { Pki } from "./certs.ts";
import { writeComponentKubeconfig } from "./kubeconfig.ts";
import * as L from "./layout.ts";

/**
 * The controllers kube-controller-manager runs in the bed: what a start, a stop and the tests
 * need from a real cluster, plus Deployments and ReplicaSets for operators' objects. (Its default
 * set adds Jobs, EndpointSlices, CSRs, volume attach/detach…, which nothing in the bed uses; each
 * would cost memory and watches on every cluster.)
 */
export const CONTROLLERS: readonly string[] = [
  "serviceaccount-token-controller",
  "serviceaccount-controller",
  "root-ca-certificate-publisher-controller",
  "clusterrole-aggregation-controller",
  "namespace-controller",
  "garbage-collector-controller",
  "resourcequota-controller",
  "persistentvolume-binder-controller",
  "persistentvolumeclaim-protection-controller",
  "persistentvolume-protection-controller",
  "node-lifecycle-controller",
  "taint-eviction-controller",
  "pod-garbage-collector-controller",
  "replicaset-controller",
  "deployment-controller",
];

/**
 * Node lifecycle, shortened so a dead node shows within a test: NotReady after 20 s without a
 * Lease renewal (the agent renews every 2 s; real clusters wait 50 s for a kubelet renewing every
 * 10 s). Pods leave it 10 s later (the API server's --default-unreachable-toleration-seconds).
 */
export const NODE_MONITOR_GRACE_SECONDS = 20;
export const EVICTION_TOLERATION_SECONDS = 10;

export interface ComponentFiles {
  readonly schedulerConfig: string;
  readonly schedulerKubeconfig: string;
  readonly controllerManagerKubeconfig: string;
}

export function writeComponentFiles(cluster: number, server: string, pki: Pki, tokens: Tokens): ComponentFiles {
  const dir = L.componentDir(cluster);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const schedulerKubeconfig = join(dir, "scheduler.kubeconfig");
  const controllerManagerKubeconfig = join(dir, "controller-manager.kubeconfig");
  const schedulerConfig = join(dir, "scheduler.yaml");
  writeComponentKubeconfig(schedulerKubeconfig, pki.caCert, server, L.schedulerUser, tokens.scheduler);
  writeComponentKubeconfig(controllerManagerKubeconfig, pki.caCert, server, L.controllerManagerUser, tokens.controllerManager);
  // One scheduler per cluster, never replicated: no leader election (it would also delay a restart by the lease time).
  writeFileSync(
    schedulerConfig,
    [
      "apiVersion: kubescheduler.config.k8s.io/v1",
      "kind: KubeSchedulerConfiguration",
      "clientConnection:",
      `  kubeconfig: ${JSON.stringify(schedulerKubeconfig)}`,
      "leaderElection:",
      "  leaderElect: false",
      "enableProfiling: false",
      "",
    ].join("\n"),
  );
  return { schedulerConfig, schedulerKubeconfig, controllerManagerKubeconfig };
}

export function schedulerArgs(cluster: number, files: ComponentFiles): string[] {
  return [`--config=${files.schedulerConfig}`, "--bind-address=127.0.0.1", `--secure-port=${L.schedulerPort(cluster)}`, "--v=1"];
}

export function controllerManagerArgs(cluster: number, files: ComponentFiles, pki: Pki): string[] {
  return [
    `--kubeconfig=${files.controllerManagerKubeconfig}`,
    `--controllers=${CONTROLLERS.join(",")}`,
    // Each controller acts as its own service account with its own bootstrap role, as kubeadm clusters run it.
    "--use-service-account-credentials=true",
    `--service-account-private-key-file=${pki.saPrivateKey}`,
    `--root-ca-file=${pki.caCert}`,
    `--cluster-name=${L.clusterName(cluster)}`,
    "--leader-elect=false",
    "--bind-address=127.0.0.1",
    `--secure-port=${L.controllerManagerPort(cluster)}`,
    "--node-monitor-period=2s",
    `--node-monitor-grace-period=${NODE_MONITOR_GRACE_SECONDS}s`,
    "--node-startup-grace-period=30s",
    "--profiling=false",
    "--v=1",
  ];
}
