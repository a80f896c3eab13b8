/** Proxy routes require an authenticated caller (authenticate.ts); the key is kept on the request context. */
import type { NextFunction, Request, Response } from 'express';
import { authenticate } from '../authenticate.ts';
import type { ApiKeys } from '../ports.ts';
import { contextOf } from '../request-context.ts';
import type { HttpSettings } from '../services.ts';

export function apiKeyAuth(apiKeys: ApiKeys, settings: HttpSettings) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const ctx = contextOf(res);
    ctx.apiKey = await authenticate({ headers: req.headers, socketPeer: req.socket.remoteAddress, clientIp: ctx.clientIp }, apiKeys, settings);
    next();
  };
}
