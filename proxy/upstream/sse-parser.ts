/**
 * The proxy's only Server-Sent Events parser (WHATWG event-stream grammar). It works on bytes, so a
 * chunk boundary can fall anywhere — inside a UTF-8 character, between CR and LF — without effect:
 * a line is decoded only once its terminator has arrived, and terminators are ASCII bytes that never
 * occur inside a multi-byte UTF-8 sequence. Each byte is scanned once (no rescans of the buffer,
 * the O(n²) trap upstream codex-lb once hit on 8 MiB events).
 */

export interface SseMessage {
  /** The `event:` field, when the block had one. */
  event: string | undefined;
  /** `data:` lines joined with "\n". */
  data: string;
  id: string | undefined;
}

export class SseEventTooLargeError extends Error {
  override readonly name = 'SseEventTooLargeError';
  readonly code = 'sse_event_too_large';
  constructor(limit: number) {
    super(`upstream SSE event exceeds ${limit} bytes`);
  }
}

const LF = 0x0a;
const CR = 0x0d;
const EMPTY = Buffer.alloc(0);

export class SseParser {
  readonly #maxEventBytes: number;
  /** Pieces of a line whose terminator has not arrived yet (joined once, when it does). */
  #partial: Buffer[] = [];
  #partialBytes = 0;
  /** The previous chunk ended in CR: a leading LF in the next chunk belongs to that terminator. */
  #skipLeadingLf = false;
  #firstLine = true;
  #event: string | undefined;
  #data: string[] = [];
  #id: string | undefined;
  #eventBytes = 0;

  constructor(options: { maxEventBytes: number }) {
    this.#maxEventBytes = options.maxEventBytes;
  }

  /** Parses a chunk and returns the events it completed (possibly none). */
  push(chunk: Uint8Array): SseMessage[] {
    const out: SseMessage[] = [];
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let pos = 0;
    if (this.#skipLeadingLf && buf.length > 0) {
      this.#skipLeadingLf = false;
      if (buf[0] === LF) pos = 1;
    }
    let nextLf = buf.indexOf(LF, pos);
    let nextCr = buf.indexOf(CR, pos);
    while (pos < buf.length) {
      if (nextLf !== -1 && nextLf < pos) nextLf = buf.indexOf(LF, pos);
      if (nextCr !== -1 && nextCr < pos) nextCr = buf.indexOf(CR, pos);
      let end: number;
      if (nextLf === -1) end = nextCr;
      else if (nextCr === -1) end = nextLf;
      else end = Math.min(nextLf, nextCr);
      if (end === -1) break;

      let line: Buffer = buf.subarray(pos, end);
      if (this.#partial.length > 0) line = this.#takePartial(line);
      let next = end + 1;
      if (buf[end] === CR) {
        if (next < buf.length) {
          if (buf[next] === LF) next += 1;
        } else {
          this.#skipLeadingLf = true;
        }
      }
      pos = next;
      this.#line(line, out);
    }
    if (pos < buf.length) {
      this.#partial.push(buf.subarray(pos));
      this.#partialBytes += buf.length - pos;
      this.#checkSize(this.#eventBytes + this.#partialBytes);
    }
    return out;
  }

  /**
   * End of input. A final event whose blank line never came is still delivered: upstreams that close
   * right after their last `data:` line lose nothing, and a truncated JSON payload is caught later.
   */
  finish(): SseMessage[] {
    const out: SseMessage[] = [];
    if (this.#partial.length > 0) this.#line(this.#takePartial(EMPTY), out);
    this.#dispatch(out);
    return out;
  }

  #takePartial(tail: Buffer): Buffer {
    const line = Buffer.concat([...this.#partial, tail], this.#partialBytes + tail.length);
    this.#partial = [];
    this.#partialBytes = 0;
    return line;
  }

  #line(bytes: Buffer, out: SseMessage[]): void {
    let line = bytes.toString('utf8');
    if (this.#firstLine) {
      this.#firstLine = false;
      if (line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    }
    if (line.length === 0) {
      this.#dispatch(out);
      return;
    }
    if (line.charCodeAt(0) === 0x3a /* ':' comment */) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 0x20) value = value.slice(1);
    switch (field) {
      case 'data':
        this.#eventBytes += bytes.length;
        this.#checkSize(this.#eventBytes);
        this.#data.push(value);
        break;
      case 'event':
        this.#event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.#id = value;
        break;
      default:
        // `retry:` and unknown fields carry nothing the proxy uses.
        break;
    }
  }

  #dispatch(out: SseMessage[]): void {
    if (this.#data.length > 0) {
      out.push({ event: this.#event, data: this.#data.join('\n'), id: this.#id });
    }
    this.#event = undefined;
    this.#data = [];
    this.#eventBytes = 0;
  }

  #checkSize(bytes: number): void {
    if (bytes > this.#maxEventBytes) throw new SseEventTooLargeError(this.#maxEventBytes);
  }
}
