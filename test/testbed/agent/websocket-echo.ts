/**
 * A minimal RFC 6455 echo endpoint for the mock single-user server: enough to prove that the
 * ingress passes WebSocket upgrades through (Jupyter kernels talk over WebSockets).
 * Each data frame is sent back as-is (unmasked), so fragmented messages echo correctly too.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

interface Frame {
  readonly first: number;
  readonly opcode: number;
  readonly payload: Buffer;
  readonly size: number;
}

function parseFrame(buf: Buffer): Frame | undefined {
  if (buf.length < 2) return undefined;
  const first = buf[0]!;
  const second = buf[1]!;
  let len = second & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return undefined;
    len = buf.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    if (buf.length < 10) return undefined;
    len = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  const masked = (second & 0x80) !== 0;
  const maskAt = offset;
  if (masked) offset += 4;
  if (buf.length < offset + len) return undefined;
  const payload = Buffer.from(buf.subarray(offset, offset + len));
  if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= buf[maskAt + (i % 4)]!;
  return { first, opcode: first & 0x0f, payload, size: offset + len };
}

function encodeFrame(first: number, payload: Buffer): Buffer {
  const len = payload.length;
  const header = len < 126 ? Buffer.alloc(2) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  header[0] = first;
  if (len < 126) header[1] = len;
  else if (len < 65536) {
    header[1] = 126;
    header.writeUInt16BE(len, 2);
  } else {
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([header, payload]);
}

export function acceptEcho(req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const key = req.headers["sec-websocket-key"];
  if (typeof key !== "string" || req.headers.upgrade?.toLowerCase() !== "websocket") {
    socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    return;
  }
  const accept = createHash("sha1").update(key + GUID).digest("base64");
  socket.write(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
  );
  let buf: Buffer = head.length > 0 ? Buffer.from(head) : Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    buf = buf.length > 0 ? Buffer.concat([buf, chunk]) : chunk;
    for (let frame = parseFrame(buf); frame; frame = parseFrame(buf)) {
      buf = buf.subarray(frame.size);
      if (frame.opcode === 0x8) {
        socket.end(encodeFrame(0x88, frame.payload.subarray(0, 2)));
        return;
      }
      if (frame.opcode === 0x9) socket.write(encodeFrame(0x8a, frame.payload));
      else if (frame.opcode !== 0xa) socket.write(encodeFrame(frame.first, frame.payload));
    }
  };
  socket.on("data", onData);
  socket.on("error", () => socket.destroy());
  if (buf.length > 0) onData(Buffer.alloc(0));
}
