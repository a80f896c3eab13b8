/**
 * Proxy authentication (§9.1). With key auth on, every proxy request needs
 * `Authorization: Bearer sk-clb-…` naming an active, unexpired key. With it off (the default), a
 * request from this machine needs nothing, and any other caller is refused — unless its socket peer
 * is in `CODEX_LB_PROXY_UNAUTHENTICATED_CLIENT_CIDRS` — so an unconfigured proxy is never an open relay.
 */
import type { NextFunction, Request, Response } from 'express';
import { isIP } from 'node:net';
import { isLocalRequest, normalizeIp } from '../client-ip.ts';
import { invalidApiKey, knownProxyError } from '../errors.ts';
import type { ApiKeys } from '../ports.ts';
import { contextOf } from '../request-context.ts';
import { sendProxyError } from '../send-error.ts';
import type { HttpSettings } from '../services.ts';

function bearer(req: Request): string | undefined {
  const header = req.headers.authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

export function apiKeyAuth(apiKeys: ApiKeys, settings: HttpSettings) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const ctx = contextOf(res);
    if (!settings.apiKeyAuthEnabled) {
      const peer = normalizeIp(req.socket.remoteAddress);
      const viaTrustedProxy = settings.trust.trustProxyHeaders && peer !== undefined && settings.trust.trustedProxies.check(peer, isIP(peer) === 6 ? 'ipv6' : 'ipv4');
      const exempt = peer !== undefined && settings.unauthenticatedClients.check(peer, isIP(peer) === 6 ? 'ipv6' : 'ipv4');
      if (isLocalRequest(ctx.clientIp, req.headers, viaTrustedProxy) || exempt) return next();
      sendProxyError(res, invalidApiKey('Proxy authentication must be configured before remote access is allowed'));
      return;
    }
    try {
      ctx.apiKey = await apiKeys.verify(bearer(req));
    } catch (err) {
      const known = knownProxyError(err);
      if (!known) throw err;
      sendProxyError(res, known);
      return;
    }
    next();
  };
}
