/**
 * The usage headers a client gets on a Responses or chat answer (README "Usage headers"):
 * - `x-codex-{primary,secondary}-{used-percent,window-minutes,reset-at}` and
 *   `x-codex-credits-{has-credits,unlimited,balance}`: the serving account's, exactly as its upstream
 *   answer carried them (the same account the in-stream `codex.rate_limits` event describes); when no
 *   account served the answer (an error, or a stream committed by a keepalive) or the upstream sent none,
 *   the pool's, as upstream codex-lb sends them;
 * - the same names under `x-codex-pool-*`: always the pool's (routing/pool-usage.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { PoolUsage, PoolWindow } from '../routing/pool-usage.ts';

const ACCOUNT_HEADER = /^x-codex-(?:(?:primary|secondary)-(?:used-percent|window-minutes|reset-at)|credits-(?:has-credits|unlimited|balance))$/;

/** Whether `name` (lower case) is one of the upstream's per-account usage headers. */
export function isRateLimitHeader(name: string): boolean {
  return ACCOUNT_HEADER.test(name);
}

/** The serving account's usage headers from its upstream answer. */
export function accountRateLimitHeaders(upstream: IncomingHttpHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(upstream)) {
    if (!isRateLimitHeader(name) || value === undefined) continue;
    headers[name] = Array.isArray(value) ? (value[0] ?? '') : value;
  }
  return headers;
}

function windowHeaders(prefix: string, label: string, window: PoolWindow | null): Record<string, string> {
  if (!window) return {};
  const headers: Record<string, string> = {
    [`${prefix}-${label}-used-percent`]: String(Math.round(window.usedPercent * 100) / 100),
    [`${prefix}-${label}-window-minutes`]: String(window.windowMinutes),
  };
  if (window.resetAt !== null) headers[`${prefix}-${label}-reset-at`] = String(Math.ceil(window.resetAt));
  return headers;
}

/**
 * Built once per PoolUsage (which the request path recomputes at most once a second) and prefix, not per
 * answer: callers copy, never change, the result.
 */
const built = new WeakMap<PoolUsage, Partial<Record<'x-codex' | 'x-codex-pool', Readonly<Record<string, string>>>>>();

/** The pool's usage under `prefix` (`x-codex` for upstream's names, `x-codex-pool` for ours). */
export function poolRateLimitHeaders(usage: PoolUsage, prefix: 'x-codex' | 'x-codex-pool'): Readonly<Record<string, string>> {
  let byPrefix = built.get(usage);
  if (!byPrefix) built.set(usage, (byPrefix = {}));
  return (byPrefix[prefix] ??= buildPoolHeaders(usage, prefix));
}

function buildPoolHeaders(usage: PoolUsage, prefix: 'x-codex' | 'x-codex-pool'): Record<string, string> {
  const headers = { ...windowHeaders(prefix, 'primary', usage.primary), ...windowHeaders(prefix, 'secondary', usage.secondary) };
  if (usage.credits) {
    headers[`${prefix}-credits-has-credits`] = String(usage.credits.hasCredits);
    headers[`${prefix}-credits-unlimited`] = String(usage.credits.unlimited);
    headers[`${prefix}-credits-balance`] = usage.credits.balance.toFixed(2);
  }
  return headers;
}

/** Everything an answer carries: the serving account's headers (else the pool's) and the pool's own. */
export function usageHeaders(pool: PoolUsage | null, upstream: IncomingHttpHeaders | undefined): Record<string, string> {
  const account = upstream ? accountRateLimitHeaders(upstream) : {};
  if (!pool) return account;
  const own = Object.keys(account).length > 0 ? account : poolRateLimitHeaders(pool, 'x-codex');
  return { ...own, ...poolRateLimitHeaders(pool, 'x-codex-pool') };
}
