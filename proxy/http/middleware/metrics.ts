/** Counts every request by route template and status when its response ends (§1.3 metrics). */
import type { NextFunction, Request, Response } from 'express';
import type { ProxyMetrics } from '../../observability/metrics.ts';
import { whenClosed } from '../when-closed.ts';

/** Paths every request can be attributed to even when no route answered it. */
const PROXY_PATHS: ReadonlySet<string> = new Set([
  '/backend-api/codex/responses',
  '/backend-api/codex/responses/compact',
  '/backend-api/codex/models',
  '/v1/responses',
  '/v1/responses/compact',
  '/v1/chat/completions',
  '/v1/models',
]);

/**
 * Label values must stay bounded: the matched route's template, or — for requests answered before
 * routing (auth, firewall, drain) — the path when it is one of the proxy's own, else `unmatched`.
 */
export function routeLabel(req: Request, knownPaths: ReadonlySet<string> = PROXY_PATHS): string {
  const route = req.route as { path?: unknown } | undefined;
  const template = Array.isArray(route?.path) ? (route.path[0] as unknown) : route?.path;
  if (typeof template === 'string') return `${req.baseUrl}${template}`.replace(/(.)\/$/, '$1');
  const path = new URL(req.originalUrl, 'http://proxy').pathname.replace(/(.)\/$/, '$1');
  return knownPaths.has(path) ? path : 'unmatched';
}

export function requestMetrics(metrics: ProxyMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    metrics.activeConnections.inc({ transport: 'http' });
    whenClosed(res, () => {
      metrics.activeConnections.dec({ transport: 'http' });
      const route = routeLabel(req, PROXY_PATHS);
      metrics.requests.inc({ route, method: req.method, status: String(res.statusCode) });
      metrics.requestDuration.observe({ route }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
