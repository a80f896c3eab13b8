import { describe, expect, it } from 'vitest';
import { requestLogRow } from './request-log.ts';

const AT = new Date('2026-06-01T00:00:00Z');
const usage = { inputTokens: 1000, outputTokens: 100, cachedInputTokens: 400, reasoningTokens: 50 };

describe('requestLogRow', () => {
  it('records tokens and the cost at the tier upstream actually served', () => {
    const row = requestLogRow(
      { requestId: 'resp_1', accountId: 'a', apiKeyId: null, model: 'gpt-5.4', status: 'success', usage, requestedServiceTier: 'default', actualServiceTier: 'priority' },
      'id-1',
      AT,
    );
    expect(row).toMatchObject({ serviceTier: 'priority', inputTokens: 1000, cachedInputTokens: 400, reasoningTokens: 50 });
    // priority rates of gpt-5.4: 600 × 5 + 400 × 0.5 + 100 × 30 per million
    expect(row.costUsd).toBeCloseTo(0.0062, 10);
  });

  it('falls back to the requested tier', () => {
    const row = requestLogRow({ requestId: 'r', accountId: null, apiKeyId: null, model: 'gpt-5.4', status: 'success', usage, requestedServiceTier: 'flex' }, 'id', AT);
    expect(row.serviceTier).toBe('flex');
  });

  it('leaves cost empty without usage', () => {
    const row = requestLogRow({ requestId: 'r', accountId: null, apiKeyId: null, model: 'gpt-5.4', status: 'error', errorCode: 'upstream_error' }, 'id', AT);
    expect(row).toMatchObject({ costUsd: null, inputTokens: null, status: 'error', errorCode: 'upstream_error' });
  });
});
