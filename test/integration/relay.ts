/** Shared by tests that make an API server unreachable and reachable again without killing it. */
import net from "node:net";

/** A TCP relay that can be cut (every connection dropped, port closed) and restored. */
export class Relay {
  readonly #target: { host: string; port: number };
  readonly #sockets = new Set<net.Socket>();
  #server: net.Server | undefined;
  port = 0;
  constructor(target: URL) {
    this.#target = { host: target.hostname, port: Number(target.port) };
  }
  async open(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.#target);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on("close", () => this.#sockets.delete(s));
        s.on("error", () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(this.port, "127.0.0.1", resolve));
    this.port = (server.address() as net.AddressInfo).port;
    this.#server = server;
  }
  async cut(): Promise<void> {
    const s = this.#server;
    this.#server = undefined;
    for (const sock of this.#sockets) sock.destroy();
    if (s) await new Promise((resolve) => s.close(resolve));
  }
}
