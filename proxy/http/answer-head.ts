/**
 * The head of every answer the proxy writes itself (streams, JSON answers, errors): status, headers and the
 * request's `x-request-id`.
 *
 * Written in one `writeHead`, with nothing set before it, because of what Node keeps for an open response, which
 * for a stream is its whole life:
 * - a header set earlier with `setHeader` makes Node copy every header of the answer into a table of
 *   name/value pairs (about 2.5 KiB for a stream's ~20 headers); so the request-id middleware leaves proxy
 *   paths to this function (middleware/request-id.ts);
 * - Node appends each header line to the head's text, which V8 keeps as a tree of about 110 string pieces
 *   (3.5 KiB); a flat copy of the same characters (about 1 KiB) replaces it before anything is written.
 * Nothing changes on the wire.
 */
import type { ServerResponse } from 'node:http';
import type { RequestContext } from './request-context.ts';

export function writeHead(res: ServerResponse, status: number, headers: Readonly<Record<string, string | number>>): void {
  const ctx = (res as { locals?: { ctx?: RequestContext } }).locals?.ctx;
  res.writeHead(status, ctx ? { 'x-request-id': ctx.requestId, ...headers } : headers);
  const internal = res as unknown as { _header: unknown };
  if (typeof internal._header === 'string') internal._header = JSON.parse(JSON.stringify(internal._header)) as string;
}
