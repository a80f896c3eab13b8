/**
 * The proxy's error catalogue: every error a client can receive on a proxy route is a ProxyError with
 * a stable `code`, an HTTP `status` and an OpenAI `type`. One function turns it into the OpenAI
 * envelope (reference/proxy-contract.md §13), whose key order clients and tests rely on:
 * `{"error":{"message","type","code"[,"param"][,"plan_type"][,"resets_at"][,"resets_in_seconds"]}}`.
 *
 * Mid-stream failures are never HTTP errors; the stream writers turn the same ProxyError into a
 * `response.failed` event (Responses) or a `data: {"error":…}` frame (chat).
 */
import { ApiKeyError } from '../apikeys/errors.ts';
import { isDatabaseUnavailable } from '../store/errors.ts';

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

/** The data layer's API-key refusals carry the same four fields (proxy/apikeys/errors.ts). */
function isApiKeyError(err: unknown): err is ApiKeyError {
  return err instanceof ApiKeyError;
}

/** Any thrown value as a ProxyError; unknown failures become a 500 that reveals nothing. */
export function asProxyError(err: unknown): ProxyError {
  return knownProxyError(err) ?? internalError();
}

/** Like asProxyError, but undefined for values that are not a known client-facing error. */
export function knownProxyError(err: unknown): ProxyError | undefined {
  if (err instanceof ProxyError) return err;
  if (isApiKeyError(err)) return new ProxyError({ status: err.status, code: err.code, type: err.type, message: err.message });
  if (isDatabaseUnavailable(err)) return databaseUnavailable();
  return undefined;
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

/** Every eligible account is usage-exhausted (§7.6): the one 429 Codex turns into "usage limited". */
export function usageLimitReached(resetsAt: number | undefined, nowSeconds: number): ProxyError {
  if (resetsAt === undefined) {
    return new ProxyError({ status: 429, code: 'usage_limit_reached', type: 'usage_limit_reached', message: 'Usage limit reached' });
  }
  const wait = Math.min(300, Math.max(1, Math.ceil(resetsAt - nowSeconds)));
  return new ProxyError({
    status: 429,
    code: 'usage_limit_reached',
    type: 'usage_limit_reached',
    message: `Rate limit exceeded. Try again in ${wait}s`,
    resetsAt,
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

export function streamIncomplete(): ProxyError {
  return new ProxyError({
    status: 502,
    code: 'stream_incomplete',
    type: 'server_error',
    message: 'Upstream websocket closed before response.completed',
  });
}

export function streamIdleTimeout(): ProxyError {
  return new ProxyError({ status: 502, code: 'stream_idle_timeout', type: 'server_error', message: 'Upstream stream went idle' });
}

/**
 * One attempt produced no response event within the first-event deadline: a stalled upstream. Unlike
 * an idle timeout mid-stream, this is counted against the account, and the turn fails over.
 */
export function upstreamStalled(timeoutMs: number): ProxyError {
  return new ProxyError({
    status: 502,
    code: 'upstream_stalled',
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
