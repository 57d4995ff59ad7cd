/**
 * Images mapped to real processes (test/testbed/agent/images.json) on the real bed (testbed-2):
 * `testbed/echo-process` runs as its own OS process with the pod's env (a secretKeyRef resolved
 * from the Secret), logs to a file, is restarted with back-off when it exits, and is stopped when
 * the pod is deleted.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { V1Pod } from "@kubernetes/client-node";
import { repoRoot } from "../testbed/agent/images.ts";
import { agentTarget, condition, getJson, httpGet, kc, podEvents, waitFor, type Target } from "../testbed/agent/testing.ts";

let t: Target;
const name = `agent-proc-${process.pid}`;
const prefix = `/user/${name}/`;

before(async () => {
  t = await agentTarget();
});

after(() => {
  if (t) kc(t, ["delete", "pod,secret", name, "--ignore-not-found", "--wait=false"]);
});

const ready = (what: string, ok: (p: V1Pod) => boolean = () => true) =>
  waitFor(`${name} ${what}`, () => {
    const p = getJson<V1Pod>(t, `pod/${name}`);
    return p && condition(p, "Ready")?.status === "True" && ok(p) ? p : undefined;
  }, 30_000);

describe("real-process images", () => {
  let pod: V1Pod;
  test("runs with the pod's env, secretKeyRef resolved, and logs to a file", async () => {
    kc(
      t,
      ["apply", "-f", "-"],
      `
apiVersion: v1
kind: Secret
metadata: { name: ${name} }
stringData: { token: "s3cret-${process.pid}" }
---
apiVersion: v1
kind: Pod
metadata: { name: ${name} }
spec:
  terminationGracePeriodSeconds: 2
  containers:
    - name: notebook
      image: testbed/echo-process:latest
      ports: [{ containerPort: 8888 }]
      env:
        - { name: JUPYTERHUB_SERVICE_PREFIX, value: "${prefix}" }
        - { name: JUPYTERHUB_API_TOKEN, valueFrom: { secretKeyRef: { name: ${name}, key: token } } }
        - { name: MY_POD, valueFrom: { fieldRef: { fieldPath: metadata.name } } }
        - { name: GREETING, value: "hi $(MY_POD)" }
`,
    );
    pod = await ready("Ready");
    const base = `http://${pod.status?.podIP}:8888${prefix}`;
    const root = JSON.parse((await httpGet(base)).body);
    assert.equal(root.server, "echo-process");
    assert.notEqual(root.pid, process.pid);
    assert.equal((await httpGet(`${base}env/JUPYTERHUB_API_TOKEN`)).body, `s3cret-${process.pid}`);
    assert.equal((await httpGet(`${base}env/GREETING`)).body, `hi ${name}`);
    assert.equal((await httpGet(`${base}env/PWD_NOT_SET_BY_POD`)).status, 404, "the process gets a clean environment");
    const log = join(repoRoot, ".testbed/logs/cluster-2", `default_${name}_notebook.log`);
    assert.ok(existsSync(log), `log file ${log}`);
    assert.ok(readFileSync(log, "utf8").includes(`echo-process listening on ${pod.status?.podIP}:8888${prefix}`), `log ${log}`);
  });

  test("an exiting process is restarted with back-off", async () => {
    const base = `http://${pod.status?.podIP}:8888${prefix}`;
    const before = JSON.parse((await httpGet(base)).body).pid as number;
    assert.equal((await httpGet(`${base}exit?code=3`, { method: "POST" })).status, 202);
    const p = await ready("restarted", (p) => (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1);
    assert.equal(p.status?.containerStatuses?.[0]?.lastState?.terminated?.exitCode, 3);
    const after = await waitFor("new process answers", async () => {
      const r = await httpGet(base).catch(() => undefined);
      return r?.status === 200 ? (JSON.parse(r.body).pid as number) : undefined;
    });
    assert.notEqual(after, before);
    assert.ok(podEvents(t, name).some((e) => e.reason === "BackOff"));
  });

  test("deleting the pod stops the process", async () => {
    const base = `http://${pod.status?.podIP}:8888${prefix}`;
    const pid = JSON.parse((await httpGet(base)).body).pid as number;
    kc(t, ["delete", "pod", name, "--wait=false"]);
    await waitFor("pod gone", () => (getJson<V1Pod>(t, `pod/${name}`) === undefined ? true : undefined), 15_000);
    await waitFor(`process ${pid} exited`, () => {
      try {
        process.kill(pid, 0);
        return undefined;
      } catch {
        return true;
      }
    }, 5_000);
  });
});
