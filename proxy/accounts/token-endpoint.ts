/**
 * The OAuth token endpoint call that spends a refresh token (reference/proxy-contract.md §5.1, §5.3).
 *
 * `POST <CODEX_LB_OAUTH_TOKEN_URL>` with a JSON body; success needs all three of access_token, refresh_token and
 * id_token. Failures become `TokenRefreshError` carrying the upstream error code; neither tokens nor response
 * bodies ever reach an error message.
 */
import { request, type Dispatcher } from 'undici';
import type { OAuthTokens } from './auth-json.ts';
import { permanentFailureFor, type PermanentFailure } from './status.ts';

/** The Codex CLI's public OAuth client (a protocol constant upstream, not a secret). */
export const OAUTH_CLIENT_ID = 'app_EMoamEEZ73f0CkXaXp7hrann';
export const OAUTH_SCOPE = 'openid profile email';

/** Base of every error the token provider throws: the account cannot be used for this request. */
export class AccountTokenError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

export class TokenRefreshError extends AccountTokenError {
  override readonly name = 'TokenRefreshError';
  /** HTTP status of the token endpoint; null for transport errors. */
  readonly httpStatus: number | null;
  /** Set when the code is permanent: the account was (or must be) moved to this status. */
  readonly permanent: PermanentFailure | null;

  constructor(code: string, httpStatus: number | null, options?: ErrorOptions) {
    super(code, `token refresh failed: ${code}${httpStatus === null ? '' : ` (HTTP ${httpStatus})`}`, options);
    this.httpStatus = httpStatus;
    this.permanent = permanentFailureFor(code);
  }
}

export interface TokenEndpoint {
  /** Spends `refreshToken` once. Throws TokenRefreshError. */
  refresh(refreshToken: string, options?: { requestId?: string }): Promise<OAuthTokens>;
}

export interface HttpTokenEndpointOptions {
  readonly tokenUrl: string;
  readonly timeoutMs: number;
  /** undici dispatcher (connection pool / proxy); the global one by default. */
  readonly dispatcher?: Dispatcher;
}

export function httpTokenEndpoint(options: HttpTokenEndpointOptions): TokenEndpoint {
  return {
    async refresh(refreshToken, { requestId } = {}) {
      let response: Dispatcher.ResponseData;
      try {
        response = await request(options.tokenUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...(requestId === undefined ? {} : { 'x-request-id': requestId }),
          },
          body: JSON.stringify({
            grant_type: 'refresh_token',
            client_id: OAUTH_CLIENT_ID,
            refresh_token: refreshToken,
            scope: OAUTH_SCOPE,
          }),
          signal: AbortSignal.timeout(options.timeoutMs),
          ...(options.dispatcher === undefined ? {} : { dispatcher: options.dispatcher }),
        });
      } catch (err) {
        throw new TokenRefreshError('transport_error', null, { cause: stripped(err) });
      }
      let body: unknown = null;
      try {
        body = await response.body.json();
      } catch {
        // Not JSON: the code falls back to http_<status> or invalid_response.
      }
      if (response.statusCode >= 400) {
        throw new TokenRefreshError(refreshErrorCode(body, response.statusCode), response.statusCode);
      }
      const tokens = tokensFrom(body);
      if (tokens === null) throw new TokenRefreshError('invalid_response', response.statusCode);
      return tokens;
    },
  };
}

/**
 * §5.3: `error.code` or `error.error` when `error` is an object, `error` when it is a string, else `error_code` or
 * `code`, else `http_<status>`.
 */
export function refreshErrorCode(body: unknown, status: number): string {
  if (typeof body === 'object' && body !== null) {
    const record = body as Record<string, unknown>;
    const error = record.error;
    if (typeof error === 'object' && error !== null) {
      const nested = error as Record<string, unknown>;
      const code = nested.code ?? nested.error;
      if (typeof code === 'string' && code !== '') return code;
    }
    if (typeof error === 'string' && error !== '') return error;
    const code = record.error_code ?? record.code;
    if (typeof code === 'string' && code !== '') return code;
  }
  return `http_${status}`;
}

function tokensFrom(body: unknown): OAuthTokens | null {
  if (typeof body !== 'object' || body === null) return null;
  const { access_token: accessToken, refresh_token: refreshToken, id_token: idToken } = body as Record<string, unknown>;
  if (typeof accessToken !== 'string' || typeof refreshToken !== 'string' || typeof idToken !== 'string') return null;
  if (accessToken === '' || refreshToken === '' || idToken === '') return null;
  return { accessToken, refreshToken, idToken };
}

/** Transport errors keep their class and code only: some runtimes put request details in messages. */
function stripped(err: unknown): Error {
  const source = err as { name?: string; code?: string };
  const copy = new Error(`${source.name ?? 'Error'}${source.code === undefined ? '' : ` ${source.code}`}`);
  copy.name = source.name ?? 'Error';
  return copy;
}
