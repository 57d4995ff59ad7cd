/**
 * The shape of a UserConfig as zod 4 schemas. Only shape lives here (each field's type and
 * format); checks across fields (clusters named by profiles, duplicate slugs…) are in
 * cross-checks.ts. Messages say what was expected, with an example, because the operator
 * reads them next to the config path.
 */
import { z } from "zod";
import { affinityShape, nativeSettingsShape, storageShape } from "./native-schema.ts";
import { parseBytes, parseCpu } from "./quantity.ts";

export const SLUG = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const HUB_ID = /^[a-z0-9]{1,20}$/;
const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function describeValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === "function") return "a function";
  if (Array.isArray(v)) return "an array";
  if (v === null) return "null";
  if (typeof v === "object") return Object.prototype.toString.call(v) === "[object RegExp]" ? String(v) : "an object";
  return String(v);
}

/** A field checked by a predicate; `undefined` passes (optional) unless `required`. */
function checked(ok: (v: unknown) => boolean, expected: string, required = false) {
  const schema = z.unknown().superRefine((v, ctx) => {
    if (v === undefined ? required : !ok(v)) {
      ctx.addIssue({ code: "custom", message: v === undefined ? `missing (expected ${expected})` : `expected ${expected} (got ${describeValue(v)})` });
    }
  });
  // zod 4 treats an absent key as an error unless the schema is marked optional.
  return required ? schema : schema.optional();
}

const isFunction = (v: unknown) => typeof v === "function";
const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && Object.getPrototypeOf(v) === Object.prototype;
const isStringOrFunction = (v: unknown) => typeof v === "string" || typeof v === "function";
export const isRegExp = (v: unknown): v is RegExp => Object.prototype.toString.call(v) === "[object RegExp]";

export function isIngressUrl(v: unknown): boolean {
  if (typeof v !== "string") return false;
  try {
    const u = new URL(v);
    return (u.protocol === "http:" || u.protocol === "https:") && (u.pathname === "/" || u.pathname === "") && !u.search && !u.hash && !u.username;
  } catch {
    return false;
  }
}

const byteQuantity = checked((v) => parseBytes(v) !== undefined, 'a quantity like "512M", "2G" or a number of bytes');
const cpuQuantity = checked((v) => parseCpu(v) !== undefined, 'a CPU quantity like 0.5, 2 or "500m"');
const objectSource = checked(isStringOrFunction, "a template string or a function returning objects");
const stringList = z.array(z.string());
/** A positive number of seconds; `nullable`: null (= no limit of its own) is allowed too. */
const seconds = (nullable = false) =>
  checked(
    (v) => (nullable && v === null) || (typeof v === "number" && Number.isFinite(v) && v > 0),
    nullable ? "a number of seconds greater than 0, or null" : "a number of seconds greater than 0",
  );

export const settingsShape = {
  image: z.string().min(1).optional(),
  imagePullPolicy: z.enum(["Always", "IfNotPresent", "Never"]).optional(),
  cmd: stringList.optional(),
  args: stringList.optional(),
  port: checked((v) => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 65535, "a port number from 1 to 65535"),
  environment: z
    .record(
      z.string(),
      checked(
        (v) => isStringOrFunction(v) || (isPlainObject(v) && Object.keys(v).join() === "secret" && isStringOrFunction(v.secret)),
        "a string, a function returning a string, or { secret: … } for a value that belongs in the Secret",
        true,
      ),
    )
    .optional(),
  cpuLimit: cpuQuantity,
  cpuGuarantee: cpuQuantity,
  memLimit: byteQuantity,
  memGuarantee: byteQuantity,
  serviceAccount: z.boolean().optional(),
  patches: z.record(z.string(), objectSource).optional(),
  resources: z.record(z.string(), objectSource).optional(),
  ...nativeSettingsShape,
  startTimeout: seconds(),
};
export const settingsSchema = z.strictObject(settingsShape);

export const clusterSchema = z.strictObject({
  context: z.string().min(1),
  routing: z.enum(["ingress", "pod-ip"]).optional(),
  // Required with ingress routing: config/cross-checks.ts.
  ingressPublicUrl: checked(isIngressUrl, 'an http(s):// URL with no path, like "https://eu.hub.example.org"'),
  ingressClass: z.string().min(1).optional(),
  namespace: z.string().min(1).optional(),
  createNamespace: z.boolean().optional(),
  kubeconfig: z.string().min(1).optional(),
  ingressHost: checked((v) => typeof v === "string" && DNS_NAME.test(v), 'a DNS host name like "eu.hub.example.org"'),
  defaults: settingsSchema.optional(),
  unschedulableTimeout: seconds(true),
});

const choiceSchema = z.strictObject({
  displayName: z.string(),
  default: z.boolean().optional(),
  overrides: settingsSchema.optional(),
  allowed: checked(isFunction, "a function (user) => boolean"),
});

const unlistedSchema = z.strictObject({
  displayName: z.string(),
  validation: checked(
    (v) => typeof v === "string" || isRegExp(v),
    'a RegExp or a regular expression string the whole value must match, or "any" to accept any text (validate warns)',
    true,
  ),
  validationMessage: z.string().optional(),
  overrides: checked(isFunction, "a function (value) => settings", true),
});

const optionSchema = z.strictObject({
  displayName: z.string(),
  choices: z.record(z.string(), choiceSchema),
  unlisted: unlistedSchema.optional(),
});

export const profileSchema = z.strictObject({
  ...settingsShape,
  slug: checked((v) => typeof v === "string" && SLUG.test(v), 'a slug of lowercase letters, digits and dashes, like "aws-us-east-1"', true),
  displayName: z.string(),
  description: z.string().optional(),
  default: z.boolean().optional(),
  cluster: z.string(),
  fallbackClusters: z.array(z.string()).optional(),
  options: z.record(z.string(), optionSchema).optional(),
  allowed: checked(isFunction, "a function (user) => boolean"),
});

export const pluginSchema = z.strictObject({
  name: z.string().min(1),
  enforce: z.enum(["pre", "post"]).optional(),
  auth: checked(isFunction, "a function"),
  preApply: checked(isFunction, "a function"),
  readiness: checked(isFunction, "a function"),
});

export const userConfigSchema = z.strictObject({
  clusters: z.record(z.string(), clusterSchema),
  defaults: settingsSchema.optional(),
  profiles: z.array(profileSchema).min(1, { message: "at least one profile is needed" }),
  plugins: z.array(pluginSchema).optional(),
  startTimeout: seconds(),
  pollGracePeriod: seconds(),
  hubId: checked((v) => typeof v === "string" && HUB_ID.test(v), 'lowercase letters and digits, at most 20, like "hubeu" (it starts every object name of this hub)'),
});

/** Known keys of each kind of object, for "did you mean …?" on unknown keys. */
export const KNOWN_KEYS = {
  config: Object.keys(userConfigSchema.shape),
  cluster: Object.keys(clusterSchema.shape),
  settings: Object.keys(settingsShape),
  profile: Object.keys(profileSchema.shape),
  option: Object.keys(optionSchema.shape),
  choice: Object.keys(choiceSchema.shape),
  unlisted: Object.keys(unlistedSchema.shape),
  plugin: Object.keys(pluginSchema.shape),
  storage: Object.keys(storageShape),
  affinity: Object.keys(affinityShape),
} as const;
