/**
 * Error replies of the Codex backend and the OAuth server, as pure builders. Shapes follow the
 * contract (§2.8 C, §7.6, §13) and bodies observed from the live service; where only the code is
 * known the message text is illustrative. Three envelopes occur upstream and the proxy must parse
 * all of them (§5.3, §2.5):
 * - `{"detail": "..."}` for request validation and unparseable tokens;
 * - `{"error": {message, type, code, param, ...}}` (plus a top-level `status` on token errors);
 * - OAuth's flat `{"error": "invalid_grant", "error_description": "..."}`.
 * Gateway errors (502/504) are HTML pages from the edge, not JSON.
 */

export interface HttpFailure {
  status: number;
  /** JSON-serialisable, or a string sent verbatim with `contentType`. */
  body: unknown;
  /** @default 'application/json' */
  contentType?: string;
}

/** What a WebSocket client receives instead of an HTTP error once the socket is open (§2.8 C). */
export interface ErrorFrame {
  type: 'error';
  status: number;
  error: Record<string, unknown>;
}

export function detailFailure(status: number, detail: string): HttpFailure {
  return { status, body: { detail } };
}

export function usageLimitReached(options: { planType: string; resetsAt?: number; resetsInSeconds?: number }): HttpFailure {
  const error: Record<string, unknown> = { type: 'usage_limit_reached', message: 'The usage limit has been reached', plan_type: options.planType };
  if (options.resetsAt !== undefined) error.resets_at = options.resetsAt;
  if (options.resetsInSeconds !== undefined) error.resets_in_seconds = options.resetsInSeconds;
  return { status: 429, body: { error } };
}

/** `tryAgainIn` is the duration text the proxy must parse (§7.6 `parse_retry_after`), e.g. `20s`, `6m0s`, `1.5s`. */
export function rateLimitExceeded(tryAgainIn: string): HttpFailure {
  return {
    status: 429,
    body: {
      error: {
        type: 'rate_limit_error',
        code: 'rate_limit_exceeded',
        message: `Rate limit reached for requests on tokens per min (TPM): Limit 30000, Used 30000, Requested 1200. Please try again in ${tryAgainIn}. Visit https://platform.openai.com/account/rate-limits to learn more.`,
        param: null,
      },
    },
  };
}

export function insufficientQuota(): HttpFailure {
  return {
    status: 429,
    body: {
      error: {
        type: 'insufficient_quota',
        code: 'insufficient_quota',
        message: 'You exceeded your current quota, please check your plan and billing details.',
        param: null,
      },
    },
  };
}

const TOKEN_MESSAGES = {
  token_invalidated: 'Your authentication token has been invalidated. Please try signing in again.',
  token_expired: 'Provided authentication token is expired. Please try signing in again.',
} as const;

/** 401 for a known token that no longer works; the proxy must refresh and retry once (§5.2). */
export function tokenRejected(code: keyof typeof TOKEN_MESSAGES): HttpFailure {
  return {
    status: 401,
    body: { error: { message: TOKEN_MESSAGES[code], type: 'invalid_request_error', code, param: null }, status: 401 },
  };
}

/** 401 for a missing or unknown bearer token. */
export function unparseableToken(): HttpFailure {
  return detailFailure(401, 'Could not parse your authentication token. Please try signing in again.');
}

/**
 * The fake's own answer when `chatgpt-account-id` names another workspace than the token's. The
 * real wording is unknown; the message says so, so nobody copies it into the proxy.
 */
export function accountMismatch(): HttpFailure {
  return detailFailure(403, 'fake upstream: chatgpt-account-id does not match the bearer token');
}

export type ServerErrorStatus = 500 | 502 | 503 | 504;

export function serverError(status: ServerErrorStatus): HttpFailure {
  switch (status) {
    case 500:
      return {
        status,
        body: {
          error: {
            message: 'An error occurred while processing your request. You can retry your request, or contact us through our help center if the error persists.',
            type: 'server_error',
            code: 'server_error',
            param: null,
          },
        },
      };
    case 503:
      return {
        status,
        body: { error: { message: 'The server is overloaded or not ready yet.', type: 'server_error', code: 'server_is_overloaded', param: null } },
      };
    case 502:
      return edgePage(502, 'Bad gateway');
    case 504:
      return edgePage(504, 'Gateway time-out');
  }
}

function edgePage(status: number, title: string): HttpFailure {
  return {
    status,
    contentType: 'text/html; charset=UTF-8',
    body: `<!DOCTYPE html>\n<html><head><title>chatgpt.com | ${status}: ${title}</title></head><body><h1>Error ${status}</h1><p>${title}</p></body></html>\n`,
  };
}

/** Over WebSocket, a continuation anchor the connection never produced (§2.7, §2.8 C). */
export function previousResponseNotFound(responseId: string): HttpFailure {
  return {
    status: 400,
    body: {
      error: {
        type: 'invalid_request_error',
        code: 'previous_response_not_found',
        message: `Previous response with id '${responseId}' not found.`,
        param: 'previous_response_id',
      },
    },
  };
}

/** A request item the backend cannot accept, e.g. a Chat Completions-style tool (§3.1 flattening). */
export function missingRequiredParameter(param: string): HttpFailure {
  return {
    status: 400,
    body: { error: { message: `Missing required parameter: '${param}'.`, type: 'invalid_request_error', param, code: 'missing_required_parameter' } },
  };
}

export type RefreshErrorCode = 'refresh_token_expired' | 'refresh_token_reused' | 'refresh_token_invalidated' | 'invalid_grant';

const REFRESH_MESSAGES: Record<Exclude<RefreshErrorCode, 'invalid_grant'>, string> = {
  refresh_token_expired: 'Your refresh token has expired. Please try signing in again.',
  refresh_token_reused: 'Your refresh token has already been used to generate a new access token. Please try signing in again.',
  refresh_token_invalidated: 'Your session has ended. Please log in again.',
};

/**
 * Refresh failures from `/oauth/token` (§5.3). The three refresh_token_* codes come as 401 with an
 * OpenAI-style error object; `invalid_grant` is the RFC 6749 form (400, flat body) the server uses
 * for tokens it does not recognise. `status` overrides the default to try other combinations.
 */
export function refreshFailure(code: RefreshErrorCode, status?: number): HttpFailure {
  if (code === 'invalid_grant') {
    return { status: status ?? 400, body: { error: 'invalid_grant', error_description: 'Invalid refresh token' } };
  }
  return { status: status ?? 401, body: { error: { message: REFRESH_MESSAGES[code], type: 'invalid_request_error', param: null, code } } };
}

export function oauthFailure(status: number, error: string, description: string): HttpFailure {
  return { status, body: { error, error_description: description } };
}

/**
 * The WebSocket form of a failure: `{"type":"error","status":N,"error":{...}}`. Error-object bodies
 * are carried over; `detail` and HTML bodies become `{type, message}` like the live socket's
 * unsupported-model frames.
 */
export function toErrorFrame(failure: HttpFailure): ErrorFrame {
  const body = failure.body;
  if (typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>;
    if (typeof record.error === 'object' && record.error !== null) {
      return { type: 'error', status: failure.status, error: { ...(record.error as Record<string, unknown>) } };
    }
    if (typeof record.detail === 'string') {
      return { type: 'error', status: failure.status, error: { type: 'invalid_request_error', message: record.detail } };
    }
  }
  return { type: 'error', status: failure.status, error: { type: 'server_error', message: `upstream returned HTTP ${failure.status}` } };
}
