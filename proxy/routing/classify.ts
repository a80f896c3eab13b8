/**
 * What an upstream failure says about the account that produced it (reference/proxy-contract.md
 * §7.6, trap 5). Misclassifying burns healthy accounts (rate limit read as an auth failure) or
 * hammers exhausted ones (quota read as a 5xx), so this is a table, decided by code before status.
 */
import type { UpstreamFailure } from '../upstream/upstream-error.ts';

export type FailureClass =
  /** Short-window limit: account → rate_limited until the reset. */
  | 'rate_limit'
  /** Long-window / plan quota: account → quota_exceeded. */
  | 'quota'
  /** Credentials gone for good: account → reauth_required. */
  | 'reauth'
  /** Account closed: account → deactivated. */
  | 'deactivated'
  /** HTTP 401: the access token may be stale; force one refresh and retry once. */
  | 'unauthorized'
  /** Server trouble: error count and backoff; another account may do better. */
  | 'transient'
  /** Not the account's fault (timeouts on our side, bad request): no penalty, no failover. */
  | 'neutral'
  /** Anything else: surfaced to the client as is. */
  | 'fatal';

// Source: codex-lb app/modules/proxy/helpers.py classify_upstream_failure, app/core/balancer/logic.py.
const RATE_LIMIT_CODES = new Set(['rate_limit_exceeded', 'usage_limit_reached']);
const QUOTA_CODES = new Set(['insufficient_quota', 'usage_not_included', 'quota_exceeded']);
const REAUTH_CODES = new Set([
  'refresh_token_expired',
  'refresh_token_reused',
  'refresh_token_invalidated',
  'invalid_grant',
  'token_invalidated',
  'app_session_terminated',
  'account_session_expired',
  'account_auth_invalidated',
]);
const DEACTIVATED_CODES = new Set(['account_deactivated', 'account_suspended', 'account_deleted']);
const TRANSIENT_CODES = new Set([
  'server_error',
  'upstream_error',
  'stream_incomplete',
  'overloaded_error',
  'server_is_overloaded',
  'upstream_unavailable',
  'upstream_stalled',
]);
const NEUTRAL_CODES = new Set([
  'stream_idle_timeout',
  'upstream_request_timeout',
  'proxy_unavailable',
  'proxy_overloaded',
  'previous_response_not_found',
]);

export function classifyFailure(failure: UpstreamFailure): FailureClass {
  const { code, status } = failure;
  if (RATE_LIMIT_CODES.has(code)) return 'rate_limit';
  if (QUOTA_CODES.has(code)) return 'quota';
  if (DEACTIVATED_CODES.has(code)) return 'deactivated';
  if (status === 401) return 'unauthorized';
  if (REAUTH_CODES.has(code)) return 'reauth';
  if (NEUTRAL_CODES.has(code)) return 'neutral';
  if (status === 429) return 'rate_limit';
  if (TRANSIENT_CODES.has(code) || /selected model is at capacity/i.test(failure.message)) return 'transient';
  if (status !== undefined && status >= 500) return 'transient';
  if (status !== undefined && status >= 400) return 'neutral';
  return 'fatal';
}

/** Only these justify trying another account before the first downstream byte (§7.6 failover policy). */
export function allowsFailover(kind: FailureClass): boolean {
  return kind === 'rate_limit' || kind === 'quota' || kind === 'transient' || kind === 'reauth' || kind === 'deactivated';
}

/**
 * Whether a transient failure is worth another try on the same account (§7.6 same-account retries).
 * A stall already cost a whole first-event deadline: the next try goes to another account.
 */
export function retriesOnSameAccount(failure: UpstreamFailure): boolean {
  return failure.code !== 'upstream_stalled';
}

/**
 * Failures that say the server side is unhealthy, for the circuit breaker (§11.6): 5xx answers,
 * timeouts, transport errors and streams cut short. Rate limits and request errors do not count.
 */
const SERVER_SIDE_CODES = new Set([...TRANSIENT_CODES, 'stream_idle_timeout', 'upstream_request_timeout']);

export function isServerSideFailure(failure: UpstreamFailure): boolean {
  if (failure.status !== undefined && failure.status >= 500) return true;
  return failure.status === undefined && SERVER_SIDE_CODES.has(failure.code);
}
