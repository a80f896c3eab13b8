/**
 * Writes a streaming response with backpressure: a write that fills the socket buffer waits for
 * `drain` (or for the client to go away) before the next upstream event is pulled. Framing lives
 * here and nowhere else.
 */
import type { ServerResponse } from 'node:http';
import type { ResponseEvent } from '../upstream/events.ts';
import { writeHead } from './answer-head.ts';

export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

/** `event: <type>\ndata: <json>\n\n` — the canonical Responses block (§2.5). */
export function sseEvent(event: ResponseEvent): string {
  return event.type === '' ? `data: ${event.json}\n\n` : `event: ${event.type}\ndata: ${event.json}\n\n`;
}

/** `data: <json>\n\n` — chat completion frames have no `event:` line (§3.2). */
export function sseData(json: string): string {
  return `data: ${json}\n\n`;
}

export const SSE_DONE = 'data: [DONE]\n\n';
export const COMMENT_KEEPALIVE = ': keepalive\n\n';
/** Codex-native clients run a watchdog on events, not on comments. */
export const CODEX_KEEPALIVE = 'event: codex.keepalive\ndata: {"type":"codex.keepalive"}\n\n';

export class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
}

/** Above this many buffered bytes a batch is written at once instead of at the end of the loop turn. */
const BATCH_BYTES = 64 * 1024;

export class StreamWriter {
  readonly #res: ServerResponse;
  #batch: string[] = [];
  #batchBytes = 0;
  #flushScheduled = false;
  /** The answer's first chunk has gone out. */
  #flushed = false;
  /** Set while the socket is over its high-water mark: the next write waits for `drain`. */
  #blocked: Promise<void> | undefined;

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  get committed(): boolean {
    return this.#res.headersSent;
  }

  /** Sets status and headers; they leave with the first chunk, so the answer opens in one packet instead of two. */
  commit(status: number, headers: Readonly<Record<string, string>>): void {
    if (this.#res.headersSent) return;
    writeHead(this.#res, status, headers);
  }

  /**
   * Queues `text`. Everything written during one turn of the event loop — typically all events
   * parsed from one upstream read — goes out as one chunk, in one syscall, when the turn ends
   * (setImmediate runs right after the I/O phase that delivered them). Returns nothing when the caller
   * may write more at once (the socket is not full), else a promise that settles after `drain` — or
   * rejects when the client went away: the relay awaits only then, not once per event.
   *
   * The answer's first chunk does not wait for the turn to end (time to first event is what a client
   * waits on, and the rest of the turn may be other streams' work); it leaves as soon as the code that
   * is writing it yields (a microtask), so the head and every event relayed with the first real one —
   * `codex.rate_limits` and `response.created` — open the answer in one write, not two.
   */
  write(text: string): Promise<void> | undefined {
    if (this.#blocked) return this.#blocked.then(() => this.write(text));
    const res = this.#res;
    if (res.destroyed || res.writableEnded) return Promise.reject(new ClientGoneError('client closed the connection'));
    this.#batch.push(text);
    this.#batchBytes += text.length;
    if (this.#batchBytes >= BATCH_BYTES) this.#flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      if (this.#flushed) setImmediate(() => this.#flush());
      else queueMicrotask(() => this.#flush());
    }
    return undefined;
  }

  /** Queues each of `texts` in order, as `write` does; a promise only if the socket fills on the way. */
  writeAll(texts: readonly string[]): Promise<void> | undefined {
    for (let i = 0; i < texts.length; i++) {
      const pending = this.write(texts[i] as string);
      if (pending) return pending.then(() => this.writeAll(texts.slice(i + 1)));
    }
    return undefined;
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#batch.length === 0) return;
    this.#flushed = true;
    const res = this.#res;
    const data = this.#batch.length === 1 ? (this.#batch[0] as string) : this.#batch.join('');
    this.#batch = [];
    this.#batchBytes = 0;
    if (res.destroyed || res.writableEnded || res.write(data)) return;
    this.#blocked = new Promise<void>((resolve) => {
      const done = (): void => {
        res.off('drain', done);
        res.off('close', done);
        this.#blocked = undefined;
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }

  /** Ends the answer; what is still batched leaves with the end, in one write (short streams are mostly this). */
  end(): void {
    this.#flushScheduled = false;
    const res = this.#res;
    const rest = this.#batch.join('');
    this.#batch = [];
    this.#batchBytes = 0;
    if (res.writableEnded || res.destroyed) return;
    if (rest.length > 0) res.end(rest);
    else res.end();
  }
}
