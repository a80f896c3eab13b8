/** Counts every request by route template and status when its response ends (§1.3 metrics). */
import type { NextFunction, Request, Response } from 'express';
import type { ProxyMetrics } from '../../observability/metrics.ts';

/** The matched route template (bounded label values), or a fixed label for unmatched paths. */
function routeLabel(req: Request): string {
  const route = req.route as { path?: unknown } | undefined;
  return typeof route?.path === 'string' ? `${req.baseUrl}${route.path}` : 'unmatched';
}

export function requestMetrics(metrics: ProxyMetrics) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const route = routeLabel(req);
      metrics.requests.inc({ route, method: req.method, status: String(res.statusCode) });
      metrics.requestDuration.observe({ route }, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
