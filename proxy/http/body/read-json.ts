/**
 * The JSON body reader for every route that takes a body (issue 12 items 8, 10, 12). It runs only
 * after the caller was admitted (firewall, origin, API key or admin token), so an unauthenticated
 * client never gets a byte of its upload read. Then, in order:
 *
 * 1. the media type must be JSON (415) and the content coding one we decode (415);
 * 2. a declared `Content-Length` over the route's cap is refused (413) before reading anything;
 * 3. the body takes a ticket on the process's in-flight body budget (503 + Retry-After when full),
 *    grown as decoded bytes arrive and released when the answer is over;
 * 4. decoded bytes past the cap stop the read (413) — a compression bomb never inflates further;
 * 5. the text must parse (400) and nest at most MAX_JSON_DEPTH levels (400).
 *
 * A refusal before the whole body arrived closes the connection after the answer (middleware/
 * errors.ts): the rest of the upload is not waited for.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Readable } from 'node:stream';
import { invalidRequest, payloadTooLarge, ProxyError, unsupportedMediaType } from '../../errors/catalogue.ts';
import type { BodyTicket, MemoryGuard } from '../memory-guard.ts';
import { contentCoding, decoderFor } from './content-coding.ts';
import { exceedsDepth, MAX_JSON_DEPTH } from './json-depth.ts';
import { whenClosed } from '../when-closed.ts';

/** Text → JSON value for request bodies and WebSocket frames: 400 on bad JSON or absurd nesting. */
export function parseJsonText(text: string, what = 'Request body'): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest(`${what} is not valid JSON`);
  }
  if (exceedsDepth(value)) throw invalidRequest(`${what} nests deeper than ${MAX_JSON_DEPTH} levels`);
  return value;
}

/** Requests whose body a reader already took (a route may sit under two readers' paths; the first one wins). */
const taken = new WeakSet<Request>();

function hasBody(req: Request): boolean {
  if (taken.has(req)) return false;
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const length = req.headers['content-length'];
  return length !== undefined && length !== '0';
}

/** `application/json` or any `+json` type, in UTF-8 (the only charset JSON allows on the wire). */
function checkMediaType(header: string | undefined): void {
  const [type = '', ...params] = (header ?? '').split(';').map((part) => part.trim().toLowerCase());
  if (type !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(type)) {
    throw unsupportedMediaType('Content-Type must be application/json');
  }
  const charset = params.find((param) => param.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw unsupportedMediaType(`Unsupported charset ${JSON.stringify(charset.slice(0, 32))}: JSON bodies are UTF-8`, 'unsupported_charset');
  }
}

/** Reads the (decoded) body into one buffer, holding `ticket` for every byte; stops at `limit`. */
async function collect(req: Request, coding: string | undefined, limit: number, ticket: BodyTicket): Promise<Buffer> {
  const decoder = coding === undefined ? undefined : decoderFor(coding);
  let clientGone = false;
  // The request (and this listener) lives as long as its answer, a stream's minutes: the listener reaches the
  // decoder (its output buffer and zlib state, ~100 KB) only while the body is being read. `on`, not `once`
  // (a wrapper kept as long): the listener is harmless when called again.
  let decoding = decoder;
  req.on('error', (err) => {
    clientGone = true;
    decoding?.destroy(err);
  });
  const source: Readable = decoder ? req.pipe(decoder) : req;
  const declared = coding === undefined ? Number(req.headers['content-length']) : Number.NaN;
  // With a known length the body goes straight into one buffer: no second copy when it is joined.
  const whole = Number.isSafeInteger(declared) ? Buffer.allocUnsafe(declared) : undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of source.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw payloadTooLarge(`Request body exceeds ${limit} bytes`);
      ticket.grow(size);
      if (whole) chunk.copy(whole, size - chunk.length);
      else chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof ProxyError) {
      // Stop decoding, but leave the request (and its socket) alone: the refusal still has to be sent.
      if (decoder) {
        req.unpipe(decoder);
        decoder.destroy();
      }
      throw err;
    }
    if (coding !== undefined && !clientGone) throw invalidRequest(`Request body is not valid ${coding} data`);
    throw invalidRequest('Request body was not received completely');
  } finally {
    decoding = undefined;
  }
  return whole ? whole.subarray(0, size) : Buffer.concat(chunks, size);
}

/** Decoded body bytes kept for routes that must check them as received (a signature over the body). */
const rawBodies = new WeakMap<Request, Buffer>();

/**
 * The decoded bytes `jsonBody(…, { keepRaw: true })` parsed, taken out of the request (see takeBody); an empty
 * buffer for a bodyless request.
 */
export function takeRawBody(req: Request): Buffer {
  const raw = rawBodies.get(req) ?? Buffer.alloc(0);
  rawBodies.delete(req);
  return raw;
}

/**
 * The parsed body, taken out of the request. A turn's route takes it: the request object lives as long as its
 * answer, which for a stream is minutes, and a Codex turn's body (the whole conversation) is hundreds of KB.
 */
export function takeBody(req: Request): unknown {
  const body: unknown = req.body;
  req.body = undefined;
  return body;
}

/** Parses a JSON body of at most `limitBytes` (decoded) into `req.body`; bodyless requests pass with `req.body` undefined. */
export function jsonBody(limitBytes: number, guard: MemoryGuard, options: { keepRaw?: boolean } = {}): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    if (!hasBody(req)) return next();
    taken.add(req);
    checkMediaType(req.headers['content-type']);
    const coding = contentCoding(req.headers['content-encoding']);
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limitBytes) throw payloadTooLarge(`Request body exceeds ${limitBytes} bytes`);
    const ticket = guard.admit(declared);
    whenClosed(res, () => ticket.release());
    const buffer = await collect(req, coding, limitBytes, ticket);
    if (options.keepRaw) rawBodies.set(req, buffer);
    req.body = parseJsonText(buffer.toString('utf8'));
    next();
  };
}
