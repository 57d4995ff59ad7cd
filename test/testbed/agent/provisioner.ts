/**
 * The bed's volume provisioner, doing what an external CSI provisioner built on
 * sig-storage-lib-external-provisioner does (read for this):
 * - a claim the real PV controller handed to us (annotation `volume.kubernetes.io/storage-provisioner`
 *   = csi.testbed.mcks.io) and, for WaitForFirstConsumer classes, that the scheduler gave a node
 *   (`volume.kubernetes.io/selected-node`): Event `Provisioning` "External provisioner is
 *   provisioning volume for claim "ns/name"", the class's delay, then a PV `pvc-<claim uid>` with
 *   `claimRef`, the class's reclaim policy, zone affinity of the selected node, annotation
 *   `pv.kubernetes.io/provisioned-by` and finalizer `external-provisioner.volume.kubernetes.io/finalizer`,
 *   and Event `ProvisioningSucceeded` "Successfully provisioned volume pvc-…". The real PV
 *   controller binds the two.
 * - a selected node that no longer exists: `ProvisioningFailed` and the annotation is removed, so
 *   the scheduler picks again.
 * - a Released volume with reclaim policy Delete: the "disk" is deleted, then the PV, then our finalizer.
 * Events come from source `csi.testbed.mcks.io_<controller>_<uuid>` like the library's.
 */
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { V1Node, V1PersistentVolume, V1PersistentVolumeClaim, V1StorageClass } from "@kubernetes/client-node";
import type { EventRecorder, Source } from "./events.ts";
import { mergePatch, statusOf } from "./kube.ts";
import type { Kube } from "./kube.ts";
import type { Log } from "./log.ts";
import { zoneOf } from "./nodes.ts";
import { DELAY_PARAMETER, PROVISIONER } from "./storage.ts";

const ANN_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
const ANN_PROVISIONER_BETA = "volume.beta.kubernetes.io/storage-provisioner";
const ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node";
const ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
const FINALIZER = "external-provisioner.volume.kubernetes.io/finalizer";
const ZONE_LABEL = "topology.kubernetes.io/zone";

export interface ProvisionerView {
  claim(namespace: string, name: string): V1PersistentVolumeClaim | undefined;
  storageClass(name: string): V1StorageClass | undefined;
  node(name: string): V1Node | undefined;
}

export interface ProvisionerOptions {
  readonly clusterName: string;
  /** For classes without a `provisionDelayMs` parameter. */
  readonly defaultDelayMs: number;
}

const claimKey = (c: V1PersistentVolumeClaim): string => `${c.metadata?.namespace}/${c.metadata?.name}`;
const volumeName = (c: V1PersistentVolumeClaim): string => `pvc-${c.metadata?.uid}`;

export class Provisioner {
  readonly #kube: Kube;
  readonly #events: EventRecorder;
  readonly #view: ProvisionerView;
  readonly #opts: ProvisionerOptions;
  readonly #log: Log;
  readonly #source: Source;
  readonly #identity: string;
  readonly #busy = new Set<string>();

  constructor(kube: Kube, events: EventRecorder, view: ProvisionerView, opts: ProvisionerOptions, log: Log) {
    this.#kube = kube;
    this.#events = events;
    this.#view = view;
    this.#opts = opts;
    this.#log = log;
    this.#source = { component: `${PROVISIONER}_${opts.clusterName}-csi-controller_${randomUUID()}` };
    this.#identity = `${Date.now()}-${Math.floor(Math.random() * 10000)}-${PROVISIONER}`;
  }

