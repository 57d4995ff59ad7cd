/**
 * Finds where things are written in the loaded config files, by reading their text: cheap,
 * good enough for "config.ts:42" hints, and never wrong in a dangerous way (when a key is
 * not found the message simply has no location).
 */
export interface SourceFile {
  /** Absolute path. */
  readonly path: string;
  /** Path as shown to the operator (relative to the config's folder). */
  readonly display: string;
  readonly text: string;
}

export interface SourceIndex {
  readonly files: readonly SourceFile[];
  /** "config.ts:12" for a config path such as ["profiles", 2, "memLimit"]; `slugs[i]` is profile i's slug. */
  locatePath(path: readonly PropertyKey[], slugs: readonly unknown[]): string | undefined;
  /** Where a patch/resource key is written: inside profile `slug` when given, else in `defaults` first. */
  locateKey(key: string, slug?: string): string | undefined;
}

interface Hit {
  readonly file: SourceFile;
  readonly offset: number;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** `key:` as an object property, bare or quoted. */
function keyPattern(key: string): RegExp {
  const k = escapeRegExp(key);
  return new RegExp(`(?:^|[\\s{,(])(?:${k}|"${k}"|'${k}'|\`${k}\`)\\s*:`, "gm");
}

function slugPattern(slug: string): RegExp {
  const s = escapeRegExp(slug);
  return new RegExp(`(?:^|[\\s{,])(?:slug|"slug"|'slug')\\s*:\\s*(?:"${s}"|'${s}'|\`${s}\`)`, "gm");
}

const ANY_SLUG = /(?:^|[\s{,])(?:slug|"slug"|'slug')\s*:/gm;

function search(re: RegExp, text: string, from: number, to: number): number | undefined {
  re.lastIndex = from;
  const m = re.exec(text);
  if (!m || m.index >= to) return undefined;
  // Point at the key itself, not at the separator the pattern consumed before it.
  return m.index + (m[0].length - m[0].trimStart().length);
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export function createSourceIndex(files: readonly SourceFile[]): SourceIndex {
  const show = (h: Hit) => `${h.file.display}:${lineOf(h.file.text, h.offset)}`;

  /** The one place a profile's `slug: "x"` is written, and where the next profile starts. */
  function profileAnchor(slug: unknown): { hit: Hit; end: number } | undefined {
    if (typeof slug !== "string") return undefined;
    const hits: Hit[] = [];
    for (const file of files) {
      const re = slugPattern(slug);
      for (let m = re.exec(file.text); m; m = re.exec(file.text)) hits.push({ file, offset: m.index + (m[0].length - m[0].trimStart().length) });
    }
    const [hit] = hits;
    if (!hit || hits.length > 1) return undefined;
    const end = search(ANY_SLUG, hit.file.text, hit.offset + 1, Infinity) ?? hit.file.text.length;
    return { hit, end };
  }

  /** Follow the named segments forward from `start`, stopping at the first one not found. */
  function walk(start: Hit, end: number, segments: readonly PropertyKey[]): { hit: Hit; found: number } {
    let hit = start;
    let found = 0;
    for (const seg of segments) {
      // The i-th array element cannot be found by reading text; stop at the array itself.
      if (typeof seg !== "string") break;
      // From one character back: the pattern needs the separator before the key, and the
      // anchor may itself be the key asked for (`slug`).
      const at = search(keyPattern(seg), hit.file.text, Math.max(0, hit.offset - 1), end);
      if (at === undefined) break;
      hit = { file: hit.file, offset: at };
      found++;
    }
    return { hit, found };
  }

  return {
    files,
    locatePath(path, slugs) {
      if (path[0] === "profiles" && typeof path[1] === "number") {
        const anchor = profileAnchor(slugs[path[1]]);
        if (anchor) return show(walk(anchor.hit, anchor.end, path.slice(2)).hit);
      }
      for (const file of files) {
        const { hit, found } = walk({ file, offset: 0 }, file.text.length, path);
        if (found > 0) return show(hit);
      }
      return undefined;
    },
    locateKey(key, slug) {
      const anchor = slug === undefined ? undefined : profileAnchor(slug);
      if (anchor) {
        const at = search(keyPattern(key), anchor.hit.file.text, anchor.hit.offset, anchor.end);
        if (at !== undefined) return show({ file: anchor.hit.file, offset: at });
      }
      if (slug === undefined) {
        // A key of the defaults: look after `defaults:` (a profile may use the same key earlier).
        for (const file of files) {
          const d = search(keyPattern("defaults"), file.text, 0, file.text.length);
          const at = d === undefined ? undefined : search(keyPattern(key), file.text, d, file.text.length);
          if (at !== undefined) return show({ file, offset: at });
        }
      }
      for (const file of files) {
        const at = search(keyPattern(key), file.text, 0, file.text.length);
        if (at !== undefined) return show({ file, offset: at });
      }
      return undefined;
    },
  };
}
