import { describe, expect, it } from 'vitest';
import { parseWhamUsage } from './wham-usage.ts';

const NOW = new Date('2026-06-01T00:00:00Z');

describe('parseWhamUsage (§8.1)', () => {
  it('reads windows, credits and identity labels', () => {
    const usage = parseWhamUsage(
      {
        plan_type: 'Pro',
        workspace_id: 'ws-1',
        workspace_label: 'Team',
        seat_type: 'Default-Seat',
        rate_limit: {
          primary_window: { used_percent: 12, limit_window_seconds: 18_000, reset_at: 1_780_000_000 },
          secondary_window: { used_percent: 34, limit_window_seconds: 604_800, reset_after_seconds: 3600 },
        },
        credits: { has_credits: false, unlimited: false, balance: '0.00' },
      },
      NOW,
    );
    expect(usage).toEqual({
      snapshot: {
        primary: { usedPercent: 12, windowMinutes: 300, resetAt: new Date(1_780_000_000_000) },
        secondary: { usedPercent: 34, windowMinutes: 10_080, resetAt: new Date(NOW.getTime() + 3_600_000) },
        monthly: null,
        credits: { hasCredits: false, unlimited: false, balance: 0 },
      },
      planType: 'pro',
      workspaceId: 'ws-1',
      workspaceLabel: 'Team',
      seatType: 'default_seat',
    });
  });

  it('reads a plan with only a 30-day window as monthly', () => {
    const usage = parseWhamUsage({ rate_limit: { primary_window: { used_percent: 3, limit_window_seconds: 2_592_000 } } }, NOW);
    expect(usage?.snapshot).toMatchObject({ primary: null, monthly: { usedPercent: 3, windowMinutes: 43_200 } });
  });

  it('rejects a payload that is not an object', () => {
    expect(parseWhamUsage('nope', NOW)).toBeNull();
  });
});
