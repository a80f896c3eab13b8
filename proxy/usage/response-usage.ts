/**
 * Token counts from a terminal Responses `usage` object (`response.completed.response.usage`, §8.2):
 * `input_tokens`, `output_tokens`, `input_tokens_details.cached_tokens`, `output_tokens_details.reasoning_tokens`.
 */
import type { TokenUsage } from './pricing.ts';

export interface ResponseUsage extends TokenUsage {
  readonly reasoningTokens: number;
}

/** Null when the value is not a usage object with input and output counts. */
export function parseResponseUsage(usage: unknown): ResponseUsage | null {
  if (typeof usage !== 'object' || usage === null) return null;
  const record = usage as Record<string, unknown>;
  const inputTokens = count(record.input_tokens);
  const outputTokens = count(record.output_tokens);
  if (inputTokens === null || outputTokens === null) return null;
  return {
    inputTokens,
    outputTokens,
    cachedInputTokens: count(detail(record.input_tokens_details, 'cached_tokens')) ?? 0,
    reasoningTokens: count(detail(record.output_tokens_details, 'reasoning_tokens')) ?? 0,
  };
}

function detail(details: unknown, key: string): unknown {
  return typeof details === 'object' && details !== null ? (details as Record<string, unknown>)[key] : undefined;
}

function count(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.floor(value) : null;
}
