/**
 * Several middleware as one Express layer. For every layer a request passes, Express's router matches the
 * layer's path, trims and restores the URL, and processes params; a proxied turn used to pass about fifteen
 * layers before its route, which cost more CPU than the middleware themselves (bench/results/proxy-hot-path.md).
 * Semantics are Express's: `next()` (and `next('route')`, which for middleware means the same) runs the next
 * handler, `next(err)` leaves for Express's error handling (`next('router')` leaves the router), a throw or a
 * rejected promise is `next(err)`, and not calling `next` ends the chain (the answer was sent).
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';

export function series(...handlers: readonly RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    let index = 0;
    const step = (err?: unknown): void => {
      if (err !== undefined && err !== null && err !== 'route') {
        next(err);
        return;
      }
      const handler = handlers[index++];
      if (handler === undefined) {
        next();
        return;
      }
      let result: unknown;
      try {
        result = handler(req, res, step);
      } catch (thrown) {
        next(thrown);
        return;
      }
      if (result instanceof Promise) result.then(undefined, (rejected: unknown) => next(rejected ?? new Error('Rejected promise')));
    };
    step();
  };
}
