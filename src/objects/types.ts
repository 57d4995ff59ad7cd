/** A Kubernetes object as plain data (what YAML parses to). */
export interface KubeObject {
  apiVersion?: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** Where an object or its last change came from, for error messages and `dry-run --explain`. */
export interface Origin {
  /** "builtin", "resource", "patch" or "plugin". */
  readonly stage: "builtin" | "resource" | "patch" | "plugin";
  /** Key of the resource/patch, or plugin name. */
  readonly name: string;
  /** e.g. "config.example.ts:42" when known. */
  readonly location?: string;
}

/** One object on a cluster, as stop deletes it by name (the uid guards against a newer one of the same name). */
export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string | undefined;
  readonly name: string;
  readonly uid: string;
}
