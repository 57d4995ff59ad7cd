import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { createLineSplitter, encodeLine } from "../../src/rpc/framing.ts";

function collect(maxLineBytes?: number) {
  const lines: string[] = [];
  let oversized = 0;
  const splitter = createLineSplitter({
    ...(maxLineBytes === undefined ? {} : { maxLineBytes }),
    onLine: (l) => lines.push(l),
    onOversized: () => {
      oversized += 1;
    },
  });
  return {
    splitter,
    lines,
    get oversized() {
      return oversized;
    },
  };
}

describe("rpc framing", () => {
  it("decodes a multi-byte character split across chunks", () => {
    const text = encodeLine({ user: "Zoë 🚀 ユーザー" });
    const bytes = Buffer.from(text);
    const c = collect();
    // One byte per chunk cuts every multi-byte sequence.
    for (const b of bytes) c.splitter.push(Buffer.from([b]));
    assert.deepEqual(c.lines.map((l) => JSON.parse(l)), [{ user: "Zoë 🚀 ユーザー" }]);
  });

  it("yields the same lines however the stream is chunked", () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: "binary", maxLength: 30 }), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 10 }),
        (values, cuts) => {
          const bytes = Buffer.from(values.map((v) => encodeLine(v)).join(""));
          const c = collect();
          let at = 0;
          let i = 0;
          while (at < bytes.length) {
            const n = cuts[i++ % cuts.length] ?? 1;
            c.splitter.push(bytes.subarray(at, at + n));
            at += n;
          }
          assert.deepEqual(c.lines.map((l) => JSON.parse(l) as string), values);
        },
      ),
    );
  });

  it("ignores blank lines and strips a \\r before \\n", () => {
    const c = collect();
    c.splitter.push(Buffer.from('\n\n  \n{"a":1}\r\n\r\n{"b":2}\n'));
    assert.deepEqual(c.lines, ['{"a":1}', '{"b":2}']);
  });

  it("accepts a line of exactly the limit and rejects one byte more", () => {
    const c = collect(10);
    c.splitter.push(Buffer.from("0123456789\n01234567890\nok\n"));
    assert.deepEqual(c.lines, ["0123456789", "ok"]);
    assert.equal(c.oversized, 1);
  });

  it("drops an oversized line without buffering it and resumes at the next newline", () => {
    const limit = 1024 * 1024;
    const c = collect(limit);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let maxBuffered = 0;
    // 10 MiB without a newline.
    for (let i = 0; i < 160; i++) {
      c.splitter.push(chunk);
      maxBuffered = Math.max(maxBuffered, c.splitter.bufferedBytes);
    }
    assert.ok(maxBuffered <= limit, `buffered ${maxBuffered} bytes`);
    assert.equal(c.splitter.bufferedBytes, 0);
    assert.equal(c.oversized, 1, "reported once, as soon as it crossed the limit");
    c.splitter.push(Buffer.from('aaaa\n{"next":true}\n'));
    assert.deepEqual(c.lines, ['{"next":true}']);
  });

  it("delivers an unterminated last line at end", () => {
    const c = collect();
    c.splitter.push(Buffer.from('{"a":1}\n{"b"'));
    c.splitter.push(Buffer.from(":2}"));
    assert.deepEqual(c.lines, ['{"a":1}']);
    c.splitter.end();
    assert.deepEqual(c.lines, ['{"a":1}', '{"b":2}']);
  });

  it("encodes a message as one line even when strings hold newlines", () => {
    const line = encodeLine({ text: "a\nb\u2028c" });
    assert.equal(line.indexOf("\n"), line.length - 1);
    assert.deepEqual(JSON.parse(line), { text: "a\nb\u2028c" });
  });
});
