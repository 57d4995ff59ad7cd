/**
 * The zero-to-jupyterhub recipe of docs/deploy.md, as far as it can be checked without the chart
 * or a container engine: the values fragment merged into the hub Deployment the way the chart's
 * template does (z2jh.ts), validated by a real kube-apiserver of the test bed (`kubectl apply
 * --dry-run=server --validate=strict`); its parts agree with each other (socket path, user, the
 * daemon's flags); the Containerfiles name the release's files, the hub image installs the
 * wheel as root, and the daemon image's base holds every shared library the binaries need; a
 * config.ts importing a plugin loads from the note's Secret with `items` as the kubelet lays it out.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse } from "yaml";
import { ensureBed, type Bed } from "../testbed/bed.ts";
import { ROOT } from "../../build/paths.ts";
import { docBlock, ensureRelease, tempDir, type Release } from "./fixture.ts";
import { hubDeployment, podOf } from "./z2jh.ts";

// Parsed YAML and rendered manifests, read by path in assertions.
type Obj = Record<string, any>;

const NAMESPACE = "default";
const HUB_SA = "hub";

let rel: Release;
let bed: Bed;
let values: Obj;
let containerfile = "";
let hubContainerfile = "";

function kubectl(args: readonly string[], input?: string): { status: number | null; out: string } {
  const r = spawnSync("kubectl", ["--kubeconfig", bed.kubeconfig, "--context", bed.clusters[0]!.context, ...args], { input, encoding: "utf8", timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** The chart's hub Deployment for these values, as plain data to read by path. */
const render = (v: Obj, ns = NAMESPACE): Obj => hubDeployment(v, ns) as Obj;

const serverDryRun = (obj: Obj) => kubectl(["apply", "--dry-run=server", "--validate=strict", "-f", "-"], JSON.stringify(obj));

before(async () => {
  rel = ensureRelease();
  bed = await ensureBed({ clusters: 1 });
  values = parse(docBlock("# values.yaml (zero-to-jupyterhub 4.x): mcks beside the hub")) as Obj;
  containerfile = docBlock("# Containerfile");
  hubContainerfile = docBlock("# Containerfile.hub");
  // The Pod's admission needs the chart's hub ServiceAccount to exist.
  const sa = kubectl(["-n", NAMESPACE, "create", "serviceaccount", HUB_SA]);
  assert.ok(sa.status === 0 || /AlreadyExists/.test(sa.out), sa.out);
});

after(() => {
  if (bed) kubectl(["-n", NAMESPACE, "delete", "serviceaccount", HUB_SA, "--ignore-not-found"]);
});

