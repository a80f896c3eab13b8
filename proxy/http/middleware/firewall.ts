/**
 * The API firewall (§10): on proxy routes, when the allow-list has entries, only those exact client
 * IPs get through; an unresolvable client (garbled forwarding chain) is denied. The allow-list is
 * cached for `CODEX_LB_FIREWALL_IP_CACHE_TTL_SECONDS` so the hot path does not query per request.
 */
import type { NextFunction, Request, Response } from 'express';
import { ipForbidden } from '../errors.ts';
import type { FirewallAllowlist } from '../ports.ts';
import { contextOf } from '../request-context.ts';
import { sendProxyError } from '../send-error.ts';

export function firewall(allowlist: FirewallAllowlist, cacheTtlMs: number) {
  let cached: { entries: ReadonlySet<string>; at: number } | undefined;
  const current = async (): Promise<ReadonlySet<string>> => {
    if (cached && Date.now() - cached.at < cacheTtlMs) return cached.entries;
    cached = { entries: await allowlist.allowed(), at: Date.now() };
    return cached.entries;
  };
  return async (_req: Request, res: Response, next: NextFunction): Promise<void> => {
    const entries = await current();
    if (entries.size === 0) return next();
    const ip = contextOf(res).clientIp;
    if (ip !== undefined && entries.has(ip)) return next();
    sendProxyError(res, ipForbidden());
  };
}
