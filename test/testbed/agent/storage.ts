/**
 * The bed's storage offer: a CSI-style driver name the agent's provisioner serves and the two
 * StorageClasses `up` creates on every cluster. `standard` is the default and binds when a pod
 * needs the volume (WaitForFirstConsumer, like most clouds' defaults); `immediate` provisions as
 * soon as the claim exists. `provisionDelayMs` is how long "creating the disk" takes.
 */
export const PROVISIONER = "csi.testbed.mcks.io";
/** The parameter of a class that sets its provisioning delay (else the agent's --provision-delay-ms). */
export const DELAY_PARAMETER = "provisionDelayMs";

export interface BedStorageClass {
  readonly name: string;
  readonly bindingMode: "WaitForFirstConsumer" | "Immediate";
  readonly isDefault: boolean;
  readonly delayMs: number;
}

export const STORAGE_CLASSES: readonly BedStorageClass[] = [
  { name: "standard", bindingMode: "WaitForFirstConsumer", isDefault: true, delayMs: 1000 },
  { name: "immediate", bindingMode: "Immediate", isDefault: false, delayMs: 3000 },
];

/** The classes and the CSIDriver object, as one YAML stream for `kubectl apply`. */
export function storageManifest(): string {
  const docs = STORAGE_CLASSES.map(
    (c) => `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: ${c.name}
  annotations:
    storageclass.kubernetes.io/is-default-class: "${c.isDefault}"
provisioner: ${PROVISIONER}
parameters:
  ${DELAY_PARAMETER}: "${c.delayMs}"
reclaimPolicy: Delete
volumeBindingMode: ${c.bindingMode}
allowVolumeExpansion: false
`,
  );
  docs.push(`apiVersion: storage.k8s.io/v1
kind: CSIDriver
metadata:
  name: ${PROVISIONER}
spec:
  attachRequired: false
  podInfoOnMount: false
  volumeLifecycleModes: [Persistent]
`);
  return docs.join("---\n");
}
