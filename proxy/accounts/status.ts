/**
 * Account statuses and how events move an account between them (reference/proxy-contract.md §4.2, §5.3, §7.1).
 * Pure: callers pass the current state and the clock; the repository persists the result.
 *
 * - active: routable.
 * - rate_limited / quota_exceeded: blocked until `resetAt`, then routable again (checked at selection time, so
 *   an account recovers even when no usage poll runs).
 * - paused: an admin decision; only an admin resumes it.
 * - reauth_required: the refresh-token family is dead; only a re-import fixes it.
 * - deactivated: upstream deactivated/suspended/deleted the account.
 */
import type { AccountStatus } from '../store/entities/account.ts';
import { hasSpareCredits, longWindow, type UsageSnapshot } from '../usage/usage-snapshot.ts';

export type { AccountStatus };

export interface StatusState {
  readonly status: AccountStatus;
  readonly statusReason: string | null;
  readonly resetAt: Date | null;
  readonly blockedAt: Date | null;
  readonly lastErrorCode: string | null;
  readonly lastErrorAt: Date | null;
}

export type AccountEvent =
  /** Upstream 429 usage/rate limit; `resetAt` from proxy/routing/reset-time.ts, null when upstream gave none. */
  | { readonly type: 'rate_limited'; readonly resetAt: Date | null }
  /** Upstream insufficient_quota / usage_not_included / quota_exceeded. */
  | { readonly type: 'quota_exceeded'; readonly resetAt: Date | null }
  /** A refresh or upstream auth failure with an error code; permanent codes change the status. */
  | { readonly type: 'auth_failed'; readonly code: string }
  /** Upstream says the account is unusable with a reason of its own (e.g. `/wham/usage` HTTP 402/404). */
  | { readonly type: 'permanent_failure'; readonly failure: PermanentFailure }
  /** 5xx, transport errors and the like: recorded, no status change (routing backs off in memory). */
  | { readonly type: 'transient_error'; readonly code: string }
  | { readonly type: 'paused' }
  | { readonly type: 'resumed' }
  /** New tokens for the same identity (import or OAuth). */
  | { readonly type: 'reimported' }
  /** A fresh usage observation: may block on exhausted windows or lift a block they no longer show. */
  | { readonly type: 'usage_observed'; readonly usage: UsageSnapshot };

/** Persisted floor for a block: other replicas must not re-enable the account within seconds (§15.6). */
export const MIN_BLOCK_MS = 30_000;
/** Quota block length when upstream gives no reset time (§4.2). */
export const DEFAULT_QUOTA_BLOCK_MS = 3_600_000;

const HARD_STOPS: ReadonlySet<AccountStatus> = new Set(['paused', 'reauth_required', 'deactivated']);

/** Refresh/auth error codes that end an account's usability until re-import (§5.3), with the reason shown. */
const REAUTH_REASONS: ReadonlyMap<string, string> = new Map([
  ['refresh_token_expired', 'Refresh token expired - re-login required'],
  ['refresh_token_reused', 'Refresh token was already used - re-login required'],
  ['refresh_token_invalidated', 'Refresh token was revoked - re-login required'],
  ['invalid_grant', 'Refresh token grant invalid - re-login required'],
  ['token_invalidated', 'Token invalidated - re-login required'],
  ['token_expired', 'Token expired - re-login required'],
  ['app_session_terminated', 'App session terminated - re-login required'],
  ['account_session_expired', 'Account session expired - re-login required'],
  ['account_auth_invalidated', 'Account authentication invalidated - re-login required'],
]);

const DEACTIVATION_REASONS: ReadonlyMap<string, string> = new Map([
  ['account_deactivated', 'Account deactivated upstream'],
  ['account_suspended', 'Account suspended upstream'],
  ['account_deleted', 'Account deleted upstream'],
]);

export interface PermanentFailure {
  readonly status: 'reauth_required' | 'deactivated';
  readonly reason: string;
}

/** The status a permanent error code leads to, or null for transient codes. */
export function permanentFailureFor(code: string): PermanentFailure | null {
  const reauth = REAUTH_REASONS.get(code);
  if (reauth !== undefined) return { status: 'reauth_required', reason: reauth };
  const deactivated = DEACTIVATION_REASONS.get(code);
  if (deactivated !== undefined) return { status: 'deactivated', reason: deactivated };
  return null;
}

