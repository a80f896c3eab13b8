/**
 * Proxy authentication (§9.1), for HTTP requests and WebSocket upgrades alike. With key auth on,
 * every proxy request needs `Authorization: Bearer sk-clb-…` naming an active, unexpired key. With
 * it off (the default), a request from this machine needs nothing, and any other caller is refused
 * — unless its socket peer is in `CODEX_LB_PROXY_UNAUTHENTICATED_CLIENT_CIDRS` — so an unconfigured
 * proxy is never an open relay. Throws the ProxyError to answer with.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isIP, type BlockList } from 'node:net';
import { isLocalRequest, normalizeIp } from './client-ip.ts';
import { knownProxyError } from './errors.ts';
import { invalidApiKey } from '../errors/catalogue.ts';
import type { ApiKeys, VerifiedApiKey } from './ports.ts';
import type { HttpSettings } from './services.ts';

function bearer(headers: IncomingHttpHeaders): string | undefined {
  const match = headers.authorization ? /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization) : null;
  return match?.[1];
}

function listed(list: BlockList, ip: string | undefined): boolean {
  return ip !== undefined && list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
}

export async function authenticate(
  request: { headers: IncomingHttpHeaders; socketPeer: string | undefined; clientIp: string | undefined },
  apiKeys: ApiKeys,
  settings: HttpSettings,
): Promise<VerifiedApiKey | undefined> {
  if (!settings.apiKeyAuthEnabled) {
    const peer = normalizeIp(request.socketPeer);
    const viaTrustedProxy = settings.trust.trustProxyHeaders && listed(settings.trust.trustedProxies, peer);
    if (isLocalRequest(request.clientIp, request.headers, viaTrustedProxy) || listed(settings.unauthenticatedClients, peer)) return undefined;
    throw invalidApiKey('Proxy authentication must be configured before remote access is allowed');
  }
  try {
    return await apiKeys.verify(bearer(request.headers));
  } catch (err) {
    throw knownProxyError(err) ?? err;
  }
}
