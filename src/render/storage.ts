import type { Spawn } from "../profile/resolve-spawn.ts";
import { ANNOTATION_CREATE_ONLY } from "../objects/labels.ts";
import type { KubeObject } from "../objects/types.ts";

/** The home volume's name in the Pod, and its claim's name (`<key>-home`). */
export const HOME_VOLUME = "home";
export function homeClaimName(key: string): string {
  return `${key}-home`;
}

/**
 * The `storage` setting's PersistentVolumeClaim. Its lifetime is "user" (the caller labels it):
 * a stop keeps it, deleting the server or the user removes it. Without a storageClass the
 * cluster's default class provisions it. It is created once and never updated (ANNOTATION_CREATE_ONLY):
 * a later start with another storage setting mounts the claim that exists.
 */
export function homeClaim(spawn: Spawn): KubeObject | undefined {
  const storage = spawn.ctx.spawn.storage;
  if (!storage) return undefined;
  const spec: Record<string, unknown> = { accessModes: [...storage.accessModes], resources: { requests: { storage: storage.capacity } } };
  if (storage.storageClass !== undefined) spec.storageClassName = storage.storageClass;
  return {
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: { name: homeClaimName(spawn.ctx.key), namespace: spawn.ctx.namespace, annotations: { [ANNOTATION_CREATE_ONLY]: "true" } },
    spec,
  };
}
