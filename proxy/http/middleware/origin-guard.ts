/**
 * Browser origins (issue 12 item 7). A page on any site can open a WebSocket to the proxy or send it
 * a "simple" POST — browsers attach no preflight to either — and with API-key auth off a page on
 * the user's own machine counts as a local caller. Such requests carry an `Origin` header, which a
 * page cannot forge; clients that are not browsers (Codex CLI, SDKs, curl, the operator) send none.
 * So: a WebSocket upgrade or a state-changing request (anything but GET/HEAD/OPTIONS) that names an
 * origin outside `CODEX_LB_ALLOWED_ORIGINS` is refused with 403, on every path. There is no implicit
 * "same origin": the proxy serves no pages, and a DNS-rebound page would look same-origin.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { originNotAllowed } from '../../errors/catalogue.ts';

export interface OriginPolicy {
  /** `*` was configured: every origin may call. */
  readonly any: boolean;
  readonly allowed: ReadonlySet<string>;
}

export function originPolicy(allowed: readonly string[]): OriginPolicy {
  return { any: allowed.includes('*'), allowed: new Set(allowed.filter((origin) => origin !== '*')) };
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Throws 403 `origin_not_allowed` when a browser origin outside the policy sends this request. */
export function checkOrigin(method: string, headers: IncomingHttpHeaders, policy: OriginPolicy, upgrade = false): void {
  if (!upgrade && SAFE_METHODS.has(method.toUpperCase())) return;
  const raw = headers.origin;
  if (raw === undefined || policy.any) return;
  // `Origin: null` (sandboxed frames, file pages) is a browser too, and never allowed by name.
  const origin = raw.trim().toLowerCase();
  if (!policy.allowed.has(origin)) throw originNotAllowed(raw);
}

export function originGuard(policy: OriginPolicy) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    checkOrigin(req.method, req.headers, policy);
    next();
  };
}
