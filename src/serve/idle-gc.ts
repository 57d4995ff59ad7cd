/**
 * A burst of starts leaves V8's old generation full of short-lived garbage (parsed watch events,
 * request bodies, the starts' closures) and the heap grown to hold it; with no allocation
 * afterwards nothing triggers the collection that would give it back, so the daemon kept the
 * burst's peak as its RSS (bench/memory.ts: 250 MiB with 1000 servers, of which ~40 MiB live).
 * Once no start or stop has run for `idleMs`, one memory-reducing full collection returns it.
 * At most one per `minGapMs`, so a hub starting a server every few seconds does not pay a full
 * GC per start. Needs `--expose-gc` (the binary's execArgv, build/sea.ts); without it, a no-op.
 */
type Gc = (o?: { type?: "major"; execution?: "sync" | "async"; flavor?: "regular" | "last-resort" }) => void;

export interface IdleGc {
  /** Wraps one start or stop: the idle clock runs only while none is under way. */
  track<T>(work: Promise<T>): Promise<T>;
}

export function idleGc(opts: { idleMs?: number; minGapMs?: number; gc?: Gc } = {}): IdleGc {
  const gc = opts.gc ?? (globalThis as { gc?: Gc }).gc;
  const idleMs = opts.idleMs ?? 3000;
  const minGapMs = opts.minGapMs ?? 10_000;
  let busy = 0;
  let dirty = false;
  let lastGc = 0;
  let timer: NodeJS.Timeout | undefined;
  const arm = (delay: number): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (busy > 0 || !dirty) return;
      const wait = lastGc + minGapMs - Date.now();
      if (wait > 0) return arm(wait);
      dirty = false;
      lastGc = Date.now();
      gc?.({ type: "major", execution: "sync", flavor: "last-resort" });
    }, delay);
    timer.unref();
  };
  return {
    async track(work) {
      if (!gc) return work;
      busy += 1;
      clearTimeout(timer);
      try {
        return await work;
      } finally {
        busy -= 1;
        dirty = true;
        if (busy === 0) arm(idleMs);
      }
    },
  };
}
