import { formatCountdown, windowLabel } from '../format.ts';
import type { UsageWindow } from '../types.ts';

/** One usage window as a labelled progress bar with its reset countdown. */
export function UsageBar({ window, fallback, now, owner }: { window: UsageWindow | null; fallback: string; now: number; owner: string }) {
  const label = windowLabel(window?.windowMinutes ?? null, fallback);
  if (window === null) {
    return (
      <div className="usage">
        <span className="usage-label">{label}</span>
        <span className="muted">no data yet</span>
      </div>
    );
  }
  const used = Math.min(100, Math.max(0, Math.round(window.usedPercent)));
  const level = used >= 90 ? 'high' : used >= 70 ? 'mid' : 'low';
  return (
    <div className="usage">
      <span className="usage-label">{label}</span>
      <div className="bar" role="progressbar" aria-label={`${label} usage of ${owner}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={used}>
        <div className={`bar-fill ${level}`} style={{ width: `${used}%` }} />
      </div>
      <span className="usage-figure">{used}%</span>
      <span className="muted">resets {formatCountdown(window.resetAt, now)}</span>
    </div>
  );
}
