/**
 * A route that serves a turn, whose answer can stay open for minutes, leaves Express's middleware chain once it
 * is routed. Express keeps the chain (every layer's `next` closure, with the URL and params it restores)
 * reachable from `req.next`, and from the handler's promise while that is pending: about 1.7 KiB per open
 * stream (bench/results/proxy-hot-path.md). Nothing after a turn route calls `next`, so the chain is let go,
 * and what the turn throws is answered here, as Express's error handler would (middleware/errors.ts).
 */
import type { Request, RequestHandler, Response } from 'express';
import type { ErrorAnswer } from '../middleware/errors.ts';

export function turnRoute(handler: (req: Request, res: Response) => Promise<void>, answerError: ErrorAnswer): RequestHandler {
  return (req, res) => {
    req.next = undefined;
    handler(req, res).catch((err: unknown) => answerError(err, req, res));
  };
}
