/**
 * The shape of the native settings (native-settings.ts) as zod schemas. A function value (a
 * per-user setting) passes here and is checked against the same schema when the spawn computes
 * it (profile/native.ts), so both report the same messages.
 */
import { z } from "zod";
import { parseQuantity } from "./kube-quantity.ts";

type Ctx = z.core.$RefinementCtx;

/** Each issue of `schema` on `value`, added where the refinement runs. */
function forward(schema: z.ZodType, value: unknown, ctx: Ctx): void {
  const r = schema.safeParse(value, { reportInput: true });
  if (!r.success) for (const issue of r.error.issues) ctx.addIssue(issue as never);
}

/** `schema`, or a function of the spawn returning it. */
function perUser(schema: z.ZodType) {
  return z
    .unknown()
    .superRefine((v, ctx) => {
      if (typeof v !== "function") forward(schema, v, ctx);
    })
    .optional();
}

/** A list of `item`, or a mapping of keys to `item` (or null, removing an earlier level's entry). */
function keyedList(item: z.ZodType) {
  const list = z.array(item);
  const keyed = z.record(z.string(), item.nullable());
  return z.unknown().superRefine((v, ctx) => {
    if (Array.isArray(v)) forward(list, v, ctx);
    else if (typeof v === "object" && v !== null) forward(keyed, v, ctx);
    else ctx.addIssue({ code: "custom", message: "expected a list, or a mapping of keys to entries (used in key order)" });
  });
}

/** Kubernetes writes fields camelCase; KubeSpawner refuses snake_case keys in these too. */
function camelCaseKeys(what: string) {
  return z.record(z.string(), z.unknown()).superRefine((v, ctx) => {
    for (const key of Object.keys(v)) {
      if (key.includes("_")) {
        const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
        ctx.addIssue({ code: "custom", path: [key], message: `${what} keys are Kubernetes field names, camelCase: did you mean ${JSON.stringify(camel)}?` });
      }
    }
  });
}

const name = z.string().min(1);
const id = z.number().int().min(0);
const nullableMap = (value: z.ZodType) => z.record(z.string(), value.nullable());
const fragment = (shape: Record<string, z.ZodType>) => z.looseObject(shape);
const weight = z.number().int().min(1).max(100);

const toleration = fragment({
  key: z.string().optional(),
  operator: z.enum(["Exists", "Equal"]).optional(),
  value: z.string().optional(),
  effect: z.enum(["NoSchedule", "PreferNoSchedule", "NoExecute"]).optional(),
  tolerationSeconds: z.number().int().optional(),
});
const nodeSelectorTerm = fragment({ matchExpressions: z.array(z.looseObject({ key: name, operator: name })).optional() });
const podAffinityTerm = fragment({ topologyKey: name });

export const affinityShape = {
  nodeAffinityRequired: keyedList(nodeSelectorTerm).optional(),
  nodeAffinityPreferred: keyedList(fragment({ weight, preference: nodeSelectorTerm })).optional(),
  podAffinityRequired: keyedList(podAffinityTerm).optional(),
  podAffinityPreferred: keyedList(fragment({ weight, podAffinityTerm })).optional(),
  podAntiAffinityRequired: keyedList(podAffinityTerm).optional(),
  podAntiAffinityPreferred: keyedList(fragment({ weight, podAffinityTerm })).optional(),
};

/** A string Kubernetes reads as a quantity of at least zero. */
const quantity = (message: string) => z.string().refine((s) => (parseQuantity(s) ?? -1) >= 0, message);
export const storageShape = {
  capacity: quantity('expected a Kubernetes quantity like "10Gi"').optional(),
  storageClass: name.optional(),
  accessModes: z.array(z.enum(["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"])).min(1).optional(),
  mountPath: z.string().startsWith("/", "expected an absolute path like /home/jovyan").optional(),
};

const resourceMap = nullableMap(z.union([quantity('expected a Kubernetes quantity like "1" or "500Mi"'), z.number().min(0)]));

/** Shapes of the values (what a per-user function must return, too). */
export const NATIVE_VALUE_SCHEMAS = {
  nodeSelector: nullableMap(z.string()),
  tolerations: keyedList(toleration),
  affinity: z.strictObject(affinityShape),
  extraResourceLimits: resourceMap,
  extraResourceGuarantees: resourceMap,
  uid: id.nullable(),
  gid: id.nullable(),
  fsGid: id.nullable(),
  supplementalGids: z.array(id),
  allowPrivilegeEscalation: z.boolean().nullable(),
  containerSecurityContext: camelCaseKeys("containerSecurityContext"),
  podSecurityContext: camelCaseKeys("podSecurityContext"),
  volumes: keyedList(fragment({ name })),
  volumeMounts: keyedList(fragment({ name, mountPath: z.string().startsWith("/", "expected an absolute path") })),
  storage: z.union([z.literal(false), z.strictObject(storageShape)]),
  initContainers: keyedList(fragment({ name })),
  extraContainers: keyedList(fragment({ name })),
  lifecycleHooks: camelCaseKeys("lifecycleHooks"),
  workingDir: z.string().min(1),
  imagePullSecrets: z.array(z.union([name, z.strictObject({ name })])),
  extraLabels: nullableMap(z.string()),
  extraAnnotations: nullableMap(z.string()),
  priorityClassName: name,
  schedulerName: name,
  serviceAccountName: name,
  automountServiceAccountToken: z.boolean(),
  extraPodConfig: camelCaseKeys("extraPodConfig"),
  extraContainerConfig: camelCaseKeys("extraContainerConfig"),
  defaultUrl: z.string().startsWith("/", 'expected a path like "/lab"'),
} as const;

export type NativeKey = keyof typeof NATIVE_VALUE_SCHEMAS;

/** The settings' shape entries (merged into config/schema.ts's settingsShape, which adds startTimeout as seconds like the config's). */
export const nativeSettingsShape = Object.fromEntries(Object.entries(NATIVE_VALUE_SCHEMAS).map(([k, s]) => [k, perUser(s)])) as unknown as Record<NativeKey, z.ZodType>;
