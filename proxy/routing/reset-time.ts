/**
 * When may a blocked account be tried again? (reference/proxy-contract.md §4.2, §7.6; trap 6)
 * Upstream tells us in three ways, in order of trust: `resets_at` (epoch seconds),
 * `resets_in_seconds`, or prose ("try again in 6m0s"). Values outside (0, 366 days] are ignored as
 * implausible; everything is rounded up to whole seconds; a persisted block lasts at least 30 s so
 * that other replicas do not re-enable the account on their next request.
 */

export const MIN_BLOCK_SECONDS = 30;
const MAX_PLAUSIBLE_SECONDS = 366 * 24 * 3600;
const QUOTA_DEFAULT_SECONDS = 3600;

const UNIT_SECONDS: ReadonlyArray<[RegExp, number]> = [
  [/^(ms|milliseconds?)$/, 0.001],
  [/^(h|hours?|hrs?)$/, 3600],
  [/^(m|minutes?|mins?)$/, 60],
  [/^(s|seconds?|secs?)$/, 1],
];
const TRY_AGAIN = /try again in\s*((?:\d+(?:\.\d+)?\s*(?:ms|milliseconds?|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![A-Za-z])\s*)+)/i;
const DURATION_PART = /(\d+(?:\.\d+)?)\s*(ms|milliseconds?|hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s)(?![A-Za-z])/gi;

/** Seconds named by "try again in …" (compound durations such as "6m0s" or "1 hour 5 minutes" are summed). */
export function parseRetryAfterHint(message: string): number | undefined {
  const match = TRY_AGAIN.exec(message);
  if (!match?.[1]) return undefined;
  let seconds = 0;
  for (const part of match[1].matchAll(DURATION_PART)) {
    const unit = (part[2] ?? '').toLowerCase();
    const factor = UNIT_SECONDS.find(([pattern]) => pattern.test(unit))?.[1] ?? 1;
    seconds += Number(part[1]) * factor;
  }
  return seconds > 0 ? seconds : undefined;
}

export interface ResetHints {
  resetsAt?: number;
  resetsInSeconds?: number;
  message?: string;
}

/** The reset the upstream declared, as epoch seconds, if it declared a plausible one. */
export function declaredResetAt(hints: ResetHints, nowSeconds: number): number | undefined {
  const { resetsAt, resetsInSeconds } = hints;
  if (resetsAt !== undefined && resetsAt > nowSeconds && resetsAt <= nowSeconds + MAX_PLAUSIBLE_SECONDS) {
    return Math.ceil(resetsAt);
  }
  if (resetsInSeconds !== undefined && resetsInSeconds > 0 && resetsInSeconds <= MAX_PLAUSIBLE_SECONDS) {
    return Math.ceil(nowSeconds + resetsInSeconds);
  }
  const hinted = hints.message === undefined ? undefined : parseRetryAfterHint(hints.message);
  if (hinted !== undefined && hinted <= MAX_PLAUSIBLE_SECONDS) return Math.ceil(nowSeconds + hinted);
  return undefined;
}

/**
 * Reset for a rate-limited account: the declared one, else exponential backoff over the account's
 * consecutive rate limits (30 s, 60 s, … capped at 300 s); never sooner than 30 s from now.
 */
export function rateLimitResetAt(hints: ResetHints, nowSeconds: number, consecutiveLimits: number): number {
  const floor = Math.ceil(nowSeconds + MIN_BLOCK_SECONDS);
  const declared = declaredResetAt(hints, nowSeconds);
  const fallback = Math.ceil(nowSeconds + Math.min(300, MIN_BLOCK_SECONDS * 2 ** Math.max(0, consecutiveLimits)));
  return Math.max(floor, declared ?? fallback);
}

/** Reset for a quota-exhausted account: the declared one, else one hour; never sooner than 30 s. */
export function quotaResetAt(hints: ResetHints, nowSeconds: number): number {
  const declared = declaredResetAt(hints, nowSeconds);
  return Math.max(Math.ceil(nowSeconds + MIN_BLOCK_SECONDS), declared ?? Math.ceil(nowSeconds + QUOTA_DEFAULT_SECONDS));
}
