/**
 * The Kubernetes fragments the native settings take, as the API writes them (camelCase JSON).
 * Only the fields editors should complete are spelled out; the index signature admits the rest
 * of the API's fields, which go to the cluster unchanged (the API server checks them).
 */

/** Fields of the Kubernetes API this file does not list. */
interface MoreFields {
  readonly [field: string]: unknown;
}

export interface Toleration extends MoreFields {
  readonly key?: string;
  readonly operator?: "Exists" | "Equal";
  readonly value?: string;
  readonly effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  readonly tolerationSeconds?: number;
}

export interface NodeSelectorRequirement extends MoreFields {
  readonly key: string;
  readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
  readonly values?: readonly string[];
}

export interface NodeSelectorTerm extends MoreFields {
  readonly matchExpressions?: readonly NodeSelectorRequirement[];
  readonly matchFields?: readonly NodeSelectorRequirement[];
}

export interface PreferredSchedulingTerm extends MoreFields {
  readonly weight: number;
  readonly preference: NodeSelectorTerm;
}

export interface LabelSelector extends MoreFields {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly MoreFields[];
}

export interface PodAffinityTerm extends MoreFields {
  readonly topologyKey: string;
  readonly labelSelector?: LabelSelector;
  readonly namespaces?: readonly string[];
}

export interface WeightedPodAffinityTerm extends MoreFields {
  readonly weight: number;
  readonly podAffinityTerm: PodAffinityTerm;
}

export interface Volume extends MoreFields {
  readonly name: string;
}

export interface VolumeMount extends MoreFields {
  readonly name: string;
  readonly mountPath: string;
  readonly subPath?: string;
  readonly readOnly?: boolean;
}

export interface Container extends MoreFields {
  readonly name: string;
  readonly image?: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
}

/** A container's `lifecycle`: `postStart` / `preStop` handlers. */
export interface LifecycleHooks extends MoreFields {
  readonly postStart?: MoreFields;
  readonly preStop?: MoreFields;
}

export type KubeFields = MoreFields;
