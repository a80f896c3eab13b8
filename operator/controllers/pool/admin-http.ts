/**
 * HTTP plumbing both pool-admin adapters share (the bundled proxy's admin API, the official app's
 * dashboard API): one connection pool, and how a call failed. Error messages carry the method, URL path, status
 * and the application's error code and message (which never contain secrets) — never a token, a
 * password, a cookie or a request body.
 */
import { Agent } from 'undici';

/** Keep-alive connections to installations, shared by every client the operator opens. */
export const adminAgent = new Agent({ keepAliveTimeout: 30_000, connections: 8, connect: { timeout: 5_000 } });

/**
 * - unreachable: no answer (connection refused, DNS, timeout) or a 5xx;
 * - unauthorized: the application refused the operator's credentials (bundled: 401, or 404
 *   `admin_api_disabled` while the pods have no token; official app: its dashboard login failed);
 * - rejected: any other 4xx, with the application's code.
 */
export type AdminErrorKind = 'unreachable' | 'unauthorized' | 'rejected';

export class AdminApiError extends Error {
  override name = 'AdminApiError';
  readonly kind: AdminErrorKind;
  readonly status: number | undefined;
  readonly code: string | undefined;

  constructor(kind: AdminErrorKind, message: string, status?: number, code?: string) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.code = code;
  }
}

/** Counts calls per operation and outcome (metrics, benchmarks, tests). */
export type AdminCallObserver = (operation: string, outcome: string) => void;

/** The `{"error":{"code","message"}}` envelope both applications answer errors with (message capped). */
export function errorOf(text: string): { code?: string; message?: string } {
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof parsed.error?.code === 'string' ? parsed.error.code : undefined;
    const message = typeof parsed.error?.message === 'string' ? parsed.error.message.slice(0, 512) : undefined;
    return { code, message };
  } catch {
    return {};
  }
}

/** The error for a call that got no answer; `where` is `METHOD URL`. */
export function noAnswer(where: string, err: unknown): AdminApiError {
  const e = err as { code?: string; message?: string; cause?: { code?: string } };
  return new AdminApiError('unreachable', `${where}: no answer (${e.cause?.code ?? e.code ?? e.message ?? 'unknown error'})`);
}

/** The error for an answer with status >= 300; `unauthorized` says whether the application refused the credentials. */
export function answerError(where: string, status: number, text: string, unauthorized: (status: number, code: string | undefined) => boolean): AdminApiError {
  const { code, message } = errorOf(text);
  const detail = `${where}: HTTP ${status}${code ? ` ${code}` : ''}${message ? `: ${message}` : ''}`;
  if (unauthorized(status, code)) return new AdminApiError('unauthorized', detail, status, code);
  if (status >= 500) return new AdminApiError('unreachable', detail, status, code);
  return new AdminApiError('rejected', message ?? detail, status, code);
}
