/**
 * Usage observed on live traffic (reference/proxy-contract.md §2.5, §7.7), pure: the `x-codex-*` headers of
 * every upstream response (errors included) and in-stream `codex.rate_limits` events. Both parse into the same
 * UsageSnapshot the `/wham/usage` poller produces; null means "nothing to record".
 */
import { isEmptySnapshot, snapshotFromWindows, type Credits, type UsageSnapshot, type UsageWindow } from './usage-snapshot.ts';

/** Fetch `Headers`, or Node/undici-style plain header objects (lower-case names). */
export type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

export function parseRateLimitHeaders(headers: HeaderSource): UsageSnapshot | null {
  const get = (name: string): string | undefined => {
    if (headers instanceof Headers) return headers.get(name) ?? undefined;
    const value = headers[name];
    return Array.isArray(value) ? (value as readonly string[])[0] : (value as string | undefined);
  };
  const window = (prefix: string): UsageWindow | null => {
    const usedPercent = numberOf(get(`x-codex-${prefix}-used-percent`));
    if (usedPercent === null) return null;
    return {
      usedPercent,
      windowMinutes: numberOf(get(`x-codex-${prefix}-window-minutes`)),
      resetAt: epochSeconds(numberOf(get(`x-codex-${prefix}-reset-at`))),
    };
  };
  const credits = creditsOf(
    booleanOf(get('x-codex-credits-has-credits')),
    booleanOf(get('x-codex-credits-unlimited')),
    numberOf(get('x-codex-credits-balance')),
  );
  const snapshot = snapshotFromWindows(window('primary'), window('secondary'), credits);
  return isEmptySnapshot(snapshot) ? null : snapshot;
}

/**
 * `{"type":"codex.rate_limits","rate_limits":{"primary":{…},"secondary":{…}},"credits":{…}}`. Events about another
 * metered limit (`limit_id` / `metered_limit_name` / `limit_name` other than "codex") are not the account's
 * Codex windows and are ignored.
 */
export function parseRateLimitsEvent(event: unknown): UsageSnapshot | null {
  if (!isRecord(event) || event.type !== 'codex.rate_limits') return null;
  const limits = isRecord(event.rate_limits) ? event.rate_limits : {};
  for (const source of [event, limits]) {
    const name = source.limit_id ?? source.metered_limit_name ?? source.limit_name;
    if (name !== undefined && name !== null && name !== 'codex') return null;
  }
  const window = (value: unknown): UsageWindow | null => {
    if (!isRecord(value)) return null;
    const usedPercent = numberOf(value.used_percent);
    if (usedPercent === null) return null;
    return {
      usedPercent,
      windowMinutes: numberOf(value.window_minutes),
      resetAt: epochSeconds(numberOf(value.reset_at ?? value.resets_at)),
    };
  };
  const rawCredits = isRecord(event.credits) ? event.credits : isRecord(limits.credits) ? limits.credits : null;
  const credits =
    rawCredits === null
      ? null
      : creditsOf(booleanOf(rawCredits.has_credits), booleanOf(rawCredits.unlimited), numberOf(rawCredits.balance));
  const snapshot = snapshotFromWindows(window(limits.primary), window(limits.secondary), credits);
  return isEmptySnapshot(snapshot) ? null : snapshot;
}

function creditsOf(hasCredits: boolean | null, unlimited: boolean | null, balance: number | null): Credits | null {
  return hasCredits === null && unlimited === null && balance === null ? null : { hasCredits, unlimited, balance };
}

export function numberOf(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value !== 'string' || value.trim() === '') return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}

export function booleanOf(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'True' || value === '1') return true;
  if (value === 'false' || value === 'False' || value === '0') return false;
  return null;
}

export function epochSeconds(value: number | null): Date | null {
  return value === null || value <= 0 ? null : new Date(value * 1000);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
