import { describe, expect, it } from 'vitest';
import { formatAge, formatCost, formatCountdown, formatNumber, formatPercent, windowLabel } from './format.ts';

describe('dashboard formatting', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');

  it('counts down to a reset in days, hours and minutes', () => {
    expect(formatCountdown('2026-12-01T14:05:00Z', now)).toBe('2h 05m');
    expect(formatCountdown('2026-12-04T13:00:00Z', now)).toBe('3d 1h');
    expect(formatCountdown('2026-12-01T12:00:30Z', now)).toBe('30s');
    expect(formatCountdown('2026-12-01T11:00:00Z', now)).toBe('reset');
    expect(formatCountdown(null, now)).toBe('no reset time');
  });

  it('shortens large numbers and prices', () => {
    expect([formatNumber(999), formatNumber(12_345), formatNumber(2_500_000), formatNumber(3e9)]).toEqual(['999', '12.3k', '2.5M', '3B']);
    expect([formatCost(null), formatCost(0), formatCost(0.004), formatCost(12.345)]).toEqual(['—', '$0.00', '<$0.01', '$12.35']);
    expect([formatPercent(null), formatPercent(0.5), formatPercent(0.034)]).toEqual(['—', '50%', '3.4%']);
  });

  it('ages and window names', () => {
    expect(formatAge('2026-12-01T11:57:00Z', now)).toBe('3 min ago');
    expect(formatAge(null, now)).toBe('never');
    expect([windowLabel(300, 'Primary'), windowLabel(10_080, 'Secondary'), windowLabel(null, 'Primary')]).toEqual(['5h', 'Weekly', 'Primary']);
  });
});
