import { describe, expect, it } from 'vitest';
import { sameSnapshot, type UsageSnapshot } from './usage-snapshot.ts';

const snapshot: UsageSnapshot = {
  primary: { usedPercent: 12.5, windowMinutes: 300, resetAt: new Date(1_900_000_000_000) },
  secondary: { usedPercent: 40, windowMinutes: 10_080, resetAt: new Date(1_900_500_000_000) },
  monthly: null,
  credits: { hasCredits: true, unlimited: false, balance: 3.25 },
};

describe('sameSnapshot', () => {
  it('treats an observation with equal windows and credits as the same, whatever Date objects carry them', () => {
    expect(sameSnapshot(snapshot, structuredClone(snapshot))).toBe(true);
  });

  it.each([
    ['a primary percentage', { ...snapshot, primary: { ...snapshot.primary!, usedPercent: 13 } }],
    ['a secondary reset', { ...snapshot, secondary: { ...snapshot.secondary!, resetAt: new Date(1_900_500_001_000) } }],
    ['a window that appeared', { ...snapshot, monthly: { usedPercent: 1, windowMinutes: 43_200, resetAt: null } }],
    ['a window that went away', { ...snapshot, primary: null }],
    ['a credit balance', { ...snapshot, credits: { ...snapshot.credits!, balance: 3 } }],
    ['credits that went away', { ...snapshot, credits: null }],
  ])('tells apart %s', (_, other) => {
    expect(sameSnapshot(snapshot, other)).toBe(false);
    expect(sameSnapshot(other, snapshot)).toBe(false);
  });
});
