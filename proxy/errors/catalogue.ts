/**
 * The proxy's error catalogue, the one place its error codes and messages live: every error a client can
 * receive on a proxy route is a ProxyError with a stable `code`, an HTTP `status` and an OpenAI `type`, built
 * here; the upstream's failure codes, grouped by what they say about an account (routing/classify.ts decides
 * with these groups); and the status an upstream failure surfaced to a client gets (`toProxyError`). One
 * function turns a ProxyError into the OpenAI envelope (reference/proxy-contract.md §13), whose key order
 * clients and tests rely on: `{"error":{"message","type","code"[,"param"][,"plan_type"][,"resets_at"][,"resets_in_seconds"]}}`.
 *
 * Mid-stream failures are never HTTP errors; the stream writers turn the same ProxyError into a
 * `response.failed` event (Responses) or a `data: {"error":…}` frame (chat). Every layer may import this
 * module; it imports none of them.
 */

export interface UsageLimitDetails {
  planType?: string;
  /** Epoch seconds. */
  resetsAt?: number;
  resetsInSeconds?: number;
}

export interface ProxyErrorInit extends UsageLimitDetails {
  status: number;
  code: string;
  type: string;
  message: string;
  param?: string;
  /** Seconds for a `Retry-After` header. */
  retryAfterSeconds?: number;
}

