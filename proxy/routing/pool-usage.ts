/**
 * The pool's usage as one account-like summary (reference/proxy-contract.md §8.4, as upstream codex-lb
 * computes its aggregate rate-limit headers): over every account that can still serve (not paused,
 * re-auth required or deactivated), each window's used percentage weighted by plan capacity, the
 * earliest reset, and the credits of all accounts together. Pure.
 */
import type { AccountView, UsageWindow } from './account-state.ts';
import { planCapacity } from './capacity.ts';

export interface PoolWindow {
  /** 0–100, capacity-weighted. */
  usedPercent: number;
  windowMinutes: number;
  /** Epoch seconds of the earliest reset in the pool; null when none is known. */
  resetAt: number | null;
}

export interface PoolUsage {
  primary: PoolWindow | null;
  secondary: PoolWindow | null;
  credits: { hasCredits: boolean; unlimited: boolean; balance: number } | null;
}

/** The upstream's window lengths (5 h and 7 d; 30-day plans sit in the secondary slot, as in routing). */
const PRIMARY_MINUTES = 300;
const SECONDARY_MINUTES = 10_080;
const OUT_OF_POOL = new Set(['paused', 'reauth_required', 'deactivated']);

export function poolUsage(accounts: readonly AccountView[], nowSeconds: number): PoolUsage {
  const serving = accounts.filter((account) => !OUT_OF_POOL.has(account.status));
  return {
    primary: summarize(serving, nowSeconds, PRIMARY_MINUTES, (a) => [a.primary, planCapacity(a.planType).primary]),
    secondary: summarize(serving, nowSeconds, SECONDARY_MINUTES, (a) => [a.secondary, planCapacity(a.planType).secondary]),
    credits: sumCredits(serving),
  };
}

function summarize(
  accounts: readonly AccountView[],
  now: number,
  windowMinutes: number,
  windowOf: (account: AccountView) => [UsageWindow | null, number],
): PoolWindow | null {
  let capacity = 0;
  let used = 0;
  let resetAt: number | null = null;
  for (const account of accounts) {
    const [window, weight] = windowOf(account);
    if (!window || weight <= 0) continue;
    // A window whose reset has passed is fresh again: 0 % used, and its old reset says nothing.
    const expired = window.resetAt !== null && window.resetAt <= now;
    capacity += weight;
    used += expired ? 0 : (weight * window.usedPercent) / 100;
    if (!expired && window.resetAt !== null) resetAt = resetAt === null ? window.resetAt : Math.min(resetAt, window.resetAt);
  }
  if (capacity === 0) return null;
  return { usedPercent: (used / capacity) * 100, windowMinutes, resetAt };
}

function sumCredits(accounts: readonly AccountView[]): PoolUsage['credits'] {
  const known = accounts.map((a) => a.credits).filter((c) => c !== null);
  if (known.length === 0) return null;
  const unlimited = known.some((c) => c.unlimited);
  return {
    hasCredits: unlimited || known.some((c) => c.hasCredits),
    unlimited,
    balance: known.reduce((sum, c) => sum + (c.unlimited ? 0 : c.balance), 0),
  };
}
