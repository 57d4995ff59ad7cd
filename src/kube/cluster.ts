import type { KubeClient } from "./clients.ts";
import type { ClusterWatch } from "./watch.ts";

/** One configured cluster as the daemon holds it: its client and its one shared watch. */
export interface KubeCluster {
  readonly name: string;
  readonly client: KubeClient;
  readonly watch: ClusterWatch;
}
