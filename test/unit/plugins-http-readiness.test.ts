import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import type { ReadinessContext } from "multicluster-kubespawner";
import { httpReadiness } from "../../plugins/http-readiness.ts";

let server: Server;
let base = "";
let hits = 0;

before(async () => {
  server = createServer((req, res) => {
    if (req.url === "/user/alice/api") {
      hits += 1;
      // Not ready for the first two tries, like an ingress that has not picked the route up yet.
      if (hits <= 2) return void res.writeHead(503).end();
      return void res.writeHead(200, { "x-jupyterhub-version": "5.3.0" }).end("{}");
    }
    if (req.url === "/user/bob/api") return void res.writeHead(200).end("{}");
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

const ctx = (url: string, signal = new AbortController().signal) =>
  ({ url, log: { info() {}, warn() {} }, signal }) as unknown as ReadinessContext;

describe("httpReadiness", () => {
  it("retries until the endpoint answers", async () => {
    await httpReadiness({ requireHeader: "x-jupyterhub-version" }).readiness?.(ctx(`${base}/user/alice/`));
    assert.equal(hits, 3);
  });
  it("fails with the last status when the deadline passes", async () => {
    await assert.rejects(
      async () => httpReadiness({ path: "nope", timeoutSeconds: 0.3 }).readiness?.(ctx(`${base}/user/alice/`)),
      /did not answer within 0.3s \(last: HTTP 404\)/,
    );
  });
  it("requires the header when asked", async () => {
    await assert.rejects(
      async () => httpReadiness({ requireHeader: "x-jupyterhub-version", timeoutSeconds: 0.2 }).readiness?.(ctx(`${base}/user/bob/`)),
      /without x-jupyterhub-version header/,
    );
  });
  it("stops when the spawn is cancelled", async () => {
    const ac = new AbortController();
    const p = httpReadiness({ path: "nope", timeoutSeconds: 30 }).readiness?.(ctx(`${base}/user/alice/`, ac.signal));
    setTimeout(() => ac.abort(new Error("cancelled by the hub")), 100);
    await assert.rejects(async () => p, /cancelled by the hub|aborted/);
  });
});
