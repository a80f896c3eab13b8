import { describe, expect, it } from 'vitest';
import { actualUsage, reservationBudget, rolledResetAt, WINDOW_MS } from './limits.ts';

const NOW = new Date('2026-06-10T12:00:00Z');

describe('rolledResetAt', () => {
  it('keeps a window that has not ended', () => {
    const resetAt = new Date(NOW.getTime() + 1000);
    expect(rolledResetAt(resetAt, 'daily', NOW)).toBe(resetAt);
  });

  it('advances by whole windows past now', () => {
    const resetAt = new Date(NOW.getTime() - 2.5 * WINDOW_MS.daily);
    expect(rolledResetAt(resetAt, 'daily', NOW)).toEqual(new Date(NOW.getTime() + 0.5 * WINDOW_MS.daily));
  });

  it('moves a window ending exactly now to the next one', () => {
    expect(rolledResetAt(NOW, '5h', NOW)).toEqual(new Date(NOW.getTime() + WINDOW_MS['5h']));
  });
});

describe('reservationBudget (§9.3)', () => {
  it('assumes 8192 input + 2048 output tokens when the caller cannot tell', () => {
    expect(reservationBudget('total_tokens', { model: 'gpt-5.4' })).toBe(10_240);
    expect(reservationBudget('input_tokens', { model: 'gpt-5.4' })).toBe(8192);
    expect(reservationBudget('output_tokens', { model: 'gpt-5.4' })).toBe(2048);
  });

  it('caps the input estimate at 8192', () => {
    expect(reservationBudget('input_tokens', { model: 'gpt-5.4', inputTokens: 100_000 })).toBe(8192);
  });

  it('prices cost budgets in micro-dollars', () => {
    // gpt-5.4: 8192 × $2.5/M + 2048 × $15/M = $0.05120 → 51,200 µ$
    expect(reservationBudget('cost_usd', { model: 'gpt-5.4' })).toBe(51_200);
  });

  it('uses $2 per 16,384 tokens for an unknown model', () => {
    expect(reservationBudget('cost_usd', { model: 'mystery-model' })).toBe(Math.ceil((2_000_000 * 10_240) / 16_384));
  });

  it('reserves nothing for credits', () => {
    expect(reservationBudget('credits', { model: 'gpt-5.4' })).toBe(0);
  });
});

describe('actualUsage', () => {
  const usage = { inputTokens: 1000, outputTokens: 500, cachedInputTokens: 200 };

  it('counts tokens per limit type', () => {
    expect(actualUsage('total_tokens', 'gpt-5.4', usage, null)).toBe(1500);
    expect(actualUsage('input_tokens', 'gpt-5.4', usage, null)).toBe(1000);
    expect(actualUsage('output_tokens', 'gpt-5.4', usage, null)).toBe(500);
  });

  it('counts cost in micro-dollars at the effective tier', () => {
    // 800 × 2.5 + 200 × 0.25 + 500 × 15 = 9550 µ$ standard; priority doubles the rates.
    expect(actualUsage('cost_usd', 'gpt-5.4', usage, null)).toBe(9550);
    expect(actualUsage('cost_usd', 'gpt-5.4', usage, 'priority')).toBe(19_100);
  });

  it('counts an unknown model as free', () => {
    expect(actualUsage('cost_usd', 'mystery-model', usage, null)).toBe(0);
  });
});
