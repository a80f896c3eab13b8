/**
 * The fake's account registry: who exists upstream, which tokens are live, and each account's
 * usage windows. It is the single source of truth for both the backend (bearer + account header
 * authorisation) and the OAuth server (refresh-token rotation), exactly as one identity provider
 * backs both on the real service.
 *
 * Token lifecycle, as the proxy must cope with it (proxy-contract §5, §15.7):
 * - access tokens are JWTs valid until their `exp` (10 days) unless revoked; refreshing does not
 *   revoke older access tokens;
 * - refresh tokens are single-use: a successful refresh retires the presented token and issues a
 *   new one; presenting a retired token fails with `refresh_token_reused` AND revokes the whole
 *   token family, so the newest refresh token dies too (`refresh_token_invalidated`). Two racing
 *   refreshes for one account therefore cost the account its login, which is the trap.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createJwtSigner, type JwtSigner } from './jwt.ts';
import type { PlanType } from './plans.ts';
import { applyUsagePatch, defaultUsage, rollWindows, type UsagePatch, type UsageState } from './rate-limits.ts';

/** Codex CLI's OAuth client id (§5.1, §6). */
export const OAUTH_CLIENT_ID = 'app_EMoamEEZ73f0CkXaXp7hrann';
const ISSUER = 'https://auth.openai.com';
const AUTH_CLAIMS = 'https://api.openai.com/auth';
const PROFILE_CLAIMS = 'https://api.openai.com/profile';
export const ACCESS_TOKEN_TTL_SECONDS = 10 * 24 * 3600;
const ID_TOKEN_TTL_SECONDS = 3600;

export interface AccountOptions {
  /** @default `user<n>@fake-upstream.test` */
  email?: string;
  /** @default 'plus' */
  plan?: PlanType;
  /** The `chatgpt_account_id` (workspace id). @default a random UUID */
  accountId?: string;
  /** Issue the first access token with `exp` already in the past: upstream calls get 401 `token_expired` until a refresh. @default false */
  accessTokenExpired?: boolean;
}

/** The Codex CLI `~/.codex/auth.json` shape the proxy imports (§4.4). */
export interface CodexAuthJson {
  OPENAI_API_KEY: null;
  tokens: { id_token: string; access_token: string; refresh_token: string; account_id: string };
  last_refresh: string;
}

/** A snapshot of an account's identity and current credentials. */
export interface AccountCredentials {
  accountId: string;
  userId: string;
  email: string;
  plan: PlanType;
  accessToken: string;
  refreshToken: string;
  idToken: string;
  authJson(): CodexAuthJson;
}

export interface TokenSet {
  access_token: string;
  id_token: string;
  refresh_token: string;
}

export type AuthFailureReason = 'missing' | 'unknown' | 'token_expired' | 'token_invalidated' | 'account_mismatch';
export type AuthOutcome =
  | { ok: true; accountId: string }
  | { ok: false; reason: AuthFailureReason; accountId?: string };

export type RefreshOutcome =
  | { ok: true; accountId: string; tokens: TokenSet }
  | { ok: false; code: 'refresh_token_reused' | 'refresh_token_invalidated' | 'invalid_grant'; accountId?: string };

interface AccountRecord {
  readonly accountId: string;
  readonly userId: string;
  readonly email: string;
  readonly plan: PlanType;
  accessToken: string;
  refreshToken: string;
  idToken: string;
  lastRefresh: Date;
  usage: UsageState;
  /** prompt_cache_key -> input tokens of the last turn that used it, for `cached_tokens`. */
  readonly promptCache: Map<string, number>;
}

interface AccessTokenState {
  accountId: string;
  expiresAt: number;
  revoked?: 'token_expired' | 'token_invalidated';
}

type RefreshTokenState = { accountId: string; status: 'current' | 'used' | 'revoked' };

