/**
 * `--images FILE`: images that run a real process instead of the in-process mock, e.g.
 *   { "testbed/singleuser:real": { "command": [".venv/bin/jupyterhub-singleuser", "--ip={ip}", "--port={port}"],
 *                                  "env": { "JUPYTERHUB_SINGLEUSER_APP": "jupyter_server.serverapp.ServerApp" } } }
 * `{ip}`, `{port}`, `{prefix}`, `{pod}`, `{namespace}`, `{home}`, `{node}` (the agent's Node 24) and
 * `{repo}` (the repository root) are substituted in command and env.
 * An image matches exactly, or by its name without the tag. Without `--images` the agent reads
 * images.json next to this file.
 */
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { UserError } from "../../../src/errors.ts";

export interface ImageProcess {
  readonly command: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Working directory, relative to the map file; default: the container's home directory. */
  readonly cwd?: string;
}

export type ImageMap = ReadonlyMap<string, ImageProcess>;

export const defaultImagesFile = join(import.meta.dirname, "images.json");
export const repoRoot = resolve(import.meta.dirname, "../../..");

export function loadImageMap(file: string): ImageMap {
  const map = new Map<string, ImageProcess>();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new UserError(`cannot read --images ${file}: ${(err as Error).message}; it must be a JSON object of image → {"command": [...]}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new UserError(`--images ${file} must hold a JSON object mapping image names to {"command": [...]}`);
  }
  for (const [image, spec] of Object.entries(raw)) {
    const s = spec as { command?: unknown; env?: unknown; cwd?: unknown };
    if (!Array.isArray(s?.command) || s.command.length === 0 || !s.command.every((c) => typeof c === "string")) {
      throw new UserError(`--images ${file}: "${image}".command must be a non-empty array of strings`);
    }
    if (s.env !== undefined && (typeof s.env !== "object" || s.env === null || Object.values(s.env).some((v) => typeof v !== "string"))) {
      throw new UserError(`--images ${file}: "${image}".env must be an object of strings`);
    }
    if (s.cwd !== undefined && typeof s.cwd !== "string") throw new UserError(`--images ${file}: "${image}".cwd must be a string`);
    map.set(image, {
      command: s.command as string[],
      env: (s.env ?? {}) as Record<string, string>,
      ...(typeof s.cwd === "string" ? { cwd: resolve(dirname(file), s.cwd) } : {}),
    });
  }
  return map;
}

export function lookupImage(map: ImageMap, image: string): ImageProcess | undefined {
  const hit = map.get(image);
  if (hit) return hit;
  const at = image.lastIndexOf(":");
  return at > image.lastIndexOf("/") ? map.get(image.slice(0, at)) : undefined;
}
