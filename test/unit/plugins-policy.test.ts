import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { HookContext, KubeObject } from "multicluster-kubespawner";
import { groupLabels, requireLimits } from "../../plugins/policy.ts";

function pod(limits?: Record<string, string>): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "jupyter-alice", labels: { a: "b" } },
    spec: { containers: [{ name: "notebook", ...(limits ? { resources: { limits } } : {}) }] },
  };
}

function ctx(objects: KubeObject[], groups: string[] = []): HookContext {
  return {
    objects,
    user: { name: "alice", escapedName: "alice", groups },
    log: { info() {}, warn() {} },
    signal: new AbortController().signal,
  } as unknown as HookContext;
}

describe("requireLimits", () => {
  it("passes a pod whose containers have cpu and memory limits", async () => {
    await requireLimits().preApply?.(ctx([pod({ cpu: "1", memory: "1Gi" })]));
  });
  it("names the container and the missing limit", async () => {
    await assert.rejects(
      async () => requireLimits().preApply?.(ctx([pod({ cpu: "1" })])),
      /container "notebook" of Pod\/jupyter-alice has no memory limit/,
    );
  });
  it("checks only the resources it was asked for", async () => {
    await requireLimits({ resources: ["cpu"] }).preApply?.(ctx([pod({ cpu: "1" })]));
    await assert.rejects(async () => requireLimits().preApply?.(ctx([pod()])), /no cpu or memory limit/);
  });
});

describe("groupLabels", () => {
  it("adds one label per group, made label-safe, and keeps existing labels", async () => {
    const objects = [pod()];
    await groupLabels({ prefix: "hub.example.org/group-" }).preApply?.(ctx(objects, ["ml-team", "Data Science!", "-x-"]));
    assert.deepEqual(objects[0]?.metadata.labels, {
      a: "b",
      "hub.example.org/group-ml-team": "true",
      "hub.example.org/group-Data_Science": "true",
      "hub.example.org/group-x": "true",
    });
  });
  it("leaves non-pod objects alone", async () => {
    const sa: KubeObject = { kind: "ServiceAccount", metadata: { name: "x" } };
    await groupLabels({ prefix: "g/" }).preApply?.(ctx([sa], ["a"]));
    assert.deepEqual(sa, { kind: "ServiceAccount", metadata: { name: "x" } });
  });
});