export class AccountRegistry {
  readonly #signer: JwtSigner = createJwtSigner();
  readonly #now: () => number;
  readonly #accounts = new Map<string, AccountRecord>();
  readonly #accessTokens = new Map<string, AccessTokenState>();
  readonly #refreshTokens = new Map<string, RefreshTokenState>();
  #created = 0;

  /** @param now epoch milliseconds */
  constructor(now: () => number) {
    this.#now = now;
  }

  add(options: AccountOptions = {}): AccountCredentials {
    const accountId = options.accountId ?? randomUUID();
    if (this.#accounts.has(accountId)) throw new Error(`account ${accountId} already exists`);
    this.#created += 1;
    const plan = options.plan ?? 'plus';
    const record: AccountRecord = {
      accountId,
      userId: `user-${randomBytes(12).toString('base64url')}`,
      email: options.email ?? `user${this.#created}@fake-upstream.test`,
      plan,
      accessToken: '',
      refreshToken: '',
      idToken: '',
      lastRefresh: new Date(this.#now()),
      usage: defaultUsage(plan, this.#nowSec()),
      promptCache: new Map(),
    };
    this.#accounts.set(accountId, record);
    this.#issueTokens(record, options.accessTokenExpired ? -3600 : ACCESS_TOKEN_TTL_SECONDS);
    return this.credentials(accountId);
  }

  credentials(accountId: string): AccountCredentials {
    const r = this.#record(accountId);
    const snapshot = { accountId: r.accountId, userId: r.userId, email: r.email, plan: r.plan, accessToken: r.accessToken, refreshToken: r.refreshToken, idToken: r.idToken };
    const lastRefresh = r.lastRefresh.toISOString();
    return {
      ...snapshot,
      authJson: () => ({
        OPENAI_API_KEY: null,
        tokens: { id_token: snapshot.idToken, access_token: snapshot.accessToken, refresh_token: snapshot.refreshToken, account_id: snapshot.accountId },
        last_refresh: lastRefresh,
      }),
    };
  }

  list(): AccountCredentials[] {
    return [...this.#accounts.keys()].map((id) => this.credentials(id));
  }

  plan(accountId: string): PlanType {
    return this.#record(accountId).plan;
  }

  /**
   * Authorises a backend call from its `Authorization` and `chatgpt-account-id` headers. The account
   * header is optional upstream (the proxy omits it for synthetic ids, §2.2 item 5) but, when sent,
   * must name the token's own workspace.
   */
  authenticate(authorization: string | undefined, accountHeader: string | undefined): AuthOutcome {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? '');
    if (!match?.[1]) return { ok: false, reason: 'missing' };
    const token = this.#accessTokens.get(match[1]);
    if (!token) return { ok: false, reason: 'unknown' };
    const { accountId } = token;
    if (token.revoked) return { ok: false, reason: token.revoked, accountId };
    if (token.expiresAt <= this.#nowSec()) return { ok: false, reason: 'token_expired', accountId };
    if (accountHeader !== undefined && accountHeader !== accountId) return { ok: false, reason: 'account_mismatch', accountId };
    return { ok: true, accountId };
  }

  /**
   * A new `codex login` of the same account: a fresh token family (access, id and refresh token), as a
   * user running `codex login` again gets. Tokens issued before stay as they are.
   */
  login(accountId: string): AccountCredentials {
    this.#issueTokens(this.#record(accountId), ACCESS_TOKEN_TTL_SECONDS);
    return this.credentials(accountId);
  }

  /** Every access token issued to the account so far stops working with `reason`. */
  revokeAccessTokens(accountId: string, reason: 'token_expired' | 'token_invalidated' = 'token_invalidated'): void {
    this.#record(accountId);
    for (const state of this.#accessTokens.values()) {
      if (state.accountId === accountId) state.revoked = reason;
    }
  }

  accountForRefreshToken(refreshToken: string): string | undefined {
    return this.#refreshTokens.get(refreshToken)?.accountId;
  }

  refresh(refreshToken: string): RefreshOutcome {
    const state = this.#refreshTokens.get(refreshToken);
    if (!state) return { ok: false, code: 'invalid_grant' };
    const { accountId } = state;
    if (state.status === 'revoked') return { ok: false, code: 'refresh_token_invalidated', accountId };
    if (state.status === 'used') {
      // Reuse detection revokes the family: the token that replaced this one is dead as well.
      for (const other of this.#refreshTokens.values()) {
        if (other.accountId === accountId && other.status === 'current') other.status = 'revoked';
      }
      return { ok: false, code: 'refresh_token_reused', accountId };
    }
    state.status = 'used';
    const record = this.#record(accountId);
    this.#issueTokens(record, ACCESS_TOKEN_TTL_SECONDS);
    return { ok: true, accountId, tokens: { access_token: record.accessToken, id_token: record.idToken, refresh_token: record.refreshToken } };
  }

  usage(accountId: string): UsageState {
    const record = this.#record(accountId);
    record.usage = rollWindows(record.usage, this.#nowSec());
    return record.usage;
  }

  setUsage(accountId: string, patch: UsagePatch): UsageState {
    const record = this.#record(accountId);
    record.usage = applyUsagePatch(record.usage, patch, this.#nowSec());
    return record.usage;
  }

  /**
   * Prompt caching is per upstream account: a turn reuses the cached prefix only when the same
   * account saw the same `prompt_cache_key` before. That makes cache affinity (§7.4) observable.
   * Returns the cached token count for this turn and remembers the new prefix length.
   */
  cachePrompt(accountId: string, promptCacheKey: string | undefined, inputTokens: number): number {
    if (promptCacheKey === undefined) return 0;
    const cache = this.#record(accountId).promptCache;
    const cached = Math.min(cache.get(promptCacheKey) ?? 0, inputTokens);
    cache.set(promptCacheKey, inputTokens);
    return cached;
  }

  clear(): void {
    this.#accounts.clear();
    this.#accessTokens.clear();
    this.#refreshTokens.clear();
  }

  #record(accountId: string): AccountRecord {
    const record = this.#accounts.get(accountId);
    if (!record) throw new Error(`unknown account ${accountId}`);
    return record;
  }

  #nowSec(): number {
    return Math.floor(this.#now() / 1000);
  }

  #issueTokens(record: AccountRecord, accessTtlSeconds: number): void {
    const iat = this.#nowSec();
    const auth = { chatgpt_account_id: record.accountId, chatgpt_plan_type: record.plan, chatgpt_user_id: record.userId, user_id: record.userId };
    record.accessToken = this.#signer.sign({
      iss: ISSUER,
      aud: ['https://api.openai.com/v1'],
      client_id: OAUTH_CLIENT_ID,
      sub: `auth0|${record.userId}`,
      iat,
      nbf: iat,
      exp: iat + accessTtlSeconds,
      jti: randomUUID(),
      scp: ['openid', 'profile', 'email', 'offline_access'],
      session_id: `authsess_${randomBytes(12).toString('base64url')}`,
      [AUTH_CLAIMS]: auth,
      [PROFILE_CLAIMS]: { email: record.email, email_verified: true },
    });
    record.idToken = this.#signer.sign({
      iss: ISSUER,
      aud: [OAUTH_CLIENT_ID],
      sub: `auth0|${record.userId}`,
      email: record.email,
      email_verified: true,
      iat,
      auth_time: iat,
      exp: iat + ID_TOKEN_TTL_SECONDS,
      jti: randomUUID(),
      [AUTH_CLAIMS]: auth,
    });
    // Opaque on the real service; marked fake here so nobody mistakes it for a credential.
    record.refreshToken = `rt_fake_${randomBytes(24).toString('base64url')}`;
    record.lastRefresh = new Date(iat * 1000);
    this.#accessTokens.set(record.accessToken, { accountId: record.accountId, expiresAt: iat + accessTtlSeconds });
    this.#refreshTokens.set(record.refreshToken, { accountId: record.accountId, status: 'current' });
  }
}
