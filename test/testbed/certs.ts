/**
 * The bed's PKI, made once and kept in `.testbed/pki/`: a self-signed CA, one serving
 * certificate for 127.0.0.1/localhost (every API server listens there), the service-account
 * signing key pair, and the bearer tokens. node:crypto makes keys but cannot sign X.509
 * certificates, so the certificates come from the openssl CLI.
 */
import { spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "../../src/errors.ts";
import { adminUser, controllerManagerUser, pkiDir, restrictedUser, schedulerUser } from "./layout.ts";

export interface Pki {
  readonly caCert: string;
  readonly servingCert: string;
  readonly servingKey: string;
  readonly saPublicKey: string;
  readonly saPrivateKey: string;
  /** Path of the CA certificate; its PEM is embedded in the kubeconfig. */
  readonly caPem: string;
}

function openssl(args: readonly string[]): void {
  const r = spawnSync("openssl", args, { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    throw new UserError(`openssl ${args[0]} failed while making the test bed's certificates: ${r.error?.message ?? r.stderr.trim()}`, [
      "the test bed needs the openssl CLI (apt-get install openssl)",
    ]);
  }
}

export function ensurePki(): Pki {
  mkdirSync(pkiDir, { recursive: true, mode: 0o700 });
  const p = (f: string): string => join(pkiDir, f);
  const caKey = p("ca.key");
  const caCert = p("ca.crt");
  const servingKey = p("apiserver.key");
  const servingCert = p("apiserver.crt");
  const saPrivateKey = p("sa.key");
  const saPublicKey = p("sa.pub");

  if (!existsSync(caCert) || !existsSync(caKey)) {
    openssl(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", caKey, "-out", caCert,
      "-days", "3650", "-subj", "/CN=mcks-testbed-ca", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  }
  if (!existsSync(servingCert) || !existsSync(servingKey)) {
    const csr = p("apiserver.csr");
    const ext = p("apiserver.ext");
    openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", servingKey, "-out", csr, "-subj", "/CN=kube-apiserver"]);
    writeFileSync(ext, [
      "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc",
      "extendedKeyUsage=serverAuth",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "",
    ].join("\n"));
    openssl(["x509", "-req", "-in", csr, "-CA", caCert, "-CAkey", caKey, "-CAcreateserial", "-out", servingCert, "-days", "3650", "-extfile", ext]);
  }
  if (!existsSync(saPrivateKey) || !existsSync(saPublicKey)) {
    // RS256 is what every client of service-account tokens accepts.
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    writeFileSync(saPrivateKey, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
    writeFileSync(saPublicKey, publicKey.export({ type: "spki", format: "pem" }));
  }
  return { caCert, servingCert, servingKey, saPublicKey, saPrivateKey, caPem: caCert };
}

export interface Tokens {
  readonly admin: string;
  readonly restricted: string;
  readonly scheduler: string;
  readonly controllerManager: string;
}

const tokenNames: readonly (keyof Tokens)[] = ["admin", "restricted", "scheduler", "controllerManager"];

/** Bearer tokens of one cluster, kept in `.testbed/pki/tokens-N.json`; different per cluster. */
export function ensureTokens(cluster: number): Tokens {
  const file = join(pkiDir, `tokens-${cluster}.json`);
  const known = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as Partial<Tokens>) : {};
  if (tokenNames.every((k) => known[k])) return known as Tokens;
  // A file from an older bed lacks the components' tokens: add them, keep the others.
  const tokens = Object.fromEntries(tokenNames.map((k) => [k, known[k] ?? randomBytes(24).toString("hex")])) as unknown as Tokens;
  writeFileSync(file, JSON.stringify(tokens) + "\n", { mode: 0o600 });
  return tokens;
}

/** The API server's `--token-auth-file` format: token,user,uid,"group1,group2". */
export function tokenAuthFile(cluster: number, tokens: Tokens): string {
  const file = join(pkiDir, `token-auth-${cluster}.csv`);
  const lines = [
    `${tokens.admin},${adminUser},uid-admin,"system:masters"`,
    `${tokens.restricted},${restrictedUser},uid-restricted`,
    `${tokens.scheduler},${schedulerUser},uid-kube-scheduler`,
    `${tokens.controllerManager},${controllerManagerUser},uid-kube-controller-manager`,
  ];
  writeFileSync(file, `${lines.join("\n")}\n`, { mode: 0o600 });
  return file;
}
