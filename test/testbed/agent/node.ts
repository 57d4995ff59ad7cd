/**
 * Registers the cluster's one Node, Ready and big enough for 1000 pods, as a kubelet does on
 * start-up (create, then write status). With no node-lifecycle controller in the bed nothing
 * marks it NotReady later, so no heartbeat is needed.
 */
import type { V1Node } from "@kubernetes/client-node";
import { mergePatch, statusOf } from "./kube.ts";
import type { Kube } from "./kube.ts";
import { now } from "./pod-status.ts";

export async function registerNode(kube: Kube, name: string, ip: string): Promise<void> {
  const node: V1Node = {
    metadata: {
      name,
      labels: {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "node.kubernetes.io/instance-type": "testbed",
      },
    },
    spec: {},
  };
  try {
    await kube.core.createNode({ body: node });
  } catch (err) {
    if (statusOf(err) !== 409) throw err;
  }
  const time = now();
  const ok = (type: string, reason: string, message: string) => ({
    type,
    status: type === "Ready" ? "True" : "False",
    lastHeartbeatTime: time,
    lastTransitionTime: time,
    reason,
    message,
  });
  const resources = { cpu: "1000", memory: "4000Gi", pods: "1100", "ephemeral-storage": "1000Gi" };
  await kube.core.patchNodeStatus(
    {
      name,
      body: {
        status: {
          capacity: resources,
          allocatable: resources,
          conditions: [
            ok("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ok("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ok("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            ok("Ready", "KubeletReady", "kubelet is posting ready status (testbed agent)"),
          ],
          addresses: [
            { type: "InternalIP", address: ip },
            { type: "Hostname", address: name },
          ],
          nodeInfo: {
            machineID: "testbed",
            systemUUID: "testbed",
            bootID: "testbed",
            kernelVersion: "testbed",
            osImage: "multicluster-kubespawner test bed",
            containerRuntimeVersion: "testbed://0.1.0",
            kubeletVersion: "v0.0.0-testbed",
            kubeProxyVersion: "",
            operatingSystem: "linux",
            architecture: "amd64",
          },
        },
      },
    },
    mergePatch,
  );
}
