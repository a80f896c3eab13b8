/**
 * A cap on the proxy requests one process serves at once (`CODEX_LB_BACKPRESSURE_MAX_CONCURRENT_REQUESTS`,
 * upstream's backpressure; 0 = off). A request over the cap is answered at once with 429 `proxy_overloaded`
 * and `Retry-After`, before its body is read, so a client or load balancer tries again (or another pod)
 * instead of this pod queueing without bound. A request counts until its response closes, streams
 * included; health, drain and admin calls are not proxy requests and never count.
 */
import type { NextFunction, Request, Response } from 'express';
import { proxyOverloaded } from '../../errors/catalogue.ts';
import { whenClosed } from '../when-closed.ts';

export function backpressure(limit: number) {
  let inFlight = 0;
  return (_req: Request, res: Response, next: NextFunction): void => {
    if (limit <= 0) return next();
    if (inFlight >= limit) return next(proxyOverloaded(limit));
    inFlight += 1;
    whenClosed(res, () => {
      inFlight -= 1;
    });
    next();
  };
}
