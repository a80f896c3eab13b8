/**
 * An account's usage windows and the three ways the upstream reports them (pure functions):
 * - `x-codex-*` response headers on every backend reply, errors included (proxy-contract §2.5, §7.7);
 * - the in-stream `codex.rate_limits` event that opens each turn (§2.5, transcript §2.8 A);
 * - the `GET /wham/usage` payload (§8.1, sample in §2.8).
 * Windows are primary = 5 h and secondary = 7 d; a free plan has a single 30-day primary window and
 * no secondary, which the proxy must read as "monthly" (§8.1, §15.10).
 */
import type { PlanType } from './plans.ts';

export interface WindowState {
  /** 0-100; may be fractional. */
  usedPercent: number;
  windowMinutes: number;
  /** Epoch seconds. */
  resetAt: number;
}

export interface CreditsState {
  hasCredits: boolean;
  unlimited: boolean;
  /** A decimal string, as the upstream sends it. */
  balance: string;
}

export interface UsageState {
  primary: WindowState | null;
  secondary: WindowState | null;
  credits: CreditsState;
}

/** What `setUsage` accepts: each window field is optional; `null` removes the window. */
export interface UsagePatch {
  primary?: Partial<WindowState> | null;
  secondary?: Partial<WindowState> | null;
  credits?: Partial<CreditsState>;
}

const FIVE_HOURS = 300;
const SEVEN_DAYS = 10_080;
const THIRTY_DAYS = 43_200;

export function defaultUsage(plan: PlanType, nowSec: number): UsageState {
  const fresh = (windowMinutes: number): WindowState => ({ usedPercent: 0, windowMinutes, resetAt: nowSec + windowMinutes * 60 });
  return {
    primary: fresh(plan === 'free' ? THIRTY_DAYS : FIVE_HOURS),
    secondary: plan === 'free' ? null : fresh(SEVEN_DAYS),
    credits: { hasCredits: false, unlimited: false, balance: '0' },
  };
}

export function applyUsagePatch(state: UsageState, patch: UsagePatch, nowSec: number): UsageState {
  const merge = (current: WindowState | null, change: Partial<WindowState> | null | undefined, fallbackMinutes: number): WindowState | null => {
    if (change === undefined) return current;
    if (change === null) return null;
    const windowMinutes = change.windowMinutes ?? current?.windowMinutes ?? fallbackMinutes;
    return {
      usedPercent: change.usedPercent ?? current?.usedPercent ?? 0,
      windowMinutes,
      resetAt: change.resetAt ?? current?.resetAt ?? nowSec + windowMinutes * 60,
    };
  };
  return {
    primary: merge(state.primary, patch.primary, FIVE_HOURS),
    secondary: merge(state.secondary, patch.secondary, SEVEN_DAYS),
    credits: { ...state.credits, ...patch.credits },
  };
}

/** A window whose reset time has passed starts over at 0 %, the way the real quota rolls. */
export function rollWindows(state: UsageState, nowSec: number): UsageState {
  const roll = (w: WindowState | null): WindowState | null => {
    if (w === null || w.resetAt > nowSec) return w;
    const period = w.windowMinutes * 60;
    const elapsedPeriods = Math.floor((nowSec - w.resetAt) / period) + 1;
    return { ...w, usedPercent: 0, resetAt: w.resetAt + elapsedPeriods * period };
  };
  return { ...state, primary: roll(state.primary), secondary: roll(state.secondary) };
}

/** The state as seen by a 429 `usage_limit_reached`: the primary window is full until `resetAt`. */
export function exhaustPrimary(state: UsageState, resetAt: number): UsageState {
  const primary = state.primary ?? { usedPercent: 0, windowMinutes: FIVE_HOURS, resetAt };
  return { ...state, primary: { ...primary, usedPercent: 100, resetAt } };
}

function capitalized(flag: boolean): string {
  // The live backend writes Python-style booleans in these headers ("True"/"False"); a proxy that
  // only accepts lowercase would misread every credits header.
  return flag ? 'True' : 'False';
}

export function rateLimitHeaders(state: UsageState, plan: PlanType, nowSec: number): Record<string, string> {
  const headers: Record<string, string> = { 'x-codex-plan-type': plan };
  for (const [name, w] of [['primary', state.primary], ['secondary', state.secondary]] as const) {
    if (w === null) continue;
    headers[`x-codex-${name}-used-percent`] = String(w.usedPercent);
    headers[`x-codex-${name}-window-minutes`] = String(w.windowMinutes);
    headers[`x-codex-${name}-reset-at`] = String(w.resetAt);
    headers[`x-codex-${name}-reset-after-seconds`] = String(Math.max(0, w.resetAt - nowSec));
  }
  headers['x-codex-credits-has-credits'] = capitalized(state.credits.hasCredits);
  headers['x-codex-credits-unlimited'] = capitalized(state.credits.unlimited);
  headers['x-codex-credits-balance'] = state.credits.balance;
  return headers;
}

export function rateLimitsEvent(state: UsageState, plan: PlanType): { type: 'codex.rate_limits'; [key: string]: unknown } {
  const window = (w: WindowState | null): object | null =>
    w === null ? null : { used_percent: w.usedPercent, window_minutes: w.windowMinutes, reset_at: w.resetAt };
  return {
    type: 'codex.rate_limits',
    plan_type: plan,
    rate_limits: { primary: window(state.primary), secondary: window(state.secondary) },
    credits: { has_credits: state.credits.hasCredits, unlimited: state.credits.unlimited, balance: state.credits.balance },
  };
}

export interface UsageIdentity {
  accountId: string;
  userId: string;
  email: string;
  plan: PlanType;
}

export function usagePayload(identity: UsageIdentity, state: UsageState, nowSec: number): Record<string, unknown> {
  const window = (w: WindowState | null): object | null =>
    w === null
      ? null
      : {
          used_percent: w.usedPercent,
          limit_window_seconds: w.windowMinutes * 60,
          reset_after_seconds: Math.max(0, w.resetAt - nowSec),
          reset_at: w.resetAt,
        };
  const credits = state.credits;
  const hasCredit = credits.unlimited || credits.hasCredits || Number(credits.balance) > 0;
  const full = [state.primary, state.secondary].some((w) => w !== null && w.usedPercent >= 100);
  const limitReached = full && !hasCredit;
  return {
    user_id: identity.userId,
    account_id: identity.accountId,
    email: identity.email,
    plan_type: identity.plan,
    rate_limit: {
      allowed: !limitReached,
      limit_reached: limitReached,
      primary_window: window(state.primary),
      secondary_window: window(state.secondary),
    },
    code_review_rate_limit: null,
    additional_rate_limits: null,
    credits: { has_credits: credits.hasCredits, unlimited: credits.unlimited, balance: credits.balance },
    rate_limit_reached_type: null,
  };
}
