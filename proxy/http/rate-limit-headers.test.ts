import { describe, expect, it } from 'vitest';
import type { PoolUsage } from '../routing/pool-usage.ts';
import { accountRateLimitHeaders, poolRateLimitHeaders, usageHeaders } from './rate-limit-headers.ts';

const POOL: PoolUsage = {
  primary: { usedPercent: 15.217391, windowMinutes: 300, resetAt: 1_800_000_000.2 },
  secondary: { usedPercent: 37.5, windowMinutes: 10_080, resetAt: null },
  credits: { hasCredits: true, unlimited: false, balance: 7.5 },
};

const UPSTREAM = {
  'content-type': 'text/event-stream',
  'x-codex-primary-used-percent': '42',
  'x-codex-primary-window-minutes': '300',
  'x-codex-primary-reset-at': '1800000600',
  'x-codex-primary-reset-after-seconds': '600',
  'x-codex-credits-balance': '5',
  'x-codex-turn-state': 'turn-1',
};

describe('usage headers', () => {
  it('takes exactly the upstream’s per-account usage headers from its answer', () => {
    expect(accountRateLimitHeaders(UPSTREAM)).toEqual({
      'x-codex-primary-used-percent': '42',
      'x-codex-primary-window-minutes': '300',
      'x-codex-primary-reset-at': '1800000600',
      'x-codex-credits-balance': '5',
    });
  });

  it('writes the pool in upstream codex-lb’s format: 2-decimal percent, whole reset second, 2-decimal balance', () => {
    expect(poolRateLimitHeaders(POOL, 'x-codex-pool')).toEqual({
      'x-codex-pool-primary-used-percent': '15.22',
      'x-codex-pool-primary-window-minutes': '300',
      'x-codex-pool-primary-reset-at': '1800000001',
      'x-codex-pool-secondary-used-percent': '37.5',
      'x-codex-pool-secondary-window-minutes': '10080',
      'x-codex-pool-credits-has-credits': 'true',
      'x-codex-pool-credits-unlimited': 'false',
      'x-codex-pool-credits-balance': '7.50',
    });
  });

  it('builds the pool’s headers once per pool reading and prefix, and hands each answer its own copy', () => {
    expect(poolRateLimitHeaders(POOL, 'x-codex')).toBe(poolRateLimitHeaders(POOL, 'x-codex'));
    expect(poolRateLimitHeaders(POOL, 'x-codex')).not.toEqual(poolRateLimitHeaders(POOL, 'x-codex-pool'));
    const first = usageHeaders(POOL, undefined);
    first['x-codex-pool-primary-used-percent'] = 'changed by one answer';
    expect(usageHeaders(POOL, undefined)['x-codex-pool-primary-used-percent']).toBe('15.22');
  });

  it('gives the serving account’s headers when it sent some, else the pool’s under the upstream names; the pool’s own always', () => {
    const served = usageHeaders(POOL, UPSTREAM);
    expect(served['x-codex-primary-used-percent']).toBe('42');
    expect(served['x-codex-secondary-used-percent']).toBeUndefined();
    expect(served['x-codex-pool-primary-used-percent']).toBe('15.22');
    const unserved = usageHeaders(POOL, undefined);
    expect(unserved['x-codex-primary-used-percent']).toBe('15.22');
    expect(unserved['x-codex-pool-primary-used-percent']).toBe('15.22');
    expect(usageHeaders(null, UPSTREAM)).toEqual(accountRateLimitHeaders(UPSTREAM));
  });
});
