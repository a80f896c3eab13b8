/**
 * The last word on a request: unknown paths and thrown errors become the envelope the path's
 * audience expects — OpenAI errors on proxy routes (§13) and forwards between replicas, the dashboard envelope on the admin and dashboard APIs,
 * `{"detail": …}` elsewhere. Body failures are the client's fault (4xx, body/read-json.ts), never a 500;
 * an unreachable database is a 503 with Retry-After.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../observability/logger.ts';
import { knownProxyError } from '../errors.ts';
import { internalError, notFound, type ProxyError } from '../../errors/catalogue.ts';
import { isProxyPath } from '../paths.ts';
import { sendJson, sendProxyError } from '../send-error.ts';

/** The operator's admin API and the dashboard's: both answer the dashboard envelope. */
function isAdminPath(path: string): boolean {
  return path.startsWith('/internal/admin/') || path === '/api' || path.startsWith('/api/');
}

/** Forwards between replicas: the sender reads the OpenAI envelope's code (e.g. to serve a drain refusal itself). */
function isBridgePath(path: string): boolean {
  return path.startsWith('/internal/bridge/');
}

function send(req: Request, res: Response, error: ProxyError): void {
  // Refused before the client finished uploading (auth, size, budget): answer and close, rather than
  // keep reading an upload nobody will use or keep its socket for another request.
  if (!req.complete) res.setHeader('connection', 'close');
  if (isProxyPath(req.path) || isBridgePath(req.path)) sendProxyError(res, error);
  else if (isAdminPath(req.path)) sendJson(res, error.status, { error: { code: error.code, message: error.message } });
  else sendJson(res, error.status, { detail: error.message });
}

export function notFoundHandler(req: Request, res: Response): void {
  send(req, res, notFound(`No route for ${req.method} ${req.path}`));
}

/** Answers what a request raised: Express's error handler, and the turn routes that left Express's chain (routes/turn-route.ts). */
export type ErrorAnswer = (err: unknown, req: Request, res: Response) => void;

export function errorAnswer(logger: Logger): ErrorAnswer {
  return (err, req, res) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const known = knownProxyError(err);
    if (!known) logger.error('unhandled error', { path: req.path, err });
    send(req, res, known ?? internalError());
  };
}

export function errorHandler(logger: Logger) {
  const answer = errorAnswer(logger);
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => answer(err, req, res);
}
