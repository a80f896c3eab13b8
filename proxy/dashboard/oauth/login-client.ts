/**
 * The HTTP calls of a ChatGPT login (reference/proxy-contract.md §6): the authorization-code exchange and the
 * device-code endpoints. All of them live on the OAuth server behind `CODEX_LB_OAUTH_TOKEN_URL` (upstream fixes
 * https://auth.openai.com; deriving the rest from the token URL keeps one setting for mirrors and tests). Errors
 * carry the server's error code and HTTP status, never a token or a response body.
 */
import { request, type Dispatcher } from 'undici';
import type { OAuthTokens } from '../../accounts/auth-json.ts';
import { OAUTH_CLIENT_ID, refreshErrorCode } from '../../accounts/token-endpoint.ts';

export interface LoginEndpoints {
  readonly authorize: string;
  readonly token: string;
  readonly deviceUserCode: string;
  readonly deviceToken: string;
  /** Where the user types the code. */
  readonly deviceVerification: string;
  /** The redirect URI a device login's code is exchanged with. */
  readonly deviceRedirectUri: string;
}

export function loginEndpoints(tokenUrl: string): LoginEndpoints {
  const origin = new URL(tokenUrl).origin;
  return {
    authorize: `${origin}/oauth/authorize`,
    token: tokenUrl,
    deviceUserCode: `${origin}/api/accounts/deviceauth/usercode`,
    deviceToken: `${origin}/api/accounts/deviceauth/token`,
    deviceVerification: `${origin}/codex/device`,
    deviceRedirectUri: `${origin}/deviceauth/callback`,
  };
}

export class LoginError extends Error {
  override readonly name = 'LoginError';
  readonly code: string;
  readonly httpStatus: number | null;

  constructor(code: string, httpStatus: number | null, message: string) {
    super(message);
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

export interface DeviceCode {
  readonly deviceAuthId: string;
  readonly userCode: string;
  readonly intervalSeconds: number;
  readonly expiresAt: Date;
}

export type DevicePoll =
  | { readonly kind: 'pending' }
  | { readonly kind: 'approved'; readonly authorizationCode: string; readonly codeVerifier: string }
  | { readonly kind: 'denied'; readonly code: string }
  | { readonly kind: 'expired' };

/** Codes the device token endpoint answers while the user has not decided yet (upstream keeps polling on them). */
const PENDING_CODES = new Set(['authorization_pending', 'slow_down', 'deviceauth_authorization_unknown']);
const EXPIRED_CODES = new Set(['expired_token', 'device_code_expired', 'deviceauth_expired']);

export interface LoginClientOptions {
  readonly endpoints: LoginEndpoints;
  readonly timeoutMs: number;
  readonly dispatcher?: Dispatcher;
}

export class LoginClient {
  readonly #options: LoginClientOptions;

  constructor(options: LoginClientOptions) {
    this.#options = options;
  }

  get endpoints(): LoginEndpoints {
    return this.#options.endpoints;
  }

  /** `grant_type=authorization_code`, form-urlencoded (§6.1 step 6). */
  async exchangeCode(code: string, verifier: string, redirectUri: string): Promise<OAuthTokens> {
    const form = new URLSearchParams({ grant_type: 'authorization_code', client_id: OAUTH_CLIENT_ID, code, code_verifier: verifier, redirect_uri: redirectUri });
    const { status, body } = await this.#call(this.#options.endpoints.token, 'application/x-www-form-urlencoded', form.toString());
    if (status >= 400) throw new LoginError(refreshErrorCode(body, status), status, `the token exchange was refused (${refreshErrorCode(body, status)})`);
    const tokens = tokensFrom(body);
    if (tokens === null) throw new LoginError('invalid_response', status, 'the token endpoint answered without the three tokens');
    return tokens;
  }

  async requestDeviceCode(now: Date): Promise<DeviceCode> {
    const { status, body } = await this.#call(this.#options.endpoints.deviceUserCode, 'application/json', JSON.stringify({ client_id: OAUTH_CLIENT_ID }));
    if (status >= 400) throw new LoginError(refreshErrorCode(body, status), status, `the device-code request was refused (HTTP ${status})`);
    const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const deviceAuthId = record.device_auth_id;
    const userCode = record.user_code ?? record.usercode;
    if (typeof deviceAuthId !== 'string' || typeof userCode !== 'string' || deviceAuthId === '' || userCode === '') {
      throw new LoginError('invalid_response', status, 'the device-code answer lacks device_auth_id or user_code');
    }
    const interval = Number(record.interval);
    return { deviceAuthId, userCode, intervalSeconds: Number.isFinite(interval) && interval > 0 ? interval : 5, expiresAt: expiryOf(record, now) };
  }

  async pollDevice(deviceAuthId: string, userCode: string): Promise<DevicePoll> {
    const { status, body } = await this.#call(this.#options.endpoints.deviceToken, 'application/json', JSON.stringify({ device_auth_id: deviceAuthId, user_code: userCode }));
    if (status < 400) {
      const record = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      const { authorization_code: authorizationCode, code_verifier: codeVerifier } = record;
      if (typeof authorizationCode === 'string' && typeof codeVerifier === 'string') return { kind: 'approved', authorizationCode, codeVerifier };
      return { kind: 'pending' };
    }
    const code = refreshErrorCode(body, status);
    if (EXPIRED_CODES.has(code)) return { kind: 'expired' };
    // Upstream keeps polling on 403/404 (not decided yet) and on the pending codes.
    if (PENDING_CODES.has(code) || ((status === 403 || status === 404) && code.startsWith('http_'))) return { kind: 'pending' };
    if (status >= 500 || status === 429) throw new LoginError(code, status, `the device token endpoint failed (HTTP ${status})`);
    return { kind: 'denied', code };
  }

  async #call(url: string, contentType: string, payload: string): Promise<{ status: number; body: unknown }> {
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: 'POST',
        headers: { 'content-type': contentType, accept: 'application/json' },
        body: payload,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
        ...(this.#options.dispatcher === undefined ? {} : { dispatcher: this.#options.dispatcher }),
      });
    } catch (err) {
      throw new LoginError('transport_error', null, `the OAuth server is unreachable (${(err as { code?: string }).code ?? (err as Error).name})`);
    }
    let body: unknown = null;
    try {
      body = await response.body.json();
    } catch {
      // Not JSON: the error code falls back to http_<status>.
    }
    return { status: response.statusCode, body };
  }
}

function tokensFrom(body: unknown): OAuthTokens | null {
  if (typeof body !== 'object' || body === null) return null;
  const { access_token: accessToken, refresh_token: refreshToken, id_token: idToken } = body as Record<string, unknown>;
  if (typeof accessToken !== 'string' || typeof refreshToken !== 'string' || typeof idToken !== 'string') return null;
  if (accessToken === '' || refreshToken === '' || idToken === '') return null;
  return { accessToken, refreshToken, idToken };
}

/** `expires_at` (epoch seconds or ISO-8601) or `expires_in` (seconds); 15 minutes when neither is given. */
function expiryOf(record: Record<string, unknown>, now: Date): Date {
  const at = record.expires_at;
  if (typeof at === 'number' && Number.isFinite(at)) return new Date(at * 1000);
  if (typeof at === 'string' && !Number.isNaN(Date.parse(at))) return new Date(at);
  const inSeconds = Number(record.expires_in);
  return new Date(now.getTime() + (Number.isFinite(inSeconds) && inSeconds > 0 ? inSeconds : 900) * 1000);
}
