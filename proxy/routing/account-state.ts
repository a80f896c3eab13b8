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
  /** Routing pressure: response creates plus streams in flight on this replica (§7.1). */
  inflight: number;
  /** Upstream streams open on this replica (held for the whole stream). */
  streams: number;
  /** Responses not yet accepted by the upstream (held from dispatch to the first real event). */
  creates: number;
}

export const IDLE_RUNTIME: RuntimeView = Object.freeze({
  errorCount: 0,
  lastErrorAt: 0,
  lastSelectedAt: 0,
  inflight: 0,
  streams: 0,
  creates: 0,
});

/**
 * This replica's per-account concurrency limits (§7.5), already partitioned across the ring; 0 = unlimited.
 * A new session leaves `streamReserve` slots for conversations already bound to the account.
 */
export interface AccountLimits {
  stream: number;
  create: number;
  streamReserve: number;
}

export const UNLIMITED: AccountLimits = Object.freeze({ stream: 0, create: 0, streamReserve: 0 });
