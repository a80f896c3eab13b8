/**
 * One upstream Responses WebSocket (reference/proxy-contract.md §2.1, §2.7): `response.create`
 * frames out, JSON event frames back, one turn at a time. A socket is kept for its account across
 * a client's turns: the backend resolves `previous_response_id` only against responses completed
 * on the same connection, which is how the Codex CLI sends incremental turns over WebSocket.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { WebSocket, type RawData } from 'ws';
import { endsStream, parseEventJson, type JsonObject, type ResponseEvent } from './events.ts';

/** The upstream refused the upgrade: its HTTP answer, for classification like any HTTP error. */
export interface HandshakeRefusal {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Connected = { ok: true; socket: UpstreamSocket } | { ok: false; refusal: HandshakeRefusal };

/** Frames queued ahead of the consumer before the socket is paused (backpressure). */
const HIGH_WATER_FRAMES = 256;

export class UpstreamSocket {
  readonly #ws: WebSocket;
  readonly headers: IncomingHttpHeaders;
  #turnActive = false;
  /** The last turn reached its terminal event; otherwise its remaining frames would reach the next turn. */
  #lastTurnEnded = true;
  #queue: ResponseEvent[] = [];
  #wake: (() => void) | undefined;
  #closed = false;

  private constructor(ws: WebSocket, headers: IncomingHttpHeaders) {
    this.#ws = ws;
    this.headers = headers;
    ws.on('message', (data: RawData, isBinary: boolean) => this.#receive(data, isBinary));
    ws.once('close', () => {
      this.#closed = true;
      this.#notify();
    });
    ws.on('error', () => undefined);
  }

  static connect(url: string, headers: Record<string, string>, options: { signal: AbortSignal; connectTimeoutMs: number; maxPayload: number }): Promise<Connected> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers, handshakeTimeout: options.connectTimeoutMs, maxPayload: options.maxPayload, perMessageDeflate: false });
      const abort = (): void => ws.terminate();
      options.signal.addEventListener('abort', abort, { once: true });
      const settle = (): void => options.signal.removeEventListener('abort', abort);
      let upgradeHeaders: IncomingHttpHeaders = {};
      ws.once('upgrade', (res: IncomingMessage) => (upgradeHeaders = res.headers));
      ws.once('open', () => {
        settle();
        resolve({ ok: true, socket: new UpstreamSocket(ws, upgradeHeaders) });
      });
      ws.once('unexpected-response', (_req, res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.once('end', () => {
          settle();
          ws.terminate();
          resolve({ ok: false, refusal: { status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') } });
        });
      });
      ws.once('error', (err) => {
        settle();
        reject(err);
      });
    });
  }

  get open(): boolean {
    return !this.#closed && this.#ws.readyState === WebSocket.OPEN;
  }

  /** Open, and its last turn reached its terminal event: no frames of an abandoned turn can still arrive. */
  get reusable(): boolean {
    return this.open && this.#lastTurnEnded;
  }

  #receive(data: RawData, isBinary: boolean): void {
    if (isBinary || !this.#turnActive) return;
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as Buffer).toString('utf8');
    const event = parseEventJson(text);
    if (!event) return;
    this.#queue.push(event);
    if (this.#queue.length >= HIGH_WATER_FRAMES) this.#ws.pause();
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /**
   * Sends one `response.create` and yields the turn's events, every frame received since the last
   * yield at once, up to and including the terminal one. Ends early (no terminal event) when the
   * socket closes.
   */
  async *turn(frame: JsonObject): AsyncGenerator<readonly ResponseEvent[]> {
    if (this.#turnActive || !this.#lastTurnEnded) throw new Error('upstream socket already has a turn in progress');
    this.#turnActive = true;
    this.#lastTurnEnded = false;
    this.#queue = [];
    try {
      this.#ws.send(JSON.stringify(frame));
      for (;;) {
        if (this.#queue.length > 0) {
          const end = this.#queue.findIndex(endsStream);
          const batch = end === -1 ? this.#queue : this.#queue.slice(0, end + 1);
          this.#queue = end === -1 ? [] : this.#queue.slice(end + 1);
          this.#ws.resume();
          if (end !== -1) {
            // Settled before handing the events over: the socket is reusable as soon as the turn ended.
            this.#lastTurnEnded = true;
            this.#turnActive = false;
          }
          yield batch;
          if (this.#lastTurnEnded) return;
          continue;
        }
        if (this.#closed) return;
        await new Promise<void>((resolve) => (this.#wake = resolve));
      }
    } finally {
      this.#turnActive = false;
      this.#ws.resume();
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ws.close(1000);
    this.#notify();
  }
}
