/**
 * Which accounts may take a request right now (reference/proxy-contract.md §7.2), and why the others
 * may not — the reasons decide between 429 `usage_limit_reached` and 503 when nothing is left.
 */
import { IDLE_RUNTIME, UNLIMITED, type AccountLimits, type AccountView, type RuntimeView, type UsageWindow } from './account-state.ts';

/** Consecutive errors after which an account sits out a backoff (§7.2 step 5). */
export const ERROR_BACKOFF_THRESHOLD = 3;
/** Routing pressure per in-flight stream on this replica, in used-percent points (§7.1). */
export const INFLIGHT_PENALTY_PCT = 2.5;

export interface Candidate {
  account: AccountView;
  runtime: RuntimeView;
  /** Effective used-percent: expired windows read as 0, plus in-flight pressure, capped at 100. */
  primaryUsed: number;
  secondaryUsed: number;
  /** Whether any usage sample exists for the secondary window (capacity falls back to primary). */
  hasSecondary: boolean;
  secondaryResetAt: number | null;
}

export type BlockReason = 'paused' | 'reauth_required' | 'deactivated' | 'usage_exhausted' | 'excluded' | 'circuit_open';

/** Which per-account limit a saturated account is at (the 429 code a request gets if none frees up). */
export type CapCode = 'account_stream_cap' | 'account_response_create_cap';

export interface Blocked {
  id: string;
  reason: BlockReason;
  /** For usage_exhausted: when the block ends (epoch seconds), if known. */
  resetAt?: number;
  /** For usage_exhausted: the block is a quota (`quota_exceeded`), not a rate limit. */
  quota?: boolean;
}

export interface Eligibility {
  candidates: Candidate[];
  /** Accounts sitting out an error backoff, with the moment it ends. */
  backingOff: Array<{ candidate: Candidate; endsAt: number }>;
  /** Accounts at one of this replica's concurrency limits: usable again as soon as a slot frees. */
  saturated: Array<{ candidate: Candidate; code: CapCode }>;
  blocked: Blocked[];
}

export interface EligibilityOptions {
  /** Accounts already tried for this request. */
  exclude?: ReadonlySet<string>;
  limits?: AccountLimits;
  /** The account the request is bound to: it may use the stream slots new sessions leave free. */
  pinned?: string;
  /** Accounts whose circuit breaker refuses traffic right now. */
  circuitOpen?: ReadonlySet<string>;
  /** Sit accounts with an error streak out (§7.2 step 5); off when the circuit breaker does that job. */
  errorBackoff?: boolean;
}

/** The limit that keeps `runtime` off the account, if any (0 = unlimited). */
export function capReached(runtime: RuntimeView, limits: AccountLimits, pinned: boolean): CapCode | undefined {
  if (limits.stream > 0) {
    const streamCap = pinned ? limits.stream : Math.max(1, limits.stream - limits.streamReserve);
    if (runtime.streams >= streamCap) return 'account_stream_cap';
  }
  if (limits.create > 0 && runtime.creates >= limits.create) return 'account_response_create_cap';
  return undefined;
}

export function errorBackoffSeconds(errorCount: number): number {
  return Math.min(300, 30 * 2 ** (errorCount - ERROR_BACKOFF_THRESHOLD));
}

/** A window whose reset has passed is an old sample: its usage no longer applies (trap 10). */
function liveUsed(window: UsageWindow | null, now: number): number {
  if (!window) return 0;
  if (window.resetAt !== null && window.resetAt <= now) return 0;
  return window.usedPercent;
}

function blockedUntil(account: AccountView): number | undefined {
  if (account.resetAt !== null) return account.resetAt;
  const exhausted = [account.primary, account.secondary].filter((w) => w && w.usedPercent >= 100 && w.resetAt !== null);
  const resets = exhausted.map((w) => w?.resetAt ?? Infinity);
  return resets.length > 0 ? Math.min(...resets) : undefined;
}

export function assessEligibility(
  accounts: readonly AccountView[],
  runtime: ReadonlyMap<string, RuntimeView>,
  now: number,
  options: EligibilityOptions = {},
): Eligibility {
  const exclude = options.exclude ?? new Set<string>();
  const limits = options.limits ?? UNLIMITED;
  const result: Eligibility = { candidates: [], backingOff: [], saturated: [], blocked: [] };
  for (const account of accounts) {
    const rt = runtime.get(account.id) ?? IDLE_RUNTIME;
    if (account.status === 'paused' || account.status === 'reauth_required' || account.status === 'deactivated') {
      result.blocked.push({ id: account.id, reason: account.status });
      continue;
    }
    let primary = liveUsed(account.primary, now);
    let secondary = liveUsed(account.secondary, now);
    if (account.status === 'rate_limited' || account.status === 'quota_exceeded') {
      // A block ends at its reset, at selection time — not only when the usage poller notices (trap 6).
      if (account.resetAt === null || now < account.resetAt) {
        const resetAt = blockedUntil(account);
        const quota = account.status === 'quota_exceeded';
        result.blocked.push(resetAt === undefined ? { id: account.id, reason: 'usage_exhausted', quota } : { id: account.id, reason: 'usage_exhausted', resetAt, quota });
        continue;
      }
      primary = 0;
      if (account.status === 'quota_exceeded') secondary = 0;
    }
    if (exclude.has(account.id)) {
      result.blocked.push({ id: account.id, reason: 'excluded' });
      continue;
    }
    if (options.circuitOpen?.has(account.id)) {
      result.blocked.push({ id: account.id, reason: 'circuit_open' });
      continue;
    }
    const pressure = rt.inflight * INFLIGHT_PENALTY_PCT;
    const candidate: Candidate = {
      account,
      runtime: rt,
      primaryUsed: Math.min(100, primary + pressure),
      secondaryUsed: Math.min(100, secondary + pressure),
      hasSecondary: account.secondary !== null,
      secondaryResetAt: account.secondary?.resetAt ?? null,
    };
    if ((options.errorBackoff ?? true) && rt.errorCount >= ERROR_BACKOFF_THRESHOLD) {
      const endsAt = rt.lastErrorAt + errorBackoffSeconds(rt.errorCount);
      if (now < endsAt) {
        result.backingOff.push({ candidate, endsAt });
        continue;
      }
    }
    const cap = capReached(rt, limits, options.pinned === account.id);
    if (cap) {
      result.saturated.push({ candidate, code: cap });
      continue;
    }
    result.candidates.push(candidate);
  }
  return result;
}
