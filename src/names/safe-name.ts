import { createHash } from "node:crypto";

/** A DNS-1123 label that needs no escaping: lowercase alphanumerics and single dashes. */
const SAFE = /^[a-z0-9]([a-z0-9]|-(?!-))*$/;
const MAX_LABEL = 63;
/** 48 bits: birthday collisions stay below 1e-6 even with 10k escaped names. */
const HASH_CHARS = 12;
/**
 * Escaped names end in `---<hash>`. Safe names never contain `--`, and the key joins user
 * and server with exactly one `--`, so an escaped result can never equal an unescaped one:
 * a user cannot pick a name that collides with someone else's escaped name.
 */
const HASH_SEPARATOR = "---";

export function hashOf(...raw: string[]): string {
  return createHash("sha256").update(JSON.stringify(raw)).digest("hex").slice(0, HASH_CHARS);
}

/** Lowercase, turn every run of other characters into one dash, trim dashes. */
function slug(raw: string): string {
  return raw
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

function isSafe(s: string, max: number): boolean {
  return s.length <= max && SAFE.test(s) && !s.endsWith("-");
}

/** Cut `readable` so that `readable---hash` fits in `max`, never leaving a trailing dash. */
function withHash(readable: string, hash: string, max: number): string {
  const room = max - HASH_SEPARATOR.length - hash.length;
  const cut = readable.slice(0, room).replace(/-+$/, "");
  return cut ? `${cut}${HASH_SEPARATOR}${hash}` : `x${HASH_SEPARATOR}${hash}`;
}

/**
 * The name as a label value / DNS label: unchanged when already safe, otherwise a readable
 * slug plus a hash of the raw name, so "Alice" and "alice" never share a name.
 */
export function safeName(raw: string): string {
  if (raw === "") return "";
  return isSafe(raw, MAX_LABEL) ? raw : withHash(slug(raw), hashOf(raw), MAX_LABEL);
}

/** The hub id of a config that sets none (one hub per cluster). */
export const DEFAULT_HUB = "default";

/**
 * `jupyter-<user>[--<server>]`, DNS-1123 safe, at most 63 characters. When any part needs
 * escaping or the result is too long, a hash of both raw names is appended. A hub with its
 * own id (several hubs on one cluster) has keys `<hubId>--<user>[--<server>]` instead: a safe
 * name never holds `--` and a default key never does right after `jupyter`, so no two hubs'
 * keys are ever equal, whatever their users are called.
 */
export function serverKey(user: string, server: string, hubId: string = DEFAULT_HUB): string {
  const head = hubId === DEFAULT_HUB ? "jupyter-" : `${hubId}--`;
  const plain = server === "" ? `${head}${user}` : `${head}${user}--${server}`;
  const userOk = SAFE.test(user) && !user.endsWith("-");
  const serverOk = server === "" || (SAFE.test(server) && !server.endsWith("-"));
  if (userOk && serverOk && plain.length <= MAX_LABEL) return plain;
  const readable = server === "" ? `${head}${slug(user)}` : `${head}${slug(user)}--${slug(server)}`;
  return withHash(readable, hubId === DEFAULT_HUB ? hashOf(user, server) : hashOf(user, server, hubId), MAX_LABEL);
}
