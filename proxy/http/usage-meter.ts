/**
 * What one request consumed and how fast, read from the events as they pass (reference/proxy-contract.md
 * §8.2 request_logs): the upstream response id, tokens from the terminal event's `usage`, the
 * service tier actually used, and the time to the first output delta (TTFT).
 */
import { isObject, responseOf, type ResponseEvent } from '../upstream/events.ts';

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  reasoningTokens: number;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export function tokenUsage(usage: unknown): TokenUsage | undefined {
  if (!isObject(usage)) return undefined;
  const input = isObject(usage.input_tokens_details) ? usage.input_tokens_details : {};
  const output = isObject(usage.output_tokens_details) ? usage.output_tokens_details : {};
  return {
    inputTokens: count(usage.input_tokens),
    outputTokens: count(usage.output_tokens),
    cachedInputTokens: count(input.cached_tokens),
    reasoningTokens: count(output.reasoning_tokens),
  };
}

export class UsageMeter {
  readonly #now: () => number;
  responseId: string | undefined;
  serviceTier: string | undefined;
  usage: TokenUsage | undefined;
  /** Epoch ms of the first output delta. */
  firstTokenAt: number | undefined;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  observe(event: ResponseEvent): void {
    if (this.firstTokenAt === undefined && event.type.endsWith('.delta')) this.firstTokenAt = this.#now();
    const response = responseOf(event);
    if (!response) return;
    if (typeof response.id === 'string') this.responseId ??= response.id;
    if (typeof response.service_tier === 'string') this.serviceTier = response.service_tier;
    const usage = tokenUsage(response.usage);
    if (usage) this.usage = usage;
  }
}
