import { describe, expect, it } from 'vitest';
import { parseRetryAfterHint } from '../routing/reset-time.ts';
import { formatWait, poolExhausted, streamIncomplete, toOpenAIBody } from './catalogue.ts';

const NOW = 1_800_000_000;

describe('the pool-exhausted 429', () => {
  it.each([45, 1800, 7260, 86_400])('says the same wait in its message, Retry-After, resets_at and resets_in_seconds (%ss)', (seconds) => {
    const error = poolExhausted({ resetsAt: NOW + seconds, quota: false }, NOW);
    expect(error).toMatchObject({ status: 429, code: 'usage_limit_reached', retryAfterSeconds: seconds, resetsAt: NOW + seconds, resetsInSeconds: seconds });
    // The proxy's own "try again in" reader (what it applies to upstream messages) reads the message back.
    expect(parseRetryAfterHint(error.message)).toBe(seconds);
  });

  it('is not capped at 300 s when the reset is 30 minutes away', () => {
    expect(toOpenAIBody(poolExhausted({ resetsAt: NOW + 1800, quota: false }, NOW))).toEqual({
      error: {
        message: 'Usage limit reached on every account. Try again in 30m0s',
        type: 'usage_limit_reached',
        code: 'usage_limit_reached',
        resets_at: NOW + 1800,
        resets_in_seconds: 1800,
      },
    });
  });

  it('stays insufficient_quota when every account is out of quota', () => {
    expect(poolExhausted({ resetsAt: NOW + 600, quota: true }, NOW)).toMatchObject({
      status: 429,
      code: 'insufficient_quota',
      type: 'insufficient_quota',
      message: 'Every account has exceeded its quota. Try again in 10m0s',
      retryAfterSeconds: 600,
    });
  });

  it('claims no moment it does not know', () => {
    const error = poolExhausted({ resetsAt: undefined, quota: false }, NOW);
    expect(error).toMatchObject({ message: 'Usage limit reached on every account', retryAfterSeconds: undefined, resetsAt: undefined });
  });
});

describe('formatWait', () => {
  it('writes the compound form', () => {
    expect([formatWait(5), formatWait(60), formatWait(3599), formatWait(3600)]).toEqual(['5s', '1m0s', '59m59s', '1h0m0s']);
  });
});

describe('a stream cut before its terminal event', () => {
  it('names the connection that was cut', () => {
    expect(streamIncomplete('http').message).toBe('Upstream stream closed before response.completed');
    expect(streamIncomplete('websocket').message).toBe('Upstream websocket closed before response.completed');
  });
});
