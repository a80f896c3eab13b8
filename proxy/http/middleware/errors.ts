/**
 * The last word on a request: unknown paths and thrown errors become the envelope the path's
 * audience expects — OpenAI errors on proxy routes (§13), the dashboard envelope on the admin API,
 * `{"detail": …}` elsewhere. Body-parser failures are the client's fault (4xx), never a 500.
 */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../../observability/logger.ts';
import { internalError, invalidRequest, knownProxyError, notFound, payloadTooLarge, ProxyError } from '../errors.ts';
import { sendJson, sendProxyError } from '../send-error.ts';

export function isProxyPath(path: string): boolean {
  return path === '/v1' || path.startsWith('/v1/') || path === '/backend-api/codex' || path.startsWith('/backend-api/codex/');
}

function isAdminPath(path: string): boolean {
  return path.startsWith('/internal/admin/');
}

/** body-parser's errors carry `type`; map them to what the client did wrong. */
function fromBodyParser(err: unknown): ProxyError | undefined {
  if (typeof err !== 'object' || err === null || !('type' in err)) return undefined;
  switch ((err as { type: unknown }).type) {
    case 'entity.parse.failed':
      return invalidRequest('Request body is not valid JSON');
    case 'entity.too.large':
      return payloadTooLarge();
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ProxyError({ status: 415, code: 'unsupported_encoding', type: 'invalid_request_error', message: 'Unsupported content encoding' });
    case 'request.aborted':
      return invalidRequest('Request body was not received completely');
    case 'entity.verify.failed':
    case 'request.size.invalid':
    case 'stream.encoding.set':
    case 'stream.not.readable':
      return invalidRequest('Request body could not be read');
    default:
      return undefined;
  }
}

function send(req: Request, res: Response, error: ProxyError): void {
  if (isProxyPath(req.path)) sendProxyError(res, error);
  else if (isAdminPath(req.path)) sendJson(res, error.status, { error: { code: error.code, message: error.message } });
  else sendJson(res, error.status, { detail: error.message });
}

export function notFoundHandler(req: Request, res: Response): void {
  send(req, res, notFound(`No route for ${req.method} ${req.path}`));
}

export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const known = knownProxyError(err) ?? fromBodyParser(err);
    if (!known) logger.error('unhandled error', { path: req.path, err });
    send(req, res, known ?? internalError());
  };
}
