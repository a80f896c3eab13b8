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
 *   (3.5 KiB). Reading a character of a string made of pieces makes V8 flatten it in place into one string
 *   (about 1 KiB) and drop the pieces; the read is checked against the head's known last character, so an
 *   optimizing compiler cannot drop it as unused.
 * Nothing changes on the wire.
 */
import type { ServerResponse } from 'node:http';
import type { RequestContext } from './request-context.ts';

const LINE_FEED = 0x0a;

export function writeHead(res: ServerResponse, status: number, headers: Readonly<Record<string, string | number>>): void {
  const ctx = (res as { locals?: { ctx?: RequestContext } }).locals?.ctx;
  res.writeHead(status, ctx && headers['x-request-id'] === undefined ? { 'x-request-id': ctx.requestId, ...headers } : headers);
  const head = (res as unknown as { _header: unknown })._header;
  if (typeof head === 'string' && head.charCodeAt(head.length - 1) !== LINE_FEED) throw new Error('response head does not end its header block');
}
