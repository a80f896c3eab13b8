import { describe, expect, it } from 'vitest';
import { costUsd, pricingFor } from './pricing.ts';

/** 100k input (below the 272k long-context threshold) and 1M output tokens. */
const SHORT = { inputTokens: 100_000, outputTokens: 1_000_000, cachedInputTokens: 0 };

describe('costUsd (§8.3)', () => {
  it('prices input, cached input and output separately', () => {
    // (1000 − 400) × 2.5 + 400 × 0.25 + 100 × 15, per million
    expect(costUsd('gpt-5.4', { inputTokens: 1000, outputTokens: 100, cachedInputTokens: 400 }, null)).toBeCloseTo(0.0031, 10);
  });

  it('clamps cached tokens to the input', () => {
    const over = costUsd('gpt-5.4', { inputTokens: 100, outputTokens: 0, cachedInputTokens: 500 }, null);
    expect(over).toBeCloseTo((100 * 0.25) / 1e6, 12);
  });

  it('uses explicit priority rates, else the multiplier', () => {
    expect(costUsd('gpt-5.5', SHORT, 'priority')).toBeCloseTo(0.1 * 12.5 + 75, 6);
    expect(costUsd('gpt-5.2', SHORT, 'fast')).toBeCloseTo(2 * (0.1 * 1.75 + 14), 6);
  });

  it('uses flex rates, doubled on input and ×1.5 on output for long context', () => {
    expect(costUsd('gpt-5.6-sol', SHORT, 'flex')).toBeCloseTo(0.1 * 2.5 + 15, 6);
    const long = { inputTokens: 300_000, outputTokens: 1_000_000, cachedInputTokens: 0 };
    expect(costUsd('gpt-5.6-sol', long, 'flex')).toBeCloseTo(0.3 * 5 + 22.5, 6);
  });

  it('switches to long-context rates above 272k input tokens', () => {
    const long = { inputTokens: 300_000, outputTokens: 0, cachedInputTokens: 0 };
    expect(costUsd('gpt-5.4', long, null)).toBeCloseTo(0.3 * 5, 6);
  });

  it('has no price for an unknown model', () => {
    expect(costUsd('llama-fake', SHORT, null)).toBeNull();
  });
});

describe('pricingFor', () => {
  it.each([
    ['GPT-5.4', 'gpt-5.4'],
    ['gpt-5.4-mini-2026-01-01', 'gpt-5.4-mini'],
    ['gpt-5.3-codex-spark', 'gpt-5.3-codex'],
    ['gpt-5-codex', 'gpt-5'],
    ['gpt-image-1', 'gpt-image-'],
  ])('finds %s under %s (longest prefix)', (model, key) => {
    expect(pricingFor(model)).toBe(pricingFor(key));
  });
});
