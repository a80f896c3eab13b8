import { describe, expect, it } from 'vitest';
import type { RequestLogRow } from '../store/entities/request-log.ts';
import { hourOf, outcomeOf, rollupSums } from './usage-rollup.ts';

const row = (over: Partial<RequestLogRow>): RequestLogRow =>
  ({
    id: 'r',
    requestedAt: new Date('2026-12-01T10:15:00Z'),
    accountId: 'a',
    apiKeyId: null,
    requestId: 'q',
    sessionId: null,
    model: 'gpt-5.4',
    serviceTier: null,
    reasoningEffort: null,
    transport: 'http',
    status: 'success',
    errorCode: null,
    errorMessage: null,
    upstreamStatusCode: null,
    inputTokens: 10,
    outputTokens: 5,
    cachedInputTokens: 2,
    reasoningTokens: 1,
    costUsd: 0.25,
    latencyMs: 1,
    latencyFirstTokenMs: 1,
    clientIp: null,
    userAgent: null,
    ...over,
  }) as RequestLogRow;

describe('hourly rollup sums of a request-log batch', () => {
  it('names the hour and the outcome', () => {
    expect(new Date(hourOf(new Date('2026-12-01T10:59:59Z'))).toISOString()).toBe('2026-12-01T10:00:00.000Z');
    expect([outcomeOf('success', null), outcomeOf('cancelled', null), outcomeOf('error', 'rate_limit_exceeded'), outcomeOf('error', null)]).toEqual([
      'success',
      'cancelled',
      'rate_limit_exceeded',
      'error',
    ]);
  });

  it('sums a batch into one row per hour, model and outcome, and per hour and API key', () => {
    const { models, keys } = rollupSums([
      row({ apiKeyId: 'k1' }),
      row({ apiKeyId: 'k1', status: 'error', errorCode: 'rate_limit_exceeded', inputTokens: null, outputTokens: null, costUsd: null }),
      row({ apiKeyId: 'k2' }),
      row({ requestedAt: new Date('2026-12-01T11:01:00Z'), model: null }),
    ]);
    expect(models).toEqual([
      expect.objectContaining({ model: 'gpt-5.4', outcome: 'success', requests: 2, input: 20, output: 10, reasoning: 2, cost: 0.5 }),
      expect.objectContaining({ model: 'gpt-5.4', outcome: 'rate_limit_exceeded', requests: 1, input: 0, cost: 0 }),
      expect.objectContaining({ model: '', outcome: 'success', requests: 1, bucket: Date.parse('2026-12-01T11:00:00Z') }),
    ]);
    expect(keys).toEqual([
      expect.objectContaining({ key: 'k1', requests: 2, errors: 1, input: 10 }),
      expect.objectContaining({ key: 'k2', requests: 1, errors: 0 }),
    ]);
  });
});
