/**
 * What routing knows about an account: the persisted view (status, usage windows, plan — from the
 * data layer) and the per-replica runtime view (error streaks, selection times, streams in flight — in memory). Selection is
 * a pure function of these two snapshots and the clock.
 */

export type AccountStatus = 'active' | 'rate_limited' | 'quota_exceeded' | 'paused' | 'reauth_required' | 'deactivated';
export type RoutingPolicy = 'normal' | 'burn_first' | 'preserve';
export type RoutingStrategy =
  | 'capacity_weighted'
  | 'usage_weighted'
  | 'round_robin'
  | 'relative_availability'
  | 'fill_first'
  | 'sequential_drain'
  | 'reset_drain'
  | 'single_account';

export interface UsageWindow {
  /** 0–100. */
  usedPercent: number;
  /** Epoch seconds; null when unknown. */
  resetAt: number | null;
}

export interface Credits {
  hasCredits: boolean;
  unlimited: boolean;
  balance: number;
}

export interface AccountView {
  id: string;
  status: AccountStatus;
  /** Persisted block deadline (epoch seconds) for rate_limited / quota_exceeded. */
  resetAt: number | null;
  planType: string;
  routingPolicy: RoutingPolicy;
  /** 5-hour window. */
  primary: UsageWindow | null;
  /** 7-day window (30-day plans are normalized into this slot by the data layer). */
  secondary: UsageWindow | null;
  credits: Credits | null;
}

export interface RuntimeView {
  errorCount: number;
  lastErrorAt: number;
  lastSelectedAt: number;
  /** Streams and response creates in flight on this replica. */
  inflight: number;
}

export const IDLE_RUNTIME: RuntimeView = Object.freeze({
  errorCount: 0,
  lastErrorAt: 0,
  lastSelectedAt: 0,
  inflight: 0,
});
