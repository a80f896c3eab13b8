/**
 * When a rate-limited account may be tried again, from what upstream said (reference/proxy-contract.md §4.2,
 * §15.6): `resets_at` (epoch seconds), else `resets_in_seconds`, else a "try again in 6m0s"-style hint in the
 * message. Implausible values (in the past, or more than 366 days away) are ignored; results are rounded up to a
 * whole second.
 */

export interface ResetHints {
  /** Epoch seconds. */
  readonly resetsAt?: number | null;
  readonly resetsInSeconds?: number | null;
  readonly message?: string | null;
}

const MAX_HORIZON_MS = 366 * 24 * 3600 * 1000;
const UNIT_MS: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
const TRY_AGAIN = /try again in\s+((?:\d+(?:\.\d+)?\s*(?:ms|d|h|m|s)\s*)+)/i;
const PART = /(\d+(?:\.\d+)?)\s*(ms|d|h|m|s)/gi;

export function resetAtFromHints(hints: ResetHints, now: Date): Date | null {
  const delay = retryDelayFromMessage(hints.message);
  const candidates = [
    hints.resetsAt === undefined || hints.resetsAt === null ? null : hints.resetsAt * 1000,
    hints.resetsInSeconds === undefined || hints.resetsInSeconds === null
      ? null
      : now.getTime() + hints.resetsInSeconds * 1000,
    delay === null ? null : now.getTime() + delay,
  ];
  for (const candidate of candidates) {
    if (candidate === null || !Number.isFinite(candidate)) continue;
    if (candidate <= now.getTime() || candidate - now.getTime() > MAX_HORIZON_MS) continue;
    return new Date(Math.ceil(candidate / 1000) * 1000);
  }
  return null;
}

/** "Please try again in 1h2m3.5s." → 3_723_500 ms; null when the message has no such hint. */
export function retryDelayFromMessage(message: string | null | undefined): number | null {
  const match = typeof message === 'string' ? TRY_AGAIN.exec(message) : null;
  if (match?.[1] === undefined) return null;
  let total = 0;
  for (const part of match[1].matchAll(PART)) {
    total += Number(part[1]) * (UNIT_MS[(part[2] ?? '').toLowerCase()] ?? 0);
  }
  return total;
}
