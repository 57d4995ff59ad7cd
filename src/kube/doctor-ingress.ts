/**
 * `mcks doctor`'s ingress check: does the cluster's `ingressPublicUrl` answer from this machine?
 * The hub's proxy sends every user's traffic there, from the same network as the daemon in the
 * usual setups. Any HTTP answer counts (an ingress controller's own 404 for `/` is normal); no
 * answer (refused, DNS, TLS, timeout) is what breaks every server of the cluster.
 *
 * node:http rather than fetch: fetch refuses the ports browsers block (9, 6000, 6665…), which
 * the hub's proxy does not.
 */
import http from "node:http";
import https from "node:https";

export interface IngressReport {
  readonly url: string;
  /** The HTTP status it answered with. */
  readonly status?: number;
  /** Why it did not answer. */
  readonly error?: string;
}

export function checkIngress(url: string, timeoutMs = 10_000): Promise<IngressReport> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      resolve({ url, error: "not a URL" });
      return;
    }
    const lib = target.protocol === "https:" ? https : http;
    const req = lib.request(target, { method: "GET", agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      req.destroy();
      resolve({ url, status: res.statusCode ?? 0 });
    });
    req.on("timeout", () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs / 1000} s`), { code: "ETIMEDOUT" })));
    req.on("error", (err: NodeJS.ErrnoException) => {
      const code = err.code && !err.message.includes(err.code) ? `${err.code}: ` : "";
      resolve({ url, error: `${code}${err.message}` });
    });
    req.end();
  });
}
