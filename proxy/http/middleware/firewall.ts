/**
 * The API firewall (§10): on proxy routes, when the allow-list has entries, only those exact client
 * IPs get through; an unresolvable client (garbled forwarding chain) is denied. The allow-list is
 * cached for `CODEX_LB_FIREWALL_IP_CACHE_TTL_SECONDS` so the hot path does not query per request.
 */
import type { NextFunction, Request, Response } from 'express';
import { ipForbidden } from '../errors.ts';
import type { FirewallAllowlist } from '../ports.ts';
import { contextOf } from '../request-context.ts';

export class FirewallGate {
  readonly #allowlist: FirewallAllowlist;
  readonly #cacheTtlMs: number;
  #cached: { entries: ReadonlySet<string>; at: number } | undefined;

  constructor(allowlist: FirewallAllowlist, cacheTtlMs: number) {
    this.#allowlist = allowlist;
    this.#cacheTtlMs = cacheTtlMs;
  }

  /** Throws 403 `ip_forbidden` when the allow-list is active and does not name the client. */
  async check(clientIp: string | undefined): Promise<void> {
    if (!this.#cached || Date.now() - this.#cached.at >= this.#cacheTtlMs) {
      this.#cached = { entries: await this.#allowlist.allowed(), at: Date.now() };
    }
    const { entries } = this.#cached;
    if (entries.size === 0 || (clientIp !== undefined && entries.has(clientIp))) return;
    throw ipForbidden();
  }
}

export function firewall(gate: FirewallGate) {
  return async (_req: Request, res: Response, next: NextFunction): Promise<void> => {
    await gate.check(contextOf(res).clientIp);
    next();
  };
}
