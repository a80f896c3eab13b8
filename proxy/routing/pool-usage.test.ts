import { describe, expect, it } from 'vitest';
import type { AccountView } from './account-state.ts';
import { poolUsage } from './pool-usage.ts';

const NOW = 1_800_000_000;

function account(id: string, planType: string, over: Partial<AccountView> = {}): AccountView {
  return { id, status: 'active', resetAt: null, planType, routingPolicy: 'normal', primary: null, secondary: null, credits: null, ...over };
}

describe('poolUsage', () => {
  it('weighs each window by plan capacity and reports the earliest reset', () => {
    const usage = poolUsage(
      [
        account('plus', 'plus', { primary: { usedPercent: 50, resetAt: NOW + 1000 }, secondary: { usedPercent: 20, resetAt: NOW + 90_000 } }),
        account('pro', 'pro', { primary: { usedPercent: 10, resetAt: NOW + 2000 }, secondary: { usedPercent: 40, resetAt: NOW + 80_000 } }),
      ],
      NOW,
    );
    // (225 × 50 % + 1500 × 10 %) / 1725 and (7560 × 20 % + 50400 × 40 %) / 57960
    expect(usage.primary).toEqual({ usedPercent: expect.closeTo((112.5 + 150) / 17.25, 9) as unknown, windowMinutes: 300, resetAt: NOW + 1000 });
    expect(usage.secondary).toEqual({ usedPercent: expect.closeTo((1512 + 20_160) / 579.6, 9) as unknown, windowMinutes: 10_080, resetAt: NOW + 80_000 });
  });

  it('leaves out accounts that cannot serve, reads an elapsed window as fresh, and skips plans without a short window', () => {
    const usage = poolUsage(
      [
        account('paused', 'pro', { status: 'paused', primary: { usedPercent: 100, resetAt: NOW + 10 } }),
        account('reauth', 'pro', { status: 'reauth_required', primary: { usedPercent: 100, resetAt: NOW + 10 } }),
        account('elapsed', 'plus', { primary: { usedPercent: 90, resetAt: NOW - 1 } }),
        account('free', 'free', { primary: { usedPercent: 70, resetAt: NOW + 5 } }),
        account('limited', 'plus', { status: 'rate_limited', primary: { usedPercent: 100, resetAt: NOW + 600 } }),
      ],
      NOW,
    );
    expect(usage.primary).toEqual({ usedPercent: 50, windowMinutes: 300, resetAt: NOW + 600 });
    expect(usage.secondary).toBeNull();
  });

  it('adds up credits: any unlimited account makes the pool unlimited, and its balance does not count', () => {
    expect(poolUsage([account('a', 'plus'), account('b', 'plus')], NOW).credits).toBeNull();
    expect(
      poolUsage(
        [
          account('a', 'plus', { credits: { hasCredits: true, unlimited: false, balance: 5 } }),
          account('b', 'plus', { credits: { hasCredits: false, unlimited: false, balance: 2.5 } }),
        ],
        NOW,
      ).credits,
    ).toEqual({ hasCredits: true, unlimited: false, balance: 7.5 });
    expect(
      poolUsage(
        [
          account('a', 'plus', { credits: { hasCredits: false, unlimited: true, balance: 1000 } }),
          account('b', 'plus', { credits: { hasCredits: false, unlimited: false, balance: 1 } }),
        ],
        NOW,
      ).credits,
    ).toEqual({ hasCredits: true, unlimited: true, balance: 1 });
  });
});
