/**
 * Writes a streaming response with backpressure: a write that fills the socket buffer waits for
 * `drain` (or for the client to go away) before the next upstream event is pulled. Framing lives
 * here and nowhere else.
 */
import type { ServerResponse } from 'node:http';
import type { ResponseEvent } from '../upstream/events.ts';

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

export class StreamWriter {
  readonly #res: ServerResponse;

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  get committed(): boolean {
    return this.#res.headersSent;
  }

  /** Sends status and headers now, so intermediaries see the stream open. */
  commit(status: number, headers: Readonly<Record<string, string>>): void {
    if (this.#res.headersSent) return;
    this.#res.writeHead(status, headers);
    this.#res.flushHeaders();
  }

  async write(text: string): Promise<void> {
    const res = this.#res;
    if (res.destroyed || res.writableEnded) throw new ClientGoneError('client closed the connection');
    if (res.write(text)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
    if (res.destroyed) throw new ClientGoneError('client closed the connection');
  }

  end(): void {
    if (!this.#res.writableEnded) this.#res.end();
  }
}
