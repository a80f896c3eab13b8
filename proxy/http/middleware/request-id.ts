/**
 * Establishes the request context: the request id (inbound `x-request-id`, else `request-id`, else
 * a new uuid — echoed on every response and forwarded upstream) and the resolved client IP.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { resolveClientIp, type ProxyTrust } from '../client-ip.ts';
import { isProxyPath } from '../paths.ts';
import type { RequestContext } from '../request-context.ts';

const MAX_ID_LENGTH = 200;

function inboundId(req: Request): string | undefined {
  const raw = req.headers['x-request-id'] ?? req.headers['request-id'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  // Ids are echoed in headers and logs: printable ASCII only, bounded.
  return value && value.length <= MAX_ID_LENGTH && /^[\x21-\x7e]+$/.test(value) ? value : undefined;
}

export function requestContext(trust: ProxyTrust): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const ctx: RequestContext = {
      requestId: inboundId(req) ?? randomUUID(),
      clientIp: resolveClientIp(req.socket.remoteAddress, req.headers, trust),
      startedAt: Date.now(),
      apiKey: undefined,
    };
    res.locals.ctx = ctx;
    // The proxy's answers write it with their head (answer-head.ts says why); the rest are Express's.
    if (!isProxyPath(req.path)) res.setHeader('x-request-id', ctx.requestId);
    next();
  };
}
