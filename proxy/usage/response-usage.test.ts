import { describe, expect, it } from 'vitest';
import { parseResponseUsage } from './response-usage.ts';

describe('parseResponseUsage', () => {
  it('reads the terminal usage object', () => {
    expect(
      parseResponseUsage({
        input_tokens: 1200,
        output_tokens: 300,
        total_tokens: 1500,
        input_tokens_details: { cached_tokens: 1024 },
        output_tokens_details: { reasoning_tokens: 128 },
      }),
    ).toEqual({ inputTokens: 1200, outputTokens: 300, cachedInputTokens: 1024, reasoningTokens: 128 });
  });

  it('defaults missing details to 0', () => {
    expect(parseResponseUsage({ input_tokens: 5, output_tokens: 6 })).toEqual({
      inputTokens: 5,
      outputTokens: 6,
      cachedInputTokens: 0,
      reasoningTokens: 0,
    });
  });

  it.each([null, 'usage', { input_tokens: 5 }, { input_tokens: -1, output_tokens: 2 }])('rejects %j', (value) => {
    expect(parseResponseUsage(value)).toBeNull();
  });
});