describe("docs/deploy.md: zero-to-jupyterhub", () => {
  test("the hub Deployment the chart makes from the values is valid for the API server", () => {
    const deployment = render(values);
    const containers = deployment.spec.template.spec.containers as Obj[];
    assert.deepEqual(containers.map((c) => c.name), ["hub", "mcks"]);
    const r = serverDryRun(deployment);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /deployment\.apps\/hub (created|configured|unchanged) \(server dry run\)/);
  });

  test("so is the hub Pod it makes", () => {
    const r = serverDryRun(podOf(render(values), "hub-0123456789-abcde"));
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /pod\/hub-0123456789-abcde (created|configured|unchanged) \(server dry run\)/);
  });

  test("the API server would reject a fragment whose mount names no volume (this check can fail)", () => {
    const broken = structuredClone(values);
    broken.hub.extraVolumeMounts[0].name = "mcks-sockets";
    const r = serverDryRun(render(broken));
    assert.notEqual(r.status, 0);
    assert.match(r.out, /volumeMounts\[\d+\]\.name: Not found: "mcks-sockets"/);
  });

  test("hub and daemon agree: one socket path on one shared volume, one user", () => {
    const pod = render(values).spec.template.spec as Obj;
    const [hub, mcks] = pod.containers as Obj[];
    const args = mcks!.args as string[];
    const socket = args[args.indexOf("--socket") + 1]!;
    // The extraConfig lines, run as the chart runs them (exec with `c` in scope).
    const config = runExtraConfig(values.hub.extraConfig.mcks as string);
    assert.equal(config.JupyterHub.spawner_class, "multicluster");
    assert.equal(config.MultiClusterKubeSpawner.socket_path, socket);
    assert.match(config.MultiClusterKubeSpawner.hub_connect_url, /^https:\/\//);
    const folder = socket.slice(0, socket.lastIndexOf("/"));
    const mountOf = (c: Obj) => (c.volumeMounts as Obj[]).find((m) => folder.startsWith(`${String(m.mountPath).replace(/\/$/, "")}/`));
    assert.ok(mountOf(hub!) && mountOf(mcks!), "both containers must mount the volume the socket's folder is in");
    assert.equal(mountOf(hub!)!.name, mountOf(mcks!)!.name);
    assert.equal(mountOf(hub!)!.mountPath, mountOf(mcks!)!.mountPath);
    // The spawner refuses a socket in a folder everyone may write to (an emptyDir's own, 0777):
    // the socket's folder is one below, which mcks creates.
    assert.notEqual(mountOf(mcks!)!.mountPath, folder);
    // The socket is 0600: the daemon must run as the hub's user.
    assert.equal(mcks!.securityContext.runAsUser, hub!.securityContext.runAsUser);
    assert.match(containerfile, new RegExp(`^USER ${hub!.securityContext.runAsUser}:`, "m"));
  });

  test("the daemon's arguments are flags `mcks serve` has", () => {
    const args = (values.hub.extraContainers[0].args as string[]);
    assert.equal(args[0], "serve");
    const help = spawnSync(rel.files.x64, ["serve", "--help"], { env: {}, encoding: "utf8" });
    assert.equal(help.status, 0, help.stderr);
    for (const flag of args.filter((a) => a.startsWith("-"))) assert.ok(help.stdout.includes(`${flag}`), `mcks serve has no ${flag}`);
    // The Containerfile's CMD is the same command, so the image runs alone too.
    const cmd = JSON.parse(/^CMD (.*)$/m.exec(containerfile)?.[1] ?? "null") as string[];
    assert.deepEqual(cmd, args);
  });

  test("the Containerfiles name this release's files", () => {
    assert.match(containerfile, /^FROM docker\.io\/library\/debian:bookworm-slim$/m);
    const arg = (name: string) => new RegExp(`^ARG ${name}=(.*)$`, "m").exec(containerfile)?.[1];
    assert.equal(arg("MCKS_VERSION"), rel.version);
    const copy = /^COPY --chmod=0755 (\S+) (\S+)$/m.exec(containerfile);
    assert.ok(copy, "no COPY of the binary");
    for (const arch of ["x64", "arm64"]) {
      const source = copy[1]!.replace("${MCKS_VERSION}", rel.version).replace("${MCKS_ARCH}", arch);
      assert.ok(Object.values(rel.files).some((f) => f.endsWith(`/${source}`)), `${source} is not in the release`);
    }
    assert.match(containerfile, new RegExp(`^ENTRYPOINT \\["${copy[2]}"\\]$`, "m"));
    const wheel = rel.files.wheel.slice(rel.dir.length + 1);
    assert.ok(hubContainerfile.includes(`COPY ${wheel} `) && hubContainerfile.includes(`pip install --no-cache-dir /tmp/${wheel}`), hubContainerfile);
    // The chart's hub image ends as its user jovyan (1000, the hub container's runAsUser), who
    // cannot write to the system's site-packages: pip runs as root, the image ends as jovyan again.
    const steps = hubContainerfile.split("\n").filter((l) => /^(USER|RUN) /.test(l));
    assert.deepEqual(steps, ["USER root", `RUN pip install --no-cache-dir /tmp/${wheel}`, "USER jovyan"]);
  });

  test("a config.ts importing ./plugins/ loads from the Secret's items, not from the Secret mounted flat", () => {
    const volume = (parse(docBlock("# values.yaml, hub.extraVolumes: config.ts and the plugins it imports, from one Secret")) as Obj[])[0]!;
    // The API server accepts the volume in place of the recipe's.
    const withItems = structuredClone(values);
    withItems.hub.extraVolumes = (withItems.hub.extraVolumes as Obj[]).map((v) => (v.name === volume.name ? volume : v));
    const r = serverDryRun(podOf(render(withItems), "hub-0123456789-abcde"));
    assert.equal(r.status, 0, r.out);
    // The Secret the note's command makes, from an operator's folder holding config.ts, its plugin and the kubeconfig.
    const work = tempDir("mcks-z2jh-");
    try {
      const operator = join(work, "operator");
      mkdirSync(join(operator, "plugins"), { recursive: true });
      writeFileSync(join(operator, "config.ts"), PLUGIN_CONFIG);
      copyFileSync(join(ROOT, "plugins/policy.ts"), join(operator, "plugins/policy.ts"));
      writeFileSync(join(operator, "kubeconfig"), readFileSync(bed.kubeconfig));
      const secret = secretOf(docBlock("# config.ts, the plugins it imports and the kubeconfig in one Secret"), operator);
      const items = volume.secret.items as { key: string; path: string }[];
      assert.deepEqual(items.map((i) => i.key).sort(), Object.keys(secret).sort(), "items must name every key of the Secret");
      const validate = (mount: string) => spawnSync(rel.files.x64, ["validate", "-c", join(mount, "config.ts")], { env: { HOME: work }, encoding: "utf8", timeout: 60_000 });
      const projected = project(join(work, "items"), Object.fromEntries(items.map((i) => [i.path, secret[i.key]!])));
      const ok = validate(projected);
      assert.equal(ok.status, 0, ok.stdout + ok.stderr);
      // Without items every key is a file in the mount's own folder: the import finds nothing.
      const flat = validate(project(join(work, "flat"), secret));
      assert.notEqual(flat.status, 0, flat.stdout);
      assert.match(flat.stderr, /cannot find "\.\/plugins\/policy\.ts"/);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  test("debian:bookworm-slim holds every shared library the binaries need", () => {
    // A slim image is the required packages plus apt; what apt depends on is certainly there.
    const inSlim = new Set(run("apt-cache", ["depends", "--recurse", "--important", "apt"]).split("\n").filter((l) => /^\S/.test(l)));
    for (const binary of [rel.files.x64, rel.files.arm64]) {
      const needed = [...run("readelf", ["-d", binary]).matchAll(/\(NEEDED\)\s+Shared library: \[(.+)\]/g)].map((m) => m[1]!);
      assert.ok(needed.includes("libc.so.6"), `no NEEDED entries read from ${binary}`);
      for (const lib of needed) {
        // The same Debian package ships the library for both architectures (x86_64 names looked up here).
        const name = lib.replace("ld-linux-aarch64.so.1", "ld-linux-x86-64.so.2");
        const owner = run("dpkg", ["-S", `*/x86_64-linux-gnu/${name}`]).split(":")[0]!;
        assert.ok(inSlim.has(owner), `${lib} (package ${owner}) is not in debian:bookworm-slim`);
      }
    }
  });
});

/** A config.ts that imports one of the repository's example plugins by a relative path. */
const PLUGIN_CONFIG = `import { defineConfig } from "multicluster-kubespawner";
import { requireLimits } from "./plugins/policy.ts";
export default defineConfig({
  clusters: { east: { context: "east", ingressPublicUrl: "https://east.example.org", namespace: "jupyter" } },
  profiles: [{ slug: "small", displayName: "Small", cluster: "east", default: true, image: "quay.io/jupyter/base-notebook:latest" }],
  plugins: [requireLimits()],
});
`;

/** The Secret's data (key → content) that a `kubectl create secret generic … --from-file=…` command makes from files in `cwd`. */
function secretOf(command: string, cwd: string): Record<string, Buffer> {
  const data: Record<string, Buffer> = {};
  for (const m of command.matchAll(/--from-file=(\S+)/g)) {
    const arg = m[1]!;
    const [key, source] = arg.includes("=") ? (arg.split("=", 2) as [string, string]) : [basename(arg), arg];
    data[key] = readFileSync(join(cwd, source));
  }
  assert.ok(Object.keys(data).length > 0, `no --from-file in ${command}`);
  return data;
}

/**
 * The files of a Secret volume as the kubelet lays them out (its AtomicWriter, in
 * pkg/volume/util of Kubernetes): the payload in a timestamped folder that `..data` points to,
 * and in the mount one symlink into `..data` per first path component.
 */
function project(mount: string, payload: Record<string, Buffer>): string {
  const stamped = "..2026_01_01_00_00_00.000000001";
  for (const [path, content] of Object.entries(payload)) {
    mkdirSync(dirname(join(mount, stamped, path)), { recursive: true, mode: 0o755 });
    writeFileSync(join(mount, stamped, path), content, { mode: 0o644 });
  }
  symlinkSync(stamped, join(mount, "..data"));
  for (const top of new Set(Object.keys(payload).map((p) => p.split("/")[0]!))) symlinkSync(join("..data", top), join(mount, top));
  return mount;
}

function run(cmd: string, args: readonly string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

/** Runs hub.extraConfig code with a `c` like traitlets' (attribute access makes sections). */
function runExtraConfig(code: string): Obj {
  const py = `
import json, sys
class Section(dict):
    def __getattr__(self, k):
        return self.setdefault(k, Section())
    def __setattr__(self, k, v):
        self[k] = v
c = Section()
exec(sys.stdin.read())
print(json.dumps(c))
`;
  const r = spawnSync("python3", ["-c", py], { input: code, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as Obj;
}