/** Whether requests may be sent to the account now. */
export function isRoutable(state: Pick<StatusState, 'status' | 'resetAt'>, now: Date): boolean {
  if (state.status === 'active') return true;
  if (state.status === 'rate_limited' || state.status === 'quota_exceeded') {
    return state.resetAt !== null && state.resetAt.getTime() <= now.getTime();
  }
  return false;
}

/** The status to show: a block whose reset time has passed reads as active (the row flips on its next write). */
export function effectiveStatus(state: Pick<StatusState, 'status' | 'resetAt'>, now: Date): AccountStatus {
  const blocked = state.status === 'rate_limited' || state.status === 'quota_exceeded';
  return blocked && isRoutable(state, now) ? 'active' : state.status;
}

export function applyEvent(state: StatusState, event: AccountEvent, now: Date): StatusState {
  switch (event.type) {
    case 'rate_limited':
    case 'quota_exceeded': {
      if (HARD_STOPS.has(state.status)) return state;
      const fallback = event.type === 'rate_limited' ? MIN_BLOCK_MS : DEFAULT_QUOTA_BLOCK_MS;
      const resetAt = Math.max(event.resetAt?.getTime() ?? now.getTime() + fallback, now.getTime() + MIN_BLOCK_MS);
      // A repeated observation of the same block keeps its start, so the floor counts from the first one.
      const blockedAt = state.status === event.type ? (state.blockedAt ?? now) : now;
      return { ...state, status: event.type, statusReason: null, resetAt: new Date(resetAt), blockedAt };
    }
    case 'auth_failed': {
      const failure = permanentFailureFor(event.code);
      const recorded = { ...state, lastErrorCode: event.code, lastErrorAt: now };
      return failure === null ? recorded : fail(recorded, failure);
    }
    case 'permanent_failure':
      return fail(state, event.failure);
    case 'transient_error':
      return { ...state, lastErrorCode: event.code, lastErrorAt: now };
    case 'paused':
      return state.status === 'paused' ? state : { ...state, status: 'paused', statusReason: 'Paused by an administrator' };
    case 'resumed':
      return state.status === 'paused' ? cleared(state) : state;
    case 'reimported':
      // New credentials cure auth and block states, not an administrator's pause.
      return state.status === 'paused' ? state : cleared(state);
    case 'usage_observed':
      return applyUsage(state, event.usage, now);
  }
}

/** Deactivation is final: a later auth failure must not turn it into a re-login prompt. */
function fail(state: StatusState, failure: PermanentFailure): StatusState {
  if (state.status === 'deactivated') return state;
  return { ...state, status: failure.status, statusReason: failure.reason, resetAt: null, blockedAt: null };
}

function cleared(state: StatusState): StatusState {
  return { ...state, status: 'active', statusReason: null, resetAt: null, blockedAt: null };
}

/**
 * Blocks on exhausted windows (weekly/monthly → quota_exceeded unless spare credits; 5 h → rate_limited) and
 * lifts rate_limited/quota_exceeded when the observation shows room again (§7.1, §8.1). An observation
 * never shortens a block below its persisted floor: `blockedAt + MIN_BLOCK_MS`.
 */
function applyUsage(state: StatusState, usage: UsageSnapshot, now: Date): StatusState {
  if (HARD_STOPS.has(state.status)) return state;
  const long = longWindow(usage);
  if (long !== null && long.usedPercent >= 100 && !hasSpareCredits(usage.credits)) {
    return applyEvent(state, { type: 'quota_exceeded', resetAt: long.resetAt }, now);
  }
  const short = usage.primary;
  if (short !== null && short.usedPercent >= 100) {
    const resetAt = short.resetAt ?? new Date(now.getTime() + (short.windowMinutes ?? 300) * 60_000);
    return applyEvent(state, { type: 'rate_limited', resetAt }, now);
  }
  const blocked = state.status === 'rate_limited' || state.status === 'quota_exceeded';
  const floorPassed = state.blockedAt === null || now.getTime() >= state.blockedAt.getTime() + MIN_BLOCK_MS;
  return blocked && floorPassed ? cleared(state) : state;
}
