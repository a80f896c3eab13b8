/**
 * API-key limit arithmetic (reference/proxy-contract.md §9.2–9.3), pure: window lengths and rolling, what a
 * request reserves before it runs, and what it actually used.
 */
import type { LimitType, LimitWindow } from '../store/entities/api-key.ts';
import { costUsd, type TokenUsage } from '../usage/pricing.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export const WINDOW_MS: Record<LimitWindow, number> = {
  daily: DAY,
  weekly: 7 * DAY,
  monthly: 30 * DAY,
  '5h': 5 * HOUR,
  '7d': 7 * DAY,
};

/** The end of the window containing `now`: `resetAt` advanced by whole windows until it is in the future. */
export function rolledResetAt(resetAt: Date, window: LimitWindow, now: Date): Date {
  if (resetAt.getTime() > now.getTime()) return resetAt;
  const length = WINDOW_MS[window];
  const windows = Math.floor((now.getTime() - resetAt.getTime()) / length) + 1;
  return new Date(resetAt.getTime() + windows * length);
}

/** Token counts assumed for a request before it runs, when the caller cannot tell (upstream's defaults). */
export const DEFAULT_INPUT_ESTIMATE = 8192;
export const DEFAULT_OUTPUT_ESTIMATE = 2048;
/** Cost estimate for an unknown model: $2 per 16,384 tokens, in micro-dollars per token. */
const UNKNOWN_MODEL_MICRO_USD_PER_TOKEN = 2_000_000 / 16_384;

export interface RequestEstimate {
  readonly model: string;
  readonly inputTokens?: number;
  readonly outputTokens?: number;
  readonly serviceTier?: string | null;
}

/** How much of a limit a request holds while it runs. Cost limits are in micro-dollars. */
export function reservationBudget(limitType: LimitType, estimate: RequestEstimate): number {
  const input = Math.min(estimate.inputTokens ?? DEFAULT_INPUT_ESTIMATE, DEFAULT_INPUT_ESTIMATE);
  const output = estimate.outputTokens ?? DEFAULT_OUTPUT_ESTIMATE;
  switch (limitType) {
    case 'total_tokens':
      return input + output;
    case 'input_tokens':
      return input;
    case 'output_tokens':
      return output;
    case 'cost_usd': {
      const usage = { inputTokens: input, outputTokens: output, cachedInputTokens: 0 };
      const cost = costUsd(estimate.model, usage, estimate.serviceTier ?? null);
      return cost === null ? Math.ceil(UNKNOWN_MODEL_MICRO_USD_PER_TOKEN * (input + output)) : Math.ceil(cost * 1e6);
    }
    case 'credits':
      return 0;
  }
}

/** What a finished request counts against a limit. Unknown-model cost counts as 0, as upstream. */
export function actualUsage(limitType: LimitType, model: string, usage: TokenUsage, serviceTier: string | null): number {
  switch (limitType) {
    case 'total_tokens':
      return usage.inputTokens + usage.outputTokens;
    case 'input_tokens':
      return usage.inputTokens;
    case 'output_tokens':
      return usage.outputTokens;
    case 'cost_usd':
      return Math.ceil((costUsd(model, usage, serviceTier) ?? 0) * 1e6);
    case 'credits':
      return 0;
  }
}
