/**
 * A real-process "image" for tests (`testbed/echo-process` in images.json): like the mock server
 * but its own OS process, so tests can check the process path of the kubelet: env resolution
 * (`<prefix>env/NAME` returns that variable), logs, and exit → restart (`POST <prefix>exit?code=N`).
 *   node echo-process.ts --ip IP --port PORT   (prefix from JUPYTERHUB_SERVICE_PREFIX)
 */
import { createServer } from "node:http";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { ip: { type: "string" }, port: { type: "string" } } });
const prefix = process.env.JUPYTERHUB_SERVICE_PREFIX ?? "/";
const server = createServer((req, res) => {
  const url = new URL(req.url ?? "/", "http://x");
  res.setHeader("X-JupyterHub-Version", "echo-process");
  if (!url.pathname.startsWith(prefix)) {
    res.writeHead(404).end("not under prefix\n");
    return;
  }
  const rest = url.pathname.slice(prefix.length);
  if (rest.startsWith("env/")) {
    const v = process.env[rest.slice(4)];
    res.writeHead(v === undefined ? 404 : 200, { "Content-Type": "text/plain" }).end(v ?? "");
    return;
  }
  if (rest === "exit" && req.method === "POST") {
    res.writeHead(202).end("exiting\n", () => process.exit(Number(url.searchParams.get("code") ?? "1")));
    return;
  }
  res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify({ server: "echo-process", pid: process.pid, path: req.url }));
});
server.listen(Number(values.port), values.ip, () => console.log(`echo-process listening on ${values.ip}:${values.port}${prefix}`));
process.on("SIGTERM", () => {
  console.log("SIGTERM: bye");
  server.close();
  process.exit(0);
});
