/**
 * One shape for every upstream failure, whatever carried it: an HTTP error response before the
 * stream, an `error` frame, or a `response.failed` event (reference/proxy-contract.md §2.5, §2.8 C).
 * Classification (routing/classify.ts) and the client-facing error (errors/catalogue.ts `toProxyError`)
 * both start from the UpstreamFailure read here.
 */
import type { UpstreamFailure } from '../errors/catalogue.ts';
import { isObject, responseOf, type JsonObject, type ResponseEvent } from './events.ts';

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
