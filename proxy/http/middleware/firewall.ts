/**
 * The API firewall (§10): on proxy routes, when the allow-list has entries (IPs or CIDRs), only
 * clients inside it get through; an unresolvable client (garbled forwarding chain) is denied. The
 * allow-list is cached for `CODEX_LB_FIREWALL_IP_CACHE_TTL_SECONDS` so the hot path does not query
 * per request.
 */
import { isIP, type BlockList } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import { blockListOf } from '../client-ip.ts';
import { ipForbidden } from '../../errors/catalogue.ts';
import type { FirewallAllowlist } from '../ports.ts';
import { contextOf } from '../request-context.ts';

export class FirewallGate {
  readonly #allowlist: FirewallAllowlist;
  readonly #cacheTtlMs: number;
  #cached: { entries: BlockList | undefined; at: number } | undefined;

  constructor(allowlist: FirewallAllowlist, cacheTtlMs: number) {
    this.#allowlist = allowlist;
    this.#cacheTtlMs = cacheTtlMs;
  }

  /** Forget the cached list (the dashboard changed it): the next request reads it again. */
  invalidate(): void {
    this.#cached = undefined;
  }

  /** Throws 403 `ip_forbidden` when the allow-list is active and does not name the client. */
  async check(clientIp: string | undefined): Promise<void> {
    if (!this.#cached || Date.now() - this.#cached.at >= this.#cacheTtlMs) {
      const allowed = await this.#allowlist.allowed();
      this.#cached = { entries: allowed.length > 0 ? blockListOf(allowed) : undefined, at: Date.now() };
    }
    const { entries } = this.#cached;
    if (!entries) return;
    const family = clientIp === undefined ? 0 : isIP(clientIp);
    if (clientIp !== undefined && family !== 0 && entries.check(clientIp, family === 6 ? 'ipv6' : 'ipv4')) return;
    throw ipForbidden();
  }
}

export function firewall(gate: FirewallGate) {
  return async (_req: Request, res: Response, next: NextFunction): Promise<void> => {
    await gate.check(contextOf(res).clientIp);
    next();
  };
}
