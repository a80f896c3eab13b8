/**
 * The `GET <upstream>/wham/usage` payload (reference/proxy-contract.md §8.1), pure:
 * `{plan_type, workspace_id, workspace_label, seat_type, rate_limit: {primary_window, secondary_window},
 *   credits: {has_credits, unlimited, balance}}`, a window being
 * `{used_percent, reset_at (epoch s), limit_window_seconds, reset_after_seconds}`.
 */
import { booleanOf, epochSeconds, numberOf } from './live-rate-limits.ts';
import { snapshotFromWindows, type Credits, type UsageSnapshot, type UsageWindow } from './usage-snapshot.ts';

export interface WhamUsage {
  readonly snapshot: UsageSnapshot;
  /** Identity labels upstream reports with the usage; synced onto the account. */
  readonly planType: string | null;
  readonly workspaceId: string | null;
  readonly workspaceLabel: string | null;
  readonly seatType: string | null;
}

export function parseWhamUsage(payload: unknown, now: Date): WhamUsage | null {
  if (!isRecord(payload)) return null;
  const rateLimit = isRecord(payload.rate_limit) ? payload.rate_limit : {};
  const window = (value: unknown): UsageWindow | null => {
    if (!isRecord(value)) return null;
    const usedPercent = numberOf(value.used_percent);
    if (usedPercent === null) return null;
    const windowSeconds = numberOf(value.limit_window_seconds);
    const resetAfter = numberOf(value.reset_after_seconds);
    return {
      usedPercent,
      windowMinutes: windowSeconds === null ? null : Math.round(windowSeconds / 60),
      resetAt:
        epochSeconds(numberOf(value.reset_at)) ??
        (resetAfter === null ? null : new Date(now.getTime() + resetAfter * 1000)),
    };
  };
  const credits: Credits | null = isRecord(payload.credits)
    ? {
        hasCredits: booleanOf(payload.credits.has_credits),
        unlimited: booleanOf(payload.credits.unlimited),
        balance: numberOf(payload.credits.balance),
      }
    : null;
  return {
    snapshot: snapshotFromWindows(window(rateLimit.primary_window), window(rateLimit.secondary_window), credits),
    planType: text(payload.plan_type)?.toLowerCase() ?? null,
    workspaceId: text(payload.workspace_id),
    workspaceLabel: text(payload.workspace_label),
    seatType: text(payload.seat_type)?.toLowerCase().replaceAll('-', '_') ?? null,
  };
}

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
