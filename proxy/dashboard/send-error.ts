/**
 * The dashboard envelope `{"error":{"code","message"}}` (reference/proxy-contract.md §13) for every failure under
 * `/api/*`: AdminError as is, and the HTTP layer's own refusals (body too large, bad JSON, database down) with their
 * status and code, so the UI reads one shape.
 */
import type { Response } from 'express';
import { knownProxyError } from '../http/errors.ts';
import { sendJson } from '../http/send-error.ts';
import { AdminError } from '../store/admin-error.ts';

function retryAfter(seconds: number | undefined): Record<string, string> {
  return seconds === undefined ? {} : { 'retry-after': String(Math.ceil(seconds)) };
}

/** True when `err` was answered; false for errors the app's last handler must log and turn into a 500. */
export function sendDashboardError(res: Response, err: unknown): boolean {
  if (res.headersSent) return false;
  const known = err instanceof AdminError ? err : knownProxyError(err);
  if (known === undefined) return false;
  sendJson(res, known.status, { error: { code: known.code, message: known.message } }, retryAfter(known.retryAfterSeconds));
  return true;
}
