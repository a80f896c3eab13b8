/**
 * The HTTP client for the Codex backend: one undici Pool per upstream origin with keep-alive, so
 * interactive turns reuse warm TCP/TLS connections (upstream measured 100–300 ms saved per turn).
 * It only moves bytes: timeouts, retries and failover are the caller's, driven by AbortSignals, so
 * there is exactly one clock per concern.
 */
import { Pool, type Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { eventFromSse, type ResponseEvent } from './events.ts';
import { SseParser, type SseMessage } from './sse-parser.ts';
import { modelsPath, responsesPath, upstreamTarget, type UpstreamTarget } from './endpoints.ts';

export interface UpstreamClientOptions {
  baseUrl: string;
  connectTimeoutMs: number;
  /** Concurrent connections to the upstream origin (each live SSE stream holds one). */
  connections: number;
  maxEventBytes: number;
}

export interface UpstreamStreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /**
   * Parsed events, in the batches they arrived in (the events of one upstream read or frame); for 2xx
   * responses only. Ends when the upstream closes the stream.
   */
  eventBatches(): AsyncGenerator<readonly ResponseEvent[]>;
  /** The body as text, capped; for error responses. */
  text(limitBytes?: number): Promise<string>;
  /**
   * Releases the body. `keepConnection`: the stream ended normally, so whatever the upstream still
   * sends is read and dropped and the connection goes back to the pool; otherwise it is closed.
   */
  release(keepConnection: boolean): void;
}

const ERROR_BODY_LIMIT = 64 * 1024;
const KEEPALIVE_MS = 90_000;
/** A finished stream's trailing bytes worth reading to keep its connection warm. */
const DUMP_LIMIT = 64 * 1024;

export class UpstreamClient {
  readonly target: UpstreamTarget;
  readonly #pool: Pool;
  readonly #maxEventBytes: number;

  constructor(options: UpstreamClientOptions) {
    this.target = upstreamTarget(options.baseUrl);
    this.#maxEventBytes = options.maxEventBytes;
    this.#pool = new Pool(this.target.origin, {
      connections: options.connections,
      connectTimeout: options.connectTimeoutMs,
      keepAliveTimeout: KEEPALIVE_MS,
      keepAliveMaxTimeout: KEEPALIVE_MS,
      // Streams are bounded by the caller's idle timeout and request budget (AbortSignal), not here.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
  }

  /** POST /codex/responses. Rejects only on transport failure (connect refused, reset, abort). */
  async openResponses(headers: Record<string, string>, body: string, signal: AbortSignal): Promise<UpstreamStreamResponse> {
    const sent = oneShotBody(body);
    const response = await this.#pool.request({
      method: 'POST',
      path: responsesPath(this.target),
      headers: sent.length === undefined ? headers : { ...headers, 'content-length': String(sent.length) },
      body: sent.body,
      signal,
    });
    return sseResponse(response, this.#maxEventBytes);
  }

  /** GET /codex/models?client_version=… with an account's credentials. */
  async getModels(headers: Record<string, string>, clientVersion: string, signal: AbortSignal): Promise<{ status: number; body: string }> {
    const response = await this.#pool.request({ method: 'GET', path: modelsPath(this.target, clientVersion), headers, signal });
    return { status: response.statusCode, body: await readCapped(response.body, 8 * 1024 * 1024) };
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}

/**
 * Request bodies from this size on are handed to undici as a stream that gives its bytes once. Given a
 * string, undici keeps it and a Buffer copy of it until the answer has ended: for a Codex turn (the whole
 * conversation, often hundreds of KB) that is twice its size held for the length of the stream. Smaller ones
 * go as one Buffer, written with the headers in one go: undici keeps that one copy, not two.
 */
export const ONE_SHOT_BODY_BYTES = 16 * 1024;

export function oneShotBody(text: string): { body: Buffer | Readable; length: number | undefined } {
  if (text.length < ONE_SHOT_BODY_BYTES) return { body: Buffer.from(text, 'utf8'), length: undefined };
  let pending: Buffer | undefined = Buffer.from(text, 'utf8');
  const length = pending.byteLength;
  const once: Iterable<Buffer> = {
    *[Symbol.iterator]() {
      const bytes = pending;
      pending = undefined;
      if (bytes) yield bytes;
    },
  };
  return { body: Readable.from(once, { objectMode: false }), length };
}

/** An undici answer carrying an SSE body, as the stream-or-error shape dispatch works with. */
export function sseResponse(response: Dispatcher.ResponseData, maxEventBytes: number): UpstreamStreamResponse {
  const stream = response.body;
  return {
    status: response.statusCode,
    headers: response.headers as IncomingHttpHeaders,
    async *eventBatches() {
      const parser = new SseParser({ maxEventBytes });
      // Stopping early must not destroy the body: a finished stream's connection goes back to the pool (release()).
      for await (const chunk of stream.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
        const batch = eventsOf(parser.push(chunk));
        if (batch.length > 0) yield batch;
      }
      const rest = eventsOf(parser.finish());
      if (rest.length > 0) yield rest;
    },
    text: (limitBytes = ERROR_BODY_LIMIT) => readCapped(stream, limitBytes),
    release: (keepConnection) => {
      if (keepConnection) {
        stream.dump({ limit: DUMP_LIMIT }).catch(() => undefined);
        return;
      }
      // destroy() of a body not yet at its end emits an AbortError; once the reader has stopped nobody
      // listens, and an unheard 'error' would crash the process.
      stream.on('error', () => undefined);
      stream.destroy();
    },
  };
}

/** The events of parsed SSE messages (messages that are not JSON objects carry none). */
function eventsOf(messages: readonly SseMessage[]): ResponseEvent[] {
  const events: ResponseEvent[] = [];
  for (const message of messages) {
    const event = eventFromSse(message);
    if (event) events.push(event);
  }
  return events;
}

async function readCapped(stream: AsyncIterable<Buffer> & { destroy(): void }, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= limitBytes) {
      stream.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, limitBytes).toString('utf8');
}
