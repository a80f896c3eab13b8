/**
 * What an upstream failure says about the account that produced it (reference/proxy-contract.md
 * §7.6, trap 5). Misclassifying burns healthy accounts (rate limit read as an auth failure) or
 * hammers exhausted ones (quota read as a 5xx), so this is a table, decided by code before status.
 */
import { FAILURE_CODES, UPSTREAM_STALLED, type UpstreamFailure } from '../errors/catalogue.ts';

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

export function classifyFailure(failure: UpstreamFailure): FailureClass {
  const { code, status } = failure;
  if (FAILURE_CODES.rateLimit.has(code)) return 'rate_limit';
  if (FAILURE_CODES.quota.has(code)) return 'quota';
  if (FAILURE_CODES.deactivated.has(code)) return 'deactivated';
  if (status === 401) return 'unauthorized';
  if (FAILURE_CODES.reauth.has(code)) return 'reauth';
  if (FAILURE_CODES.neutral.has(code)) return 'neutral';
  if (status === 429) return 'rate_limit';
  if (FAILURE_CODES.transient.has(code) || /selected model is at capacity/i.test(failure.message)) return 'transient';
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
  return failure.code !== UPSTREAM_STALLED;
}

/**
 * Failures that say the server side is unhealthy, for the circuit breaker (§11.6): 5xx answers,
 * timeouts, transport errors and streams cut short. Rate limits and request errors do not count.
 */
const SERVER_SIDE_CODES = new Set([...FAILURE_CODES.transient, 'stream_idle_timeout', 'upstream_request_timeout']);

export function isServerSideFailure(failure: UpstreamFailure): boolean {
  if (failure.status !== undefined && failure.status >= 500) return true;
  return failure.status === undefined && SERVER_SIDE_CODES.has(failure.code);
}
