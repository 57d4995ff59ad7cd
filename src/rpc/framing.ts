/**
 * Newline-delimited JSON framing: one message per `\n`-terminated UTF-8 line.
 *
 * Splitting happens on bytes, not on decoded text: the byte 0x0A never occurs inside a
 * multi-byte UTF-8 sequence, so a character cut across two chunks is only decoded once its
 * whole line has arrived. A line longer than `maxLineBytes` is reported once and its bytes
 * are dropped as they come (never buffered) until the next newline, so a peer cannot make
 * the daemon hold more than `maxLineBytes` per connection.
 */

/** The contract's limit for one message (docs/architecture.md "The socket protocol"). */
export const MAX_MESSAGE_BYTES = 1024 * 1024;

const NEWLINE = 0x0a;
const CR = 0x0d;

export interface LineSplitterOptions {
  /** Longest accepted line in bytes, not counting the `\n` (and an optional `\r` before it). */
  readonly maxLineBytes?: number;
  /** Called with each complete, non-blank line, decoded as UTF-8. */
  readonly onLine: (line: string) => void;
  /** Called once per oversized line, as soon as it crosses the limit. */
  readonly onOversized: (limit: number) => void;
}

export interface LineSplitter {
  push(chunk: Uint8Array): void;
  /** The peer finished: a last line without `\n` is still delivered (lenient, like most NDJSON readers). */
  end(): void;
  /** Bytes currently held for an unfinished line (for tests and metrics). */
  readonly bufferedBytes: number;
}

export function createLineSplitter(options: LineSplitterOptions): LineSplitter {
  const limit = options.maxLineBytes ?? MAX_MESSAGE_BYTES;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  // True while dropping the rest of an oversized line.
  let discarding = false;

  const emit = (bytes: Buffer): void => {
    let end = bytes.length;
    if (end > 0 && bytes[end - 1] === CR) end -= 1;
    // The \r may have been counted against the limit; only real content matters.
    if (end > limit) {
      options.onOversized(limit);
      return;
    }
    const text = bytes.toString("utf8", 0, end);
    if (text.trim() === "") return;
    options.onLine(text);
  };

  const takePending = (tail: Buffer): Buffer => {
    const whole = pending.length === 0 ? tail : Buffer.concat([...pending, tail], pendingBytes + tail.length);
    pending = [];
    pendingBytes = 0;
    return whole;
  };

  return {
    push(chunk: Uint8Array): void {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      let start = 0;
      while (start < buf.length) {
        const nl = buf.indexOf(NEWLINE, start);
        if (nl === -1) {
          const rest = buf.subarray(start);
          if (discarding) return;
          // +1 allows a trailing \r that will be stripped once the \n arrives.
          if (pendingBytes + rest.length > limit + 1) {
            pending = [];
            pendingBytes = 0;
            discarding = true;
            options.onOversized(limit);
            return;
          }
          // Copy: the caller's chunk may be reused, and a small slice must not pin a big chunk.
          pending.push(Buffer.from(rest));
          pendingBytes += rest.length;
          return;
        }
        const piece = buf.subarray(start, nl);
        start = nl + 1;
        if (discarding) {
          discarding = false;
          continue;
        }
        if (pendingBytes + piece.length > limit + 1) {
          pending = [];
          pendingBytes = 0;
          options.onOversized(limit);
          continue;
        }
        emit(takePending(piece));
      }
    },
    end(): void {
      if (!discarding && pendingBytes > 0) emit(takePending(Buffer.alloc(0)));
      pending = [];
      pendingBytes = 0;
      discarding = false;
    },
    get bufferedBytes(): number {
      return pendingBytes;
    },
  };
}

/**
 * One message as a line. JSON.stringify escapes control characters inside strings, so the
 * only raw `\n` is the terminator.
 */
export function encodeLine(message: unknown): string {
  return `${JSON.stringify(message)}\n`;
}
