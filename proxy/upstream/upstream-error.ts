/**
 * One shape for every upstream failure, whatever carried it: an HTTP error response before the
 * stream, an `error` frame, or a `response.failed` event (reference/proxy-contract.md §2.5, §2.8 C).
 * Classification (routing/classify.ts) and the client-facing error (http/errors.ts) both start here.
 */
import { ProxyError, streamIncomplete } from '../http/errors.ts';
import { isObject, responseOf, type JsonObject, type ResponseEvent } from './events.ts';

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

const DEFAULT_MESSAGE = 'Upstream error';

/** OpenAI error types by HTTP status, for upstream bodies that do not name one. */
const TYPE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  429: 'rate_limit_error',
};

function defaultType(status: number | undefined): string {
  if (status === undefined || status >= 500) return 'server_error';
  return TYPE_BY_STATUS[status] ?? 'upstream_error';
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** Reads an `error` object (or a flat frame carrying the same keys) into an UpstreamFailure. */
export function failureFromErrorObject(error: JsonObject, status: number | undefined): UpstreamFailure {
  const code = (str(error.code) ?? str(error.type) ?? str(error.error_type) ?? 'upstream_error').toLowerCase();
  const failure: UpstreamFailure = {
    status,
    code,
    type: str(error.type) ?? str(error.error_type) ?? defaultType(status),
    message: str(error.message) ?? str(error.detail) ?? DEFAULT_MESSAGE,
  };
  const param = str(error.param);
  if (param !== undefined) failure.param = param;
  const planType = str(error.plan_type);
  if (planType !== undefined) failure.planType = planType;
  const resetsAt = num(error.resets_at);
  if (resetsAt !== undefined) failure.resetsAt = resetsAt;
  const resetsIn = num(error.resets_in_seconds);
  if (resetsIn !== undefined) failure.resetsInSeconds = resetsIn;
  return failure;
}

/**
 * An upstream HTTP error body: `{"error":{…}}`, `{"error":"text"}`, `{"detail":…}`, `{"message":…}`
 * or plain text. Unparseable bodies still yield a failure coded from the status.
 */
export function failureFromHttp(status: number, bodyText: string): UpstreamFailure {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch {
    body = undefined;
  }
  if (isObject(body)) {
    if (isObject(body.error)) return failureFromErrorObject(body.error, status);
    const message = str(body.error) ?? str(body.detail) ?? str(body.message);
    if (message !== undefined || str(body.code) !== undefined) {
      // Without a code of its own, the failure is named after its status so classification can use it.
      return failureFromErrorObject({ message, code: str(body.code) ?? `http_${status}`, type: body.type }, status);
    }
  }
  const text = bodyText.trim().slice(0, 500);
  return { status, code: `http_${status}`, type: defaultType(status), message: text || `Upstream answered HTTP ${status}` };
}

/** An `error` frame or `response.failed` event; undefined for any other event. */
export function failureFromEvent(event: ResponseEvent): UpstreamFailure | undefined {
  const payload = event.payload;
  if (event.type === 'error') {
    const status = num(payload.status) ?? num(payload.status_code);
    // A flat frame's own `type` is "error"; its error type, if any, travels as `error_type`.
    const error = isObject(payload.error) ? payload.error : { ...payload, type: payload.error_type };
    return failureFromErrorObject(error, status);
  }
  if (event.type === 'response.failed') {
    const response = responseOf(event);
    const error = response && isObject(response.error) ? response.error : {};
    return failureFromErrorObject(error, undefined);
  }
  return undefined;
}

const RATE_LIMITED_CODES = new Set(['rate_limit_exceeded', 'usage_limit_reached', 'insufficient_quota']);
const AUTH_CODES = new Set(['invalid_api_key', 'invalid_authentication', 'token_invalidated']);

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
    if (!options.surfaceStaleAnchor) return streamIncomplete();
    return new ProxyError({ status: 400, code: 'previous_response_not_found', type: 'invalid_request_error', message: 'Previous response not found.' });
  }
  let status: number;
  if (RATE_LIMITED_CODES.has(failure.code) || failure.type === 'rate_limit_error') status = 429;
  else if (AUTH_CODES.has(failure.code) || failure.type === 'authentication_error') status = 401;
  else if (failure.code === 'invalid_request_error' || failure.type === 'invalid_request_error') status = 400;
  else if (failure.status !== undefined && failure.status >= 400 && failure.status <= 599) status = failure.status;
  else status = 502;
  return new ProxyError({
    status,
    code: failure.code,
    type: failure.type,
    message: failure.message,
    param: failure.param,
    planType: failure.planType,
    resetsAt: failure.resetsAt,
    resetsInSeconds: failure.resetsInSeconds,
  });
}
