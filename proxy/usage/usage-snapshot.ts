/**
 * One observation of an account's upstream usage, whatever its source: a `/wham/usage` poll, `x-codex-*`
 * response headers, or a `codex.rate_limits` stream event (reference/proxy-contract.md §2.5, §8.1).
 */

export interface UsageWindow {
  readonly usedPercent: number;
  /** Window length; null when upstream did not say. */
  readonly windowMinutes: number | null;
  readonly resetAt: Date | null;
}

export interface Credits {
  readonly hasCredits: boolean | null;
  readonly unlimited: boolean | null;
  readonly balance: number | null;
}

export interface UsageSnapshot {
  /** The short (5 h) window. */
  readonly primary: UsageWindow | null;
  /** The weekly window. */
  readonly secondary: UsageWindow | null;
  /** A 30-day window reported by plans that have no weekly one; routing reads it in the secondary slot. */
  readonly monthly: UsageWindow | null;
  readonly credits: Credits | null;
}

/** Default window lengths when upstream omits them (§8.1). */
export const DEFAULT_WINDOW_MINUTES = { primary: 300, secondary: 10_080, monthly: 43_200 } as const;

/** The long window routing uses: weekly, else monthly. */
export function longWindow(snapshot: UsageSnapshot): UsageWindow | null {
  return snapshot.secondary ?? snapshot.monthly;
}

/** Credits that let an account keep serving past an exhausted weekly window (§7.1 apply_usage_quota). */
export function hasSpareCredits(credits: Credits | null): boolean {
  return credits !== null && (credits.hasCredits === true || credits.unlimited === true || (credits.balance ?? 0) > 0);
}

/** 30 days: a plan whose only window is this long reports it as "primary"; it is really the monthly window. */
const MONTHLY_WINDOW_MINUTES = DEFAULT_WINDOW_MINUTES.monthly;

/** Builds a snapshot from the two windows upstream reports, moving a lone 30-day primary to `monthly` (§8.1). */
export function snapshotFromWindows(primary: UsageWindow | null, secondary: UsageWindow | null, credits: Credits | null): UsageSnapshot {
  if (primary !== null && secondary === null && primary.windowMinutes === MONTHLY_WINDOW_MINUTES) {
    return { primary: null, secondary: null, monthly: primary, credits };
  }
  return {
    primary: withDefaultLength(primary, DEFAULT_WINDOW_MINUTES.primary),
    secondary: withDefaultLength(secondary, DEFAULT_WINDOW_MINUTES.secondary),
    monthly: null,
    credits,
  };
}

function withDefaultLength(window: UsageWindow | null, minutes: number): UsageWindow | null {
  return window === null || window.windowMinutes !== null ? window : { ...window, windowMinutes: minutes };
}

/** True when the snapshot carries nothing. */
export function isEmptySnapshot(snapshot: UsageSnapshot): boolean {
  return snapshot.primary === null && snapshot.secondary === null && snapshot.monthly === null && snapshot.credits === null;
}

function sameWindow(a: UsageWindow | null, b: UsageWindow | null): boolean {
  if (a === null || b === null) return a === b;
  return a.usedPercent === b.usedPercent && a.windowMinutes === b.windowMinutes && a.resetAt?.getTime() === b.resetAt?.getTime();
}

/** Whether two observations say the same (live ingestion skips repeats; cheaper than comparing serializations). */
export function sameSnapshot(a: UsageSnapshot, b: UsageSnapshot): boolean {
  const credits = a.credits === null || b.credits === null
    ? a.credits === b.credits
    : a.credits.hasCredits === b.credits.hasCredits && a.credits.unlimited === b.credits.unlimited && a.credits.balance === b.credits.balance;
  return credits && sameWindow(a.primary, b.primary) && sameWindow(a.secondary, b.secondary) && sameWindow(a.monthly, b.monthly);
}
