/** Request/response plumbing shared by the fake's HTTP routes. */
import type { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { brotliDecompressSync, gunzipSync, inflateSync, zstdDecompressSync } from 'node:zlib';
import type { HttpFailure } from './upstream-errors.ts';

const BODY_LIMIT_BYTES = 64 * 1024 * 1024;

const DECODERS: Record<string, (input: Buffer) => Buffer> = {
  gzip: gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
  // Codex CLI compresses request bodies with zstd when talking to the ChatGPT backend.
  zstd: zstdDecompressSync,
};

/** The request body with any `content-encoding` undone. Rejects on an unknown encoding or an oversized body. */
export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > BODY_LIMIT_BYTES) throw new Error(`request body exceeds ${BODY_LIMIT_BYTES} bytes`);
    chunks.push(chunk);
  }
  let body: Buffer = Buffer.concat(chunks);
  const encodings = (req.headers['content-encoding'] ?? '').split(',').map((e) => e.trim().toLowerCase()).filter((e) => e && e !== 'identity');
  for (const encoding of encodings.reverse()) {
    const decode = DECODERS[encoding];
    if (!decode) throw new Error(`unsupported content-encoding '${encoding}'`);
    body = decode(body);
  }
  return body;
}

/** JSON or urlencoded form, by content type; the raw text when it does not parse; undefined when empty. */
export function parseBody(body: Buffer, contentType: string | undefined): unknown {
  if (body.length === 0) return undefined;
  const text = body.toString('utf8');
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export function queryOf(url: URL): Record<string, string> {
  return Object.fromEntries(url.searchParams);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
  res.end(payload);
}

export function sendFailure(res: ServerResponse, failure: HttpFailure, headers: Record<string, string> = {}): void {
  if (typeof failure.body === 'string') {
    res.writeHead(failure.status, { ...headers, 'content-type': failure.contentType ?? 'text/plain', 'content-length': Buffer.byteLength(failure.body) });
    res.end(failure.body);
    return;
  }
  sendJson(res, failure.status, failure.body, headers);
}

/** Fires when a response or socket closes, finished or not: a stalled reply stops waiting once the client is gone. */
export function closedSignal(target: EventEmitter): AbortSignal {
  const controller = new AbortController();
  target.once('close', () => controller.abort());
  return controller.signal;
}

export function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
