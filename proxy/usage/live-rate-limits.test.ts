import { describe, expect, it } from 'vitest';
import { parseRateLimitHeaders, parseRateLimitsEvent } from './live-rate-limits.ts';

const RESET = 1_780_000_000;

describe('parseRateLimitHeaders', () => {
  const headers = {
    'x-codex-primary-used-percent': '42.5',
    'x-codex-primary-window-minutes': '300',
    'x-codex-primary-reset-at': String(RESET),
    'x-codex-secondary-used-percent': '10',
    'x-codex-secondary-window-minutes': '10080',
    'x-codex-secondary-reset-at': String(RESET + 86_400),
    'x-codex-credits-has-credits': 'False',
    'x-codex-credits-unlimited': 'false',
    'x-codex-credits-balance': '0',
  };

  it('reads both windows and the credits', () => {
    expect(parseRateLimitHeaders(headers)).toEqual({
      primary: { usedPercent: 42.5, windowMinutes: 300, resetAt: new Date(RESET * 1000) },
      secondary: { usedPercent: 10, windowMinutes: 10_080, resetAt: new Date((RESET + 86_400) * 1000) },
      monthly: null,
      credits: { hasCredits: false, unlimited: false, balance: 0 },
    });
  });

  it('reads a fetch Headers object the same way', () => {
    expect(parseRateLimitHeaders(new Headers(headers))).toEqual(parseRateLimitHeaders(headers));
  });

  it('treats a lone 30-day primary window as the monthly window', () => {
    const snapshot = parseRateLimitHeaders({ 'x-codex-primary-used-percent': '5', 'x-codex-primary-window-minutes': '43200' });
    expect(snapshot).toMatchObject({ primary: null, secondary: null, monthly: { usedPercent: 5, windowMinutes: 43_200 } });
  });

  it('fills in default window lengths', () => {
    expect(parseRateLimitHeaders({ 'x-codex-primary-used-percent': '5' })?.primary?.windowMinutes).toBe(300);
  });

  it('gives null when there is nothing to record', () => {
    expect(parseRateLimitHeaders({ 'content-type': 'text/event-stream' })).toBeNull();
  });
});

describe('parseRateLimitsEvent', () => {
  it('reads windows, accepting resets_at as an alias, and credits', () => {
    const event = {
      type: 'codex.rate_limits',
      rate_limits: {
        primary: { used_percent: 100, window_minutes: 300, resets_at: RESET },
        secondary: { used_percent: 55, window_minutes: 10_080, reset_at: RESET + 1 },
      },
      credits: { has_credits: true, unlimited: false, balance: '12.50' },
    };
    expect(parseRateLimitsEvent(event)).toEqual({
      primary: { usedPercent: 100, windowMinutes: 300, resetAt: new Date(RESET * 1000) },
      secondary: { usedPercent: 55, windowMinutes: 10_080, resetAt: new Date((RESET + 1) * 1000) },
      monthly: null,
      credits: { hasCredits: true, unlimited: false, balance: 12.5 },
    });
  });

  it('accepts events for the codex limit and ignores other metered limits', () => {
    const windows = { primary: { used_percent: 1 } };
    expect(parseRateLimitsEvent({ type: 'codex.rate_limits', limit_id: 'codex', rate_limits: windows })).not.toBeNull();
    expect(parseRateLimitsEvent({ type: 'codex.rate_limits', limit_name: 'images', rate_limits: windows })).toBeNull();
    expect(parseRateLimitsEvent({ type: 'codex.rate_limits', rate_limits: { ...windows, metered_limit_name: 'x' } })).toBeNull();
  });

  it('ignores other events', () => {
    expect(parseRateLimitsEvent({ type: 'response.completed' })).toBeNull();
    expect(parseRateLimitsEvent('codex.rate_limits')).toBeNull();
  });
});