export class ProxyError extends Error {
  override readonly name = 'ProxyError';
  readonly status: number;
  readonly code: string;
  readonly type: string;
  readonly param: string | undefined;
  readonly planType: string | undefined;
  readonly resetsAt: number | undefined;
  readonly resetsInSeconds: number | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(init: ProxyErrorInit) {
    super(init.message);
    this.status = init.status;
    this.code = init.code;
    this.type = init.type;
    this.param = init.param;
    this.planType = init.planType;
    this.resetsAt = init.resetsAt;
    this.resetsInSeconds = init.resetsInSeconds;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

export interface OpenAIErrorObject {
  message: string;
  type: string;
  code: string;
  param?: string;
  plan_type?: string;
  resets_at?: number;
  resets_in_seconds?: number;
}

export function toOpenAIError(err: ProxyError): OpenAIErrorObject {
  const body: OpenAIErrorObject = { message: err.message, type: err.type, code: err.code };
  if (err.param !== undefined) body.param = err.param;
  if (err.planType !== undefined) body.plan_type = err.planType;
  if (err.resetsAt !== undefined) body.resets_at = err.resetsAt;
  if (err.resetsInSeconds !== undefined) body.resets_in_seconds = err.resetsInSeconds;
  return body;
}

export function toOpenAIBody(err: ProxyError): { error: OpenAIErrorObject } {
  return { error: toOpenAIError(err) };
}

// --- catalogue ---------------------------------------------------------------------------------

export function invalidRequest(message: string, param?: string, code = 'invalid_request_error'): ProxyError {
  return new ProxyError({ status: 400, code, type: 'invalid_request_error', message, param });
}

export function payloadTooLarge(message = 'Request body is too large'): ProxyError {
  return new ProxyError({ status: 413, code: 'payload_too_large', type: 'invalid_request_error', message });
}

/** Retry-After on local overload and unavailability answers, as upstream (`LOCAL_OVERLOAD_RETRY_AFTER_SECONDS`). */
export const LOCAL_RETRY_AFTER_SECONDS = 5;

export function unsupportedMediaType(message: string, code = 'unsupported_media_type'): ProxyError {
  return new ProxyError({ status: 415, code, type: 'invalid_request_error', message });
}

/** A browser page from another site (cross-site WebSocket hijacking, CSRF): refused whatever else it carries. */
export function originNotAllowed(origin: string): ProxyError {
  return new ProxyError({
    status: 403,
    code: 'origin_not_allowed',
    type: 'permission_error',
    message: `Requests from browser origin ${JSON.stringify(origin)} are not allowed (CODEX_LB_ALLOWED_ORIGINS)`,
  });
}

/** This process cannot take more work right now (memory pressure, in-flight body budget); come back soon. */
export function proxyUnavailable(message: string): ProxyError {
  return new ProxyError({ status: 503, code: 'proxy_unavailable', type: 'server_error', message, retryAfterSeconds: LOCAL_RETRY_AFTER_SECONDS });
}

/** This process already serves its share of concurrent requests (CODEX_LB_BACKPRESSURE_MAX_CONCURRENT_REQUESTS). */
export function proxyOverloaded(limit: number): ProxyError {
  return new ProxyError({
    status: 429,
    code: 'proxy_overloaded',
    type: 'rate_limit_error',
    message: `This proxy instance is serving its maximum of ${limit} concurrent requests; retry shortly`,
    retryAfterSeconds: LOCAL_RETRY_AFTER_SECONDS,
  });
}

/** The database cannot be reached: a transient outage, not a bug — retry later. */
export function databaseUnavailable(): ProxyError {
  return new ProxyError({
    status: 503,
    code: 'database_unavailable',
    type: 'server_error',
    message: 'The proxy database is unavailable; retry later',
    retryAfterSeconds: LOCAL_RETRY_AFTER_SECONDS,
  });
}

export function notFound(message = 'Not found'): ProxyError {
  return new ProxyError({ status: 404, code: 'not_found', type: 'invalid_request_error', message });
}

export function invalidApiKey(message: string): ProxyError {
  return new ProxyError({ status: 401, code: 'invalid_api_key', type: 'authentication_error', message });
}

export function ipForbidden(): ProxyError {
  return new ProxyError({ status: 403, code: 'ip_forbidden', type: 'access_error', message: 'Access denied for client IP' });
}

/** `1800` → `30m0s`: the compound form upstream uses in "try again in …" and every parser of it reads. */
export function formatWait(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/**
 * Every eligible account is blocked by usage (§7.6): the one 429 Codex turns into "usage limited" —
 * `usage_limit_reached` for rate limits, `insufficient_quota` when every blocked account is out of quota.
 * The message, `Retry-After`, `resets_at` and `resets_in_seconds` all name the same moment: the earliest
 * reset in the pool (upstream caps the hint at 300 s, which then contradicts `resets_at`).
 */
export function poolExhausted(reason: { resetsAt: number | undefined; quota: boolean }, nowSeconds: number): ProxyError {
  const code = reason.quota ? 'insufficient_quota' : 'usage_limit_reached';
  const what = reason.quota ? 'Every account has exceeded its quota' : 'Usage limit reached on every account';
  if (reason.resetsAt === undefined) return new ProxyError({ status: 429, code, type: code, message: what });
  const wait = Math.max(1, Math.ceil(reason.resetsAt - nowSeconds));
  return new ProxyError({
    status: 429,
    code,
    type: code,
    message: `${what}. Try again in ${formatWait(wait)}`,
    resetsAt: Math.ceil(reason.resetsAt),
    resetsInSeconds: wait,
    retryAfterSeconds: wait,
  });
}

export function noAccounts(message: string, code = 'no_accounts'): ProxyError {
  return new ProxyError({ status: 503, code, type: 'server_error', message });
}

export function continuityOwnerUnavailable(): ProxyError {
  return new ProxyError({
    status: 503,
    code: 'continuity_owner_unavailable',
    type: 'server_error',
    message: 'The account that owns this conversation is not available; retry later',
  });
}

// --- local overload (§7.5): always 429 rate_limit_error, never counted against an account ------------

/** Every account this request could use is at this replica's share of a per-account concurrency cap. */
export function accountCapReached(code: 'account_stream_cap' | 'account_response_create_cap'): ProxyError {
  const what = code === 'account_stream_cap' ? 'streams' : 'response creates';
  return new ProxyError({
    status: 429,
    code,
    type: 'rate_limit_error',
    message: `Every account is at its limit of concurrent ${what}; retry shortly`,
    retryAfterSeconds: LOCAL_RETRY_AFTER_SECONDS,
  });
}

/** This replica's global response-create gate stayed full for the whole admission wait. */
export function globalAdmissionTimeout(): ProxyError {
  return new ProxyError({
    status: 429,
    code: 'global_admission_timeout',
    type: 'rate_limit_error',
    message: 'The proxy is at its limit of concurrent requests; retry shortly',
    retryAfterSeconds: LOCAL_RETRY_AFTER_SECONDS,
  });
}

/** A session already has this many turns waiting behind its running one (§11.1 queue limit). */
export function bridgeQueueFull(limit: number): ProxyError {
  return new ProxyError({
    status: 429,
    code: 'bridge_queue_full',
    type: 'rate_limit_error',
    message: `At most ${limit} requests of one session may wait behind its running turn`,
    retryAfterSeconds: LOCAL_RETRY_AFTER_SECONDS,
  });
}

/** This replica holds its maximum of sessions and none of them is idle. */
export function activeSessionsExhausted(limit: number): ProxyError {
  return new ProxyError({
    status: 429,
    code: 'capacity_exhausted_active_sessions',
    type: 'rate_limit_error',
    message: `This replica serves its maximum of ${limit} active sessions; retry shortly`,
    retryAfterSeconds: LOCAL_RETRY_AFTER_SECONDS,
  });
}

// --- replicated mode (§11.3, §11.4) -----------------------------------------------------------------

/** The replica that owns the session cannot be reached, and the request needs its upstream socket. */
export function bridgeOwnerUnreachable(): ProxyError {
  return new ProxyError({
    status: 503,
    code: 'bridge_owner_unreachable',
    type: 'server_error',
    message: 'The replica serving this session is unreachable and the request continues a response only it holds; retry later',
    retryAfterSeconds: LOCAL_RETRY_AFTER_SECONDS,
  });
}

/** The owner's connection broke after it may have started the turn: not retried elsewhere (no double dispatch). */
export function bridgeOwnerLost(): ProxyError {
  return new ProxyError({
    status: 502,
    code: 'bridge_owner_lost',
    type: 'server_error',
    message: 'The replica serving this session failed while starting the turn; retry',
    retryAfterSeconds: LOCAL_RETRY_AFTER_SECONDS,
  });
}

/** A draining replica takes no new session (the origin then serves it elsewhere). */
export function bridgeDrainActive(): ProxyError {
  return new ProxyError({
    status: 503,
    code: 'bridge_drain_active',
    type: 'server_error',
    message: 'This replica is draining and takes no new sessions',
    retryAfterSeconds: LOCAL_RETRY_AFTER_SECONDS,
  });
}

/** A forward that is not addressed to this replica (§11.4). */
export function bridgeOwnerForwardFailed(message: string): ProxyError {
  return new ProxyError({ status: 503, code: 'bridge_owner_forward_failed', type: 'server_error', message, retryAfterSeconds: LOCAL_RETRY_AFTER_SECONDS });
}

/** A forward without valid bridge authentication (§11.4); says which check failed, never what was expected. */
export function bridgeForwardInvalid(message: string): ProxyError {
  return new ProxyError({ status: 400, code: 'bridge_forward_invalid', type: 'invalid_request_error', message });
}

export function upstreamStreamTruncated(): ProxyError {
  return new ProxyError({
    status: 502,
    code: 'upstream_stream_truncated',
    type: 'server_error',
    message: 'Responses stream ended before a terminal event',
  });
}

/** The upstream's stream ended without a terminal event; the message names the connection that was cut. */
export function streamIncomplete(over: 'http' | 'websocket'): ProxyError {
  return new ProxyError({
    status: 502,
    code: 'stream_incomplete',
    type: 'server_error',
    message: over === 'websocket' ? 'Upstream websocket closed before response.completed' : 'Upstream stream closed before response.completed',
  });
}

export function streamIdleTimeout(): ProxyError {
  return new ProxyError({ status: 502, code: 'stream_idle_timeout', type: 'server_error', message: 'Upstream stream went idle' });
}

/** A stalled upstream attempt (no first event within the deadline): the proxy's own code for it. */
export const UPSTREAM_STALLED = 'upstream_stalled';

/**
 * One attempt produced no response event within the first-event deadline: a stalled upstream. Unlike
 * an idle timeout mid-stream, this is counted against the account, and the turn fails over.
 */
export function upstreamStalled(timeoutMs: number): ProxyError {
  return new ProxyError({
    status: 502,
    code: UPSTREAM_STALLED,
    type: 'server_error',
    message: `The upstream sent no response event within ${Math.round(timeoutMs) / 1000}s (CODEX_LB_STREAM_FIRST_EVENT_TIMEOUT_SECONDS)`,
  });
}

export function upstreamRequestTimeout(): ProxyError {
  return new ProxyError({ status: 502, code: 'upstream_request_timeout', type: 'server_error', message: 'Proxy request budget exhausted' });
}

export function upstreamUnavailable(message = 'Upstream is unreachable'): ProxyError {
  return new ProxyError({ status: 502, code: 'upstream_unavailable', type: 'server_error', message });
}

export function internalError(): ProxyError {
  return new ProxyError({ status: 500, code: 'server_error', type: 'server_error', message: 'Internal server error' });
}

/** The drain envelope has no `code`: it is the exact body upstream codex-lb sends (§11.7). */
export const DRAINING_BODY = { error: { type: 'service_unavailable', message: 'Server is draining' } } as const;

// --- upstream failures --------------------------------------------------------------------------------

/** One upstream failure, whatever carried it (upstream/upstream-error.ts reads them off the wire). */
export interface UpstreamFailure {
  /** HTTP status of the upstream response, or the `status` a WS error frame declares. */
  status: number | undefined;
  /** `error.code` or `error.type`, lower-cased; "upstream_error" when neither is present. */
  code: string;
  type: string;
  message: string;
  param?: string;
  planType?: string;
  resetsAt?: number;
  resetsInSeconds?: number;
}

/**
 * Upstream failure codes by what they say about the account that produced them (§7.6, trap 5);
 * routing/classify.ts turns them into account effects. Source: codex-lb app/modules/proxy/helpers.py
 * classify_upstream_failure, app/core/balancer/logic.py.
 */
export const FAILURE_CODES = {
  /** Short-window limits. */
  rateLimit: new Set(['rate_limit_exceeded', 'usage_limit_reached']),
  /** Long-window or plan quotas. */
  quota: new Set(['insufficient_quota', 'usage_not_included', 'quota_exceeded']),
  /** Credentials gone for good. */
  reauth: new Set([
    'refresh_token_expired',
    'refresh_token_reused',
    'refresh_token_invalidated',
    'invalid_grant',
    'token_invalidated',
    'app_session_terminated',
    'account_session_expired',
    'account_auth_invalidated',
  ]),
  deactivated: new Set(['account_deactivated', 'account_suspended', 'account_deleted']),
  /** Server trouble another account may not have. */
  transient: new Set(['server_error', 'upstream_error', 'stream_incomplete', 'overloaded_error', 'server_is_overloaded', 'upstream_unavailable', UPSTREAM_STALLED]),
  /** Not the account's fault: timeouts on our side, local overload, a stale anchor. */
  neutral: new Set(['stream_idle_timeout', 'upstream_request_timeout', 'proxy_unavailable', 'proxy_overloaded', 'previous_response_not_found']),
} as const satisfies Record<string, ReadonlySet<string>>;

/** Upstream codes a client gets as 429 and as 401 (§13 `_status_for_error`). */
const CLIENT_RATE_LIMITED_CODES = new Set([...FAILURE_CODES.rateLimit, 'insufficient_quota']);
const CLIENT_AUTH_CODES = new Set(['invalid_api_key', 'invalid_authentication', 'token_invalidated']);

/**
 * The client-facing error for an upstream failure surfaced before the stream started
 * (§13 `_status_for_error`): rate limits are 429, auth failures 401, request errors 400, a stale
 * `previous_response_id` is masked as an incomplete stream (unless `surfaceStaleAnchor`, for Codex-native
 * WebSocket clients, which then resend the full history), anything else keeps the upstream's
 * 4xx/5xx status or becomes 502.
 */
export function toProxyError(failure: UpstreamFailure, options: { surfaceStaleAnchor?: boolean } = {}): ProxyError {
  if (failure.code === 'previous_response_not_found') {
    // Codex-native sockets learn the anchor is gone (and resend the full history); others see an incomplete stream.
    // Upstream codex-lb's exact mask (§13), which clients may match on.
    if (!options.surfaceStaleAnchor) return streamIncomplete('websocket');
    return new ProxyError({ status: 400, code: 'previous_response_not_found', type: 'invalid_request_error', message: 'Previous response not found.' });
  }
  let status: number;
  if (CLIENT_RATE_LIMITED_CODES.has(failure.code) || failure.type === 'rate_limit_error') status = 429;
  else if (CLIENT_AUTH_CODES.has(failure.code) || failure.type === 'authentication_error') status = 401;
  else if (failure.code === 'invalid_request_error' || failure.type === 'invalid_request_error') status = 400;
  else if (failure.status !== undefined && failure.status >= 400 && failure.status <= 599) status = failure.status;
  else status = 502;
  return failureAsError(failure, status);
}

/** An upstream failure answered with `status` as it stands: its code, message and reset times. */
export function failureAsError(failure: UpstreamFailure, status: number, retryAfterSeconds?: number): ProxyError {
  return new ProxyError({
    status,
    code: failure.code,
    type: failure.type,
    message: failure.message,
    param: failure.param,
    planType: failure.planType,
    resetsAt: failure.resetsAt,
    resetsInSeconds: failure.resetsInSeconds,
    retryAfterSeconds,
  });
}
