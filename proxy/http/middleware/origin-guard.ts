/**
 * Browser origins (issue 12 item 7). A page on any site can open a WebSocket to the proxy or send it
 * a "simple" POST — browsers attach no preflight to either — and with API-key auth off a page on
 * the user's own machine counts as a local caller. Such requests carry an `Origin` header, which a
 * page cannot forge; clients that are not browsers (Codex CLI, SDKs, curl, the operator) send none.
 * So: a WebSocket upgrade or a state-changing request (anything but GET/HEAD/OPTIONS) that names an
 * origin outside `CODEX_LB_ALLOWED_ORIGINS` is refused with 403, on every path but the dashboard's.
 *
 * The dashboard's own page calls `/api/*` from the proxy's origin, so there a browser origin naming the
 * host the request was sent to (`Origin` host = `Host`) passes too. That alone proves little — a
 * DNS-rebound page also looks same-origin — and is not what protects `/api/*`: every dashboard call
 * needs the HttpOnly, SameSite=Strict session cookie, which the browser keeps per host name (a rebound
 * page's name never received one), and every write needs the session's CSRF token, which only a page
 * that could read the session answer holds (proxy/dashboard/README.md "Security").
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
export function checkOrigin(method: string, headers: IncomingHttpHeaders, policy: OriginPolicy, upgrade = false, sameOriginAllowed = false): void {
  if (!upgrade && SAFE_METHODS.has(method.toUpperCase())) return;
  const raw = headers.origin;
  if (raw === undefined || policy.any) return;
  // `Origin: null` (sandboxed frames, file pages) is a browser too, and never allowed by name.
  const origin = raw.trim().toLowerCase();
  if (policy.allowed.has(origin)) return;
  if (sameOriginAllowed && isSameOrigin(origin, headers.host)) return;
  throw originNotAllowed(raw);
}

/** The origin names the host (and port) the request was addressed to; the scheme is not compared (TLS may end at an ingress). */
export function isSameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined || host === '') return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const expected = new URL(`${url.protocol}//${host.trim().toLowerCase()}`);
  return url.host === expected.host;
}

/** Paths whose browser callers may be same-origin (the dashboard API). */
function dashboardPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}

export function originGuard(policy: OriginPolicy) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    checkOrigin(req.method, req.headers, policy, false, dashboardPath(req.path));
    next();
  };
}
