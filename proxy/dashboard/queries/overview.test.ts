import { describe, expect, it } from 'vitest';
import type { ModelUsageHourRow } from '../../store/entities/usage-rollup.ts';
import { summarize, windowStart } from './overview.ts';

const HOUR = 3_600_000;
const now = new Date('2026-12-01T12:30:00Z');
const row = (hoursAgo: number, over: Partial<ModelUsageHourRow> = {}): ModelUsageHourRow => ({
  bucketStart: Date.parse('2026-12-01T12:00:00Z') - hoursAgo * HOUR,
  model: 'gpt-5.4',
  outcome: 'success',
  requests: 1,
  inputTokens: 10,
  outputTokens: 5,
  cachedInputTokens: 2,
  reasoningTokens: 1,
  costUsd: 0.5,
  ...over,
});

describe('overview summary (from hourly rollups)', () => {
  it('aligns the window to whole buckets, the last one holding now', () => {
    expect(new Date(windowStart('1d', now)).toISOString()).toBe('2026-11-30T13:00:00.000Z');
    expect(new Date(windowStart('30d', now)).toISOString()).toBe('2026-11-02T00:00:00.000Z');
  });

  it('adds requests, tokens, cost and errors per bucket and in total; cancelled requests are not errors', () => {
    const { summary, trends, topModels, topErrors } = summarize(
      [
        row(0, { requests: 3 }),
        row(0, { outcome: 'rate_limit_exceeded', requests: 1 }),
        row(2, { model: 'gpt-5.4-mini', outcome: 'cancelled', requests: 2 }),
        row(30, { requests: 100 }), // before the 24-hour window
      ],
      '1d',
      now,
    );
    // Tokens and cost are sums of the rollup rows (15 tokens, $0.50 each), whatever their request counts.
    expect(summary).toMatchObject({ requests: 6, tokens: 45, errorCount: 1, cancelledCount: 2, errorRate: 1 / 6, topError: 'rate_limit_exceeded', costUsd: 1.5 });
    expect(trends).toHaveLength(24);
    expect(trends.at(-1)).toMatchObject({ requests: 4, errors: 1 });
    expect(trends.at(-3)).toMatchObject({ requests: 2, errors: 0 });
    expect(topModels.map((m) => [m.model, m.requests])).toEqual([
      ['gpt-5.4', 4],
      ['gpt-5.4-mini', 2],
    ]);
    expect(topErrors).toEqual([{ code: 'rate_limit_exceeded', count: 1 }]);
  });

  it('has no error rate without requests', () => {
    expect(summarize([], '7d', now).summary).toMatchObject({ requests: 0, errorRate: null, topError: null });
  });
});