  /** Claim informer add/update. */
  onClaim(claim: V1PersistentVolumeClaim): void {
    const uid = claim.metadata?.uid ?? "";
    if (this.#busy.has(uid)) return;
    const cls = this.#classOf(claim);
    if (!cls || !this.#shouldProvision(claim, cls)) return;
    this.#busy.add(uid);
    void this.#provision(claim, cls)
      .catch((err: unknown) => this.#log(`provisioning for claim ${claimKey(claim)} failed: ${(err as Error).message}`))
      .finally(() => this.#busy.delete(uid));
  }

  /** Volume informer add/update. */
  onVolume(pv: V1PersistentVolume): void {
    const name = pv.metadata?.name ?? "";
    if (pv.metadata?.annotations?.[ANN_PROVISIONED_BY] !== PROVISIONER || this.#busy.has(name)) return;
    const hasFinalizer = pv.metadata?.finalizers?.includes(FINALIZER) ?? false;
    if (pv.metadata?.deletionTimestamp && !hasFinalizer) return;
    if (pv.status?.phase !== "Released" || pv.spec?.persistentVolumeReclaimPolicy !== "Delete") return;
    this.#busy.add(name);
    void this.#delete(pv)
      .catch((err: unknown) => this.#log(`deleting volume ${name} failed: ${(err as Error).message}`))
      .finally(() => this.#busy.delete(name));
  }

  #classOf(claim: V1PersistentVolumeClaim): V1StorageClass | undefined {
    const name = claim.spec?.storageClassName;
    return name ? this.#view.storageClass(name) : undefined;
  }

  #shouldProvision(claim: V1PersistentVolumeClaim, cls: V1StorageClass): boolean {
    if (claim.spec?.volumeName || claim.metadata?.deletionTimestamp) return false;
    const ann = claim.metadata?.annotations ?? {};
    if ((ann[ANN_PROVISIONER] ?? ann[ANN_PROVISIONER_BETA]) !== PROVISIONER || cls.provisioner !== PROVISIONER) return false;
    // Delayed binding: only once the scheduler chose a node (the PV controller hands it over only then, too).
    return cls.volumeBindingMode !== "WaitForFirstConsumer" || Boolean(ann[ANN_SELECTED_NODE]);
  }

  #event(claim: V1PersistentVolumeClaim, type: "Normal" | "Warning", reason: string, message: string): Promise<unknown> {
    return this.#events.record({ object: { kind: "PersistentVolumeClaim", metadata: claim.metadata }, type, reason, message, source: this.#source });
  }

  async #provision(claim: V1PersistentVolumeClaim, cls: V1StorageClass): Promise<void> {
    const meta = claim.metadata!;
    const selected = meta.annotations?.[ANN_SELECTED_NODE];
    let zone = zoneOf(this.#opts.clusterName);
    if (selected) {
      const node = this.#view.node(selected) ?? (await this.#kube.limiter.run(() => this.#kube.core.readNode({ name: selected })).catch(() => undefined));
      if (!node) {
        await this.#event(claim, "Warning", "ProvisioningFailed", `failed to get target node: node "${selected}" not found`);
        const annotations = { [ANN_SELECTED_NODE]: null };
        await this.#kube.limiter.run(() => this.#kube.core.patchNamespacedPersistentVolumeClaim({ name: meta.name!, namespace: meta.namespace!, body: { metadata: { annotations } } }, mergePatch));
        return;
      }
      zone = node.metadata?.labels?.[ZONE_LABEL] ?? zone;
    }
    await this.#event(claim, "Normal", "Provisioning", `External provisioner is provisioning volume for claim "${claimKey(claim)}"`);
    const delay = Number(cls.parameters?.[DELAY_PARAMETER] ?? this.#opts.defaultDelayMs);
    await sleep(Number.isFinite(delay) && delay >= 0 ? delay : this.#opts.defaultDelayMs);
    // The claim may have gone while the "disk" was being made; then there is nobody to give it to.
    const now = this.#view.claim(meta.namespace!, meta.name!);
    if (!now || now.metadata?.uid !== meta.uid || now.spec?.volumeName) return;

    const name = volumeName(claim);
    const pv: V1PersistentVolume = {
      metadata: { name, annotations: { [ANN_PROVISIONED_BY]: PROVISIONER }, finalizers: [FINALIZER] },
      spec: {
        capacity: { storage: claim.spec?.resources?.requests?.storage ?? "1Gi" },
        accessModes: claim.spec?.accessModes ?? ["ReadWriteOnce"],
        volumeMode: claim.spec?.volumeMode ?? "Filesystem",
        persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? "Delete",
        storageClassName: cls.metadata?.name,
        ...(cls.mountOptions ? { mountOptions: cls.mountOptions } : {}),
        claimRef: { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: meta.namespace, name: meta.name, uid: meta.uid, resourceVersion: meta.resourceVersion },
        csi: { driver: PROVISIONER, volumeHandle: `vol-${meta.uid}`, fsType: "ext4", volumeAttributes: { "storage.kubernetes.io/csiProvisionerIdentity": this.#identity } },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE_LABEL, operator: "In", values: [zone] }] }] } },
      },
    };
    try {
      await this.#kube.limiter.run(() => this.#kube.core.createPersistentVolume({ body: pv }));
    } catch (err) {
      if (statusOf(err) !== 409) {
        await this.#event(claim, "Warning", "ProvisioningFailed", `failed to provision volume with StorageClass "${cls.metadata?.name}": ${(err as Error).message}`);
        throw err;
      }
    }
    this.#log(`provisioned ${name} for claim ${claimKey(claim)} (${cls.metadata?.name}, zone ${zone})`);
    await this.#event(claim, "Normal", "ProvisioningSucceeded", `Successfully provisioned volume ${name}`);
  }

  async #delete(pv: V1PersistentVolume): Promise<void> {
    const name = pv.metadata!.name!;
    try {
      await this.#kube.limiter.run(() => this.#kube.core.deletePersistentVolume({ name }));
    } catch (err) {
      if (statusOf(err) !== 404) throw err;
    }
    // Other finalizers (pv-protection) come and go meanwhile: patch the fresh list, guarded by its resourceVersion.
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const fresh = await this.#kube.limiter.run(() => this.#kube.core.readPersistentVolume({ name }));
        const finalizers = (fresh.metadata?.finalizers ?? []).filter((f) => f !== FINALIZER);
        if (finalizers.length === (fresh.metadata?.finalizers ?? []).length) break;
        const body = { metadata: { resourceVersion: fresh.metadata?.resourceVersion, finalizers: finalizers.length ? finalizers : null } };
        await this.#kube.limiter.run(() => this.#kube.core.patchPersistentVolume({ name, body }, mergePatch));
        break;
      } catch (err) {
        if (statusOf(err) === 404) break;
        if (statusOf(err) !== 409) throw err;
      }
    }
    this.#log(`deleted volume ${name}`);
  }
}
