/** Pure formatting of the figures the pages show (unit-tested in format.test.ts). */

export function formatNumber(value: number): string {
  if (value >= 1e9) return `${trim(value / 1e9)}B`;
  if (value >= 1e6) return `${trim(value / 1e6)}M`;
  if (value >= 1e4) return `${trim(value / 1e3)}k`;
  return String(Math.round(value));
}

function trim(value: number): string {
  return value.toFixed(1).replace(/\.0$/, '');
}

export function formatCost(usd: number | null): string {
  if (usd === null) return '—';
  return usd < 0.01 && usd > 0 ? '<$0.01' : `$${usd.toFixed(2)}`;
}

export function formatPercent(fraction: number | null): string {
  return fraction === null ? '—' : `${(fraction * 100).toFixed(fraction < 0.1 && fraction > 0 ? 1 : 0)}%`;
}

/** "resets in 2h 05m" style countdown to `at` (ISO), from `now` (epoch ms); "reset" once passed. */
export function formatCountdown(at: string | null, now: number): string {
  if (at === null) return 'no reset time';
  const seconds = Math.round((Date.parse(at) - now) / 1000);
  if (seconds <= 0) return 'reset';
  const days = Math.floor(seconds / 86_400);
  const hours = Math.floor((seconds % 86_400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  if (days > 0) return `${days}d ${hours}h`;
  if (hours > 0) return `${hours}h ${String(minutes).padStart(2, '0')}m`;
  return minutes > 0 ? `${minutes}m` : `${seconds}s`;
}

/** "3 min ago" style age of `at` (ISO) at `now`. */
export function formatAge(at: string | null, now: number): string {
  if (at === null) return 'never';
  const seconds = Math.max(0, Math.round((now - Date.parse(at)) / 1000));
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** The label of a usage window by its length: 5h, weekly, or its minutes. */
export function windowLabel(minutes: number | null, fallback: string): string {
  if (minutes === null) return fallback;
  if (minutes === 300) return '5h';
  if (minutes === 10_080) return 'Weekly';
  return minutes % 1440 === 0 ? `${minutes / 1440}d` : minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`;
}

export const STATUS_LABELS: Record<string, string> = {
  active: 'Active',
  rate_limited: 'Rate limited',
  quota_exceeded: 'Quota exceeded',
  paused: 'Paused',
  reauth_required: 'Re-login required',
  deactivated: 'Deactivated',
};
