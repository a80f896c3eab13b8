/**
 * The one way a proxy route answers with an error before any stream started: the OpenAI envelope
 * with the catalogue's status, plus `Retry-After` when the error knows when to come back.
 */
import type { ServerResponse } from 'node:http';
import { toOpenAIBody, type ProxyError } from '../errors/catalogue.ts';
import { writeHead } from './answer-head.ts';

/** `extraHeaders`: e.g. the pool's usage headers on a turn's error. */
export function sendProxyError(res: ServerResponse, error: ProxyError, extraHeaders: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(toOpenAIBody(error));
  const headers: Record<string, string | number> = { ...extraHeaders, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) };
  if (error.retryAfterSeconds !== undefined) headers['retry-after'] = Math.ceil(error.retryAfterSeconds);
  writeHead(res, error.status, headers);
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown, extraHeaders: Record<string, string> = {}): void {
  const body = JSON.stringify(value);
  writeHead(res, status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), ...extraHeaders });
  res.end(body);
}
