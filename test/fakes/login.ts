/**
 * The ChatGPT login of auth.openai.com (proxy-contract §6), as the dashboard's "add account" uses it:
 *
 *   GET  /oauth/authorize                     the browser flow: the "user" signs in at once and is redirected to
 *                                             `redirect_uri?code&state` (or `?error=access_denied&state`)
 *   POST /oauth/token  grant_type=authorization_code   the code exchange: checks client, redirect URI and PKCE
 *                                             (S256 of the verifier must equal the authorize call's challenge)
 *   POST /api/accounts/deviceauth/usercode    a device code `{device_auth_id, user_code, interval, expires_in}`
 *   POST /api/accounts/deviceauth/token       polled: 403 `deviceauth_authorization_unknown` while undecided,
 *                                             then `{authorization_code, code_verifier}`, 400 `access_denied`, or
 *                                             400 `expired_token`
 *
 * Who signs in is up to the test: `nextLogin()` queues a choice for the next browser login (an existing account,
 * a new one with options, or a denial; default: a new Pro account); `decideDevice()` approves or denies a device
 * code, or lets it expire. Every login issues a fresh token family for the account.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { AccountOptions, AccountRegistry } from './accounts.ts';
import { OAUTH_CLIENT_ID } from './accounts.ts';
import type { HttpFailure } from './upstream-errors.ts';
import { oauthFailure } from './upstream-errors.ts';

export type LoginChoice = { accountId: string } | { newAccount: AccountOptions } | { deny: true };
export type DeviceDecision = { approve: { accountId: string } | { newAccount: AccountOptions } } | { deny: true } | { expire: true };

interface IssuedCode {
  accountId: string;
  challenge: string;
  redirectUri: string;
  used: boolean;
}

interface DeviceCode {
  userCode: string;
  state: 'pending' | 'approved' | 'denied' | 'expired';
  authorizationCode?: string;
  codeVerifier?: string;
}

export type TokenAnswer = { ok: true; tokens: { access_token: string; refresh_token: string; id_token: string } } | { ok: false; failure: HttpFailure };

const token = (bytes = 24): string => randomBytes(bytes).toString('base64url');
const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

export class LoginDesk {
  readonly #accounts: AccountRegistry;
  readonly #origin: () => string;
  readonly #codes = new Map<string, IssuedCode>();
  readonly #devices = new Map<string, DeviceCode>();
  readonly #queue: LoginChoice[] = [];

  /** `origin`: the fake's own URL, once it listens (the device flow's redirect URI lives there). */
  constructor(accounts: AccountRegistry, origin: () => string) {
    this.#accounts = accounts;
    this.#origin = origin;
  }

  nextLogin(choice: LoginChoice): void {
    this.#queue.push(choice);
  }

  /** `GET /oauth/authorize`: where the browser goes next (a redirect), or a 400 for a malformed request. */
  authorize(query: URLSearchParams): { location: string } | { failure: HttpFailure } {
    const redirectUri = query.get('redirect_uri');
    const challenge = query.get('code_challenge');
    if (query.get('client_id') !== OAUTH_CLIENT_ID) return { failure: oauthFailure(400, 'invalid_client', 'Unknown client_id') };
    if (query.get('response_type') !== 'code' || query.get('code_challenge_method') !== 'S256' || !challenge || !redirectUri) {
      return { failure: oauthFailure(400, 'invalid_request', 'response_type=code, a S256 code_challenge and redirect_uri are required') };
    }
    const target = new URL(redirectUri);
    const state = query.get('state');
    if (state !== null) target.searchParams.set('state', state);
    const choice = this.#queue.shift() ?? { newAccount: { plan: 'pro' } };
    if ('deny' in choice) {
      target.searchParams.set('error', 'access_denied');
      target.searchParams.set('error_description', 'The user denied access');
      return { location: target.toString() };
    }
    const code = token();
    this.#codes.set(code, { accountId: this.#accountFor(choice), challenge, redirectUri, used: false });
    target.searchParams.set('code', code);
    return { location: target.toString() };
  }

  /** `grant_type=authorization_code`. */
  exchange(form: Record<string, unknown>): TokenAnswer {
    if (form.client_id !== OAUTH_CLIENT_ID) return { ok: false, failure: oauthFailure(401, 'invalid_client', 'Unknown or missing client_id') };
    const issued = typeof form.code === 'string' ? this.#codes.get(form.code) : undefined;
    if (issued === undefined || issued.used) return { ok: false, failure: oauthFailure(400, 'invalid_grant', 'Unknown or used authorization code') };
    if (form.redirect_uri !== issued.redirectUri) return { ok: false, failure: oauthFailure(400, 'invalid_grant', 'redirect_uri does not match') };
    if (typeof form.code_verifier !== 'string' || s256(form.code_verifier) !== issued.challenge) {
      return { ok: false, failure: oauthFailure(400, 'invalid_grant', 'PKCE verification failed') };
    }
    issued.used = true;
    const credentials = this.#accounts.login(issued.accountId);
    return { ok: true, tokens: { access_token: credentials.accessToken, refresh_token: credentials.refreshToken, id_token: credentials.idToken } };
  }

  /** `POST /api/accounts/deviceauth/usercode`. */
  issueDeviceCode(body: Record<string, unknown>): { status: number; body: unknown } {
    if (body.client_id !== OAUTH_CLIENT_ID) return { status: 401, body: { error: { code: 'invalid_client', message: 'Unknown client_id' } } };
    const deviceAuthId = `deviceauth_${token(12)}`;
    const userCode = `${token(3).toUpperCase().replace(/[^A-Z0-9]/g, 'X').slice(0, 4)}-${token(3).toUpperCase().replace(/[^A-Z0-9]/g, 'Y').slice(0, 4)}`;
    this.#devices.set(deviceAuthId, { userCode, state: 'pending' });
    return { status: 200, body: { device_auth_id: deviceAuthId, user_code: userCode, interval: '1', expires_in: 900 } };
  }

  /** The user's answer at the verification page (or the code running out). */
  decideDevice(userCode: string, decision: DeviceDecision): void {
    const device = [...this.#devices.values()].find((d) => d.userCode === userCode);
    if (device === undefined) throw new Error(`no device code ${userCode}`);
    if ('deny' in decision) device.state = 'denied';
    else if ('expire' in decision) device.state = 'expired';
    else {
      const verifier = token(32);
      const code = token();
      const redirectUri = `${this.#origin()}/deviceauth/callback`;
      this.#codes.set(code, { accountId: this.#accountFor(decision.approve), challenge: s256(verifier), redirectUri, used: false });
      Object.assign(device, { state: 'approved', authorizationCode: code, codeVerifier: verifier });
    }
  }

  /** The user codes issued so far, oldest first (what a test "types in"). */
  deviceCodes(): string[] {
    return [...this.#devices.values()].map((d) => d.userCode);
  }

  /** `POST /api/accounts/deviceauth/token`. */
  pollDevice(body: Record<string, unknown>): { status: number; body: unknown } {
    const device = typeof body.device_auth_id === 'string' ? this.#devices.get(body.device_auth_id) : undefined;
    if (device === undefined || device.userCode !== body.user_code) return { status: 404, body: { error: { code: 'not_found', message: 'Unknown device code' } } };
    switch (device.state) {
      case 'pending':
        return { status: 403, body: { error: { code: 'deviceauth_authorization_unknown', message: 'Authorization pending' } } };
      case 'denied':
        return { status: 400, body: { error: { code: 'access_denied', message: 'The user denied the request' } } };
      case 'expired':
        return { status: 400, body: { error: { code: 'expired_token', message: 'The device code expired' } } };
      case 'approved':
        return { status: 200, body: { authorization_code: device.authorizationCode, code_verifier: device.codeVerifier } };
    }
  }

  clear(): void {
    this.#codes.clear();
    this.#devices.clear();
    this.#queue.length = 0;
  }

  #accountFor(choice: { accountId: string } | { newAccount: AccountOptions }): string {
    return 'accountId' in choice ? choice.accountId : this.#accounts.add(choice.newAccount).accountId;
  }
}
