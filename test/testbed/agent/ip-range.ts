/**
 * Which 127.B.0.0/16 this agent's node and pods live in. Several beds can run at once on one
 * machine (tests start their own with a port offset), each with a "cluster 1", so the range
 * cannot come from the cluster number alone. An agent owns a range while it listens on the
 * range's node address at the kubelet port (10250, answering /healthz like a kubelet); the
 * first free range from 127.<N+10> upwards is taken, so a lone bed gets 127.<N+10> as documented.
 */
import { createServer } from "node:http";
import type { Server } from "node:http";

export const KUBELET_PORT = 10250;

function tryListen(ip: string): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      res.writeHead(req.url === "/healthz" ? 200 : 404, { "Content-Type": "text/plain" }).end(req.url === "/healthz" ? "ok" : "not found");
    });
    server.once("error", () => resolve(undefined));
    server.listen(KUBELET_PORT, ip, () => resolve(server));
  });
}

export interface IpRange {
  /** The second octet B of 127.B.x.y. */
  readonly second: number;
  /** Held open for the agent's lifetime: it is the claim on the range. */
  readonly claim: Server;
}

export async function claimIpRange(cluster: number): Promise<IpRange> {
  const first = Math.min(cluster + 10, 255);
  // 127.0.x.x holds 127.0.0.1; 127.1.x.x is left alone too.
  const order = [...Array.from({ length: 256 - first }, (_, i) => first + i), ...Array.from({ length: first - 2 }, (_, i) => 2 + i)];
  for (const second of order) {
    const claim = await tryListen(`127.${second}.0.1`);
    if (claim) return { second, claim };
  }
  throw new Error(`every 127.B.0.1:${KUBELET_PORT} is taken: too many test-bed agents are running`);
}
