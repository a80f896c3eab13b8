/**
 * Account selection over a snapshot (reference/proxy-contract.md §7.2–7.4, §7.6 selection errors).
 * Pure: the caller supplies accounts, runtime state, clock and randomness, and gets back either an
 * account or the reason there is none — which the HTTP layer turns into 429 or 503.
 */
import type { AccountLimits, AccountView, RoutingStrategy, RuntimeView } from './account-state.ts';
import { assessEligibility, type Candidate, type CapCode, type Eligibility } from './eligibility.ts';
import { chooseCandidate, shouldReallocate, type StrategyContext } from './strategies.ts';

export type NoAccountReason =
  /** Every eligible account is blocked by usage: the client should back off until `resetsAt`; `quota` when every block is a quota. */
  | { kind: 'usage_exhausted'; resetsAt: number | undefined; quota: boolean }
  /** Servable accounts exist but are all at this replica's concurrency limits: wait for a slot. */
  | { kind: 'saturated'; code: CapCode }
  /** Nothing routable for another reason (paused, re-auth, deactivated, error backoff, empty pool). */
  | { kind: 'unavailable'; message: string };

export type StickyKind = 'hard' | 'soft';

export interface Pin {
  accountId: string;
  kind: StickyKind;
}

export type Selection =
  | {
      ok: true;
      accountId: string;
      /** How the pin was used: followed, ignored for now (soft fallback), or replaced. */
      pin: 'none' | 'followed' | 'fallback' | 'rebound';
    }
  | { ok: false; reason: NoAccountReason };

export interface SelectionRequest extends StrategyContext {
  accounts: readonly AccountView[];
  runtime: ReadonlyMap<string, RuntimeView>;
  strategy: RoutingStrategy;
  /** Accounts already tried for this request. */
  exclude?: ReadonlySet<string>;
  pin?: Pin;
  /** This replica's per-account concurrency limits; unlimited when absent. */
  limits?: AccountLimits;
  /** Accounts whose circuit breaker refuses traffic right now. */
  circuitOpen?: ReadonlySet<string>;
  /** False when the circuit breaker replaces the error backoff. */
  errorBackoff?: boolean;
}

function unavailableMessage(eligibility: Eligibility, total: number): string {
  if (total === 0) return 'No available accounts';
  const reasons = new Set(eligibility.blocked.map((b) => b.reason));
  if (reasons.size === 1 && eligibility.blocked.length === total) {
    if (reasons.has('paused')) return 'All accounts are paused';
    if (reasons.has('reauth_required')) return 'All accounts require re-authentication';
    if (reasons.has('deactivated')) return 'All accounts are deactivated';
    if (reasons.has('circuit_open')) return 'All accounts are failing upstream; the circuit breaker is waiting to probe them again';
  }
  return 'No available accounts';
}

/**
 * Why nothing is selectable. 429 `usage_limit_reached` requires that *every* account which could
 * serve (not paused, not needing re-auth, not deactivated) is blocked by usage (trap 10); the reset
 * reported is the earliest one among them.
 */
export function explainNoAccount(eligibility: Eligibility, total: number): NoAccountReason {
  const saturated = eligibility.saturated;
  if (saturated.length > 0) {
    return { kind: 'saturated', code: saturated.some((s) => s.code === 'account_stream_cap') ? 'account_stream_cap' : 'account_response_create_cap' };
  }
  const servable = eligibility.blocked.filter((b) => b.reason !== 'paused' && b.reason !== 'reauth_required' && b.reason !== 'deactivated');
  const exhausted = servable.filter((b) => b.reason === 'usage_exhausted');
  if (exhausted.length > 0 && exhausted.length === servable.length && eligibility.backingOff.length === 0) {
    const resets = exhausted.map((b) => b.resetAt).filter((r): r is number => r !== undefined);
    return { kind: 'usage_exhausted', resetsAt: resets.length > 0 ? Math.min(...resets) : undefined, quota: exhausted.every((b) => b.quota === true) };
  }
  return { kind: 'unavailable', message: unavailableMessage(eligibility, total) };
}

/**
 * With nothing else left, an account in error backoff is better than no answer — but only when the
 * pool has more than one account in trouble; a lone failing account is left to recover (§7.2 step 7).
 */
function admitFromBackoff(eligibility: Eligibility): Candidate | undefined {
  const { backingOff, blocked } = eligibility;
  const hardBlocked = blocked.some((b) => b.reason !== 'excluded');
  if (backingOff.length >= 2 || (backingOff.length === 1 && hardBlocked)) {
    return backingOff.reduce((a, b) => (b.endsAt < a.endsAt ? b : a)).candidate;
  }
  return undefined;
}

export function selectAccount(request: SelectionRequest): Selection {
  const pin = request.pin;
  const eligibility = assessEligibility(request.accounts, request.runtime, request.now, {
    exclude: request.exclude,
    limits: request.limits,
    pinned: pin?.accountId,
    circuitOpen: request.circuitOpen,
    errorBackoff: request.errorBackoff,
  });
  const { candidates } = eligibility;
  const pinned = pin ? candidates.find((c) => c.account.id === pin.accountId) : undefined;

  if (pin && pinned) {
    if (pin.kind === 'hard' || !shouldReallocate(pinned, candidates)) {
      return { ok: true, accountId: pinned.account.id, pin: 'followed' };
    }
  }
  const chosen = chooseCandidate(candidates, request.strategy, request) ?? admitFromBackoff(eligibility);
  if (!chosen) return { ok: false, reason: explainNoAccount(eligibility, request.accounts.length) };
  if (!pin) return { ok: true, accountId: chosen.account.id, pin: 'none' };
  // A soft pin whose account is only temporarily unavailable keeps its mapping so the warm prompt
  // cache is used again later; a pin to an account that is gone for good, or over budget, moves. A
  // pinned account that is merely at its concurrency cap lends this one request to another account
  // (upstream's "self-contained requests may spill") and keeps the binding.
  const pinAccount = request.accounts.find((a) => a.id === pin.accountId);
  const gone = !pinAccount || pinAccount.status === 'paused' || pinAccount.status === 'reauth_required' || pinAccount.status === 'deactivated';
  const busy = eligibility.saturated.some((s) => s.candidate.account.id === pin.accountId);
  const rebind = gone || pinned !== undefined || (pin.kind === 'hard' && !busy);
  return { ok: true, accountId: chosen.account.id, pin: rebind ? 'rebound' : 'fallback' };
}
