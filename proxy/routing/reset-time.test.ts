import { describe, expect, it } from 'vitest';
import { declaredResetAt, parseRetryAfterHint, quotaResetAt, rateLimitResetAt } from './reset-time.ts';

const NOW = 1_700_000_000;

describe('parseRetryAfterHint', () => {
  it.each([
    ['Please try again in 20s.', 20],
    ['Rate limit reached. Please try again in 6m0s.', 360],
    ['try again in 1.5 seconds', 1.5],
    ['Try again in 2 hours 5 minutes', 7500],
    ['try again in 250ms', 0.25],
    ['try again in 1h30m', 5400],
  ])('reads "%s" as %d seconds', (message, seconds) => {
    expect(parseRetryAfterHint(message)).toBe(seconds);
  });

  it('finds nothing in prose without a duration', () => {
    expect(parseRetryAfterHint('The usage limit has been reached')).toBeUndefined();
    expect(parseRetryAfterHint('try again in a moment')).toBeUndefined();
  });
});

describe('declaredResetAt', () => {
  it('prefers resets_at, rounded up', () => {
    expect(declaredResetAt({ resetsAt: NOW + 99.2, resetsInSeconds: 10 }, NOW)).toBe(NOW + 100);
  });

  it('falls back to resets_in_seconds, then to the message', () => {
    expect(declaredResetAt({ resetsInSeconds: 3600 }, NOW)).toBe(NOW + 3600);
    expect(declaredResetAt({ message: 'try again in 6m0s' }, NOW)).toBe(NOW + 360);
  });

  it('ignores implausible values: in the past, or more than 366 days away', () => {
    expect(declaredResetAt({ resetsAt: NOW - 5 }, NOW)).toBeUndefined();
    expect(declaredResetAt({ resetsAt: NOW + 367 * 86_400 }, NOW)).toBeUndefined();
    expect(declaredResetAt({ resetsInSeconds: -1 }, NOW)).toBeUndefined();
    expect(declaredResetAt({ resetsAt: NOW - 5, resetsInSeconds: 60 }, NOW)).toBe(NOW + 60);
  });
});

describe('rateLimitResetAt', () => {
  it('never blocks for less than 30 seconds, so other replicas do not re-enable the account at once', () => {
    expect(rateLimitResetAt({ resetsInSeconds: 2 }, NOW, 0)).toBe(NOW + 30);
  });

  it('backs off exponentially without a declared reset, capped at 300 seconds', () => {
    expect(rateLimitResetAt({}, NOW, 0)).toBe(NOW + 30);
    expect(rateLimitResetAt({}, NOW, 2)).toBe(NOW + 120);
    expect(rateLimitResetAt({}, NOW, 9)).toBe(NOW + 300);
  });
});

describe('quotaResetAt', () => {
  it('uses the declared reset, else one hour', () => {
    expect(quotaResetAt({ resetsAt: NOW + 7200 }, NOW)).toBe(NOW + 7200);
    expect(quotaResetAt({}, NOW)).toBe(NOW + 3600);
  });
});
