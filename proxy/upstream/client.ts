/**
 * The HTTP client for the Codex backend: one undici Pool per upstream origin with keep-alive, so
 * interactive turns reuse warm TCP/TLS connections (upstream measured 100–300 ms saved per turn).
 * It only moves bytes: timeouts, retries and failover are the caller's, driven by AbortSignals, so
 * there is exactly one clock per concern.
 */
import { Pool } from 'undici';
import { Readable } from 'node:stream';
import { exchangeSse, type UpstreamStreamResponse } from './sse-exchange.ts';
import { modelsPath, responsesPath, upstreamTarget, type UpstreamTarget } from './endpoints.ts';

export interface UpstreamClientOptions {
  baseUrl: string;
  connectTimeoutMs: number;
  /** Concurrent connections to the upstream origin (each live SSE stream holds one). */
  connections: number;
  maxEventBytes: number;
}

const KEEPALIVE_MS = 90_000;

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
  openResponses(headers: Record<string, string>, body: string, signal: AbortSignal): Promise<UpstreamStreamResponse> {
    const sent = oneShotBody(body);
    return exchangeSse(
      this.#pool,
      {
        method: 'POST',
        path: responsesPath(this.target),
        headers: sent.length === undefined ? headers : { ...headers, 'content-length': String(sent.length) },
        body: sent.body,
      },
      signal,
      this.#maxEventBytes,
    );
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
