/**
 * `TokenProvider`: access tokens for the request path, refreshed when they age out (`CODEX_LB_TOKEN_REFRESH_INTERVAL_DAYS`,
 * not JWT `exp`) or when upstream rejected one with 401 (reference/proxy-contract.md §5.2).
 *
 * Invariant: a refresh token is sent to the token endpoint at most once, across every caller and every process
 * sharing the database.
 * - In a process, one flight per account: concurrent callers join it.
 * - Across processes, the flight holds the account's claim row (refresh-claims.ts) while it spends the token. A
 *   process that cannot take the claim polls the stored tokens until the holder has written new ones (or the
 *   claim expires) and uses those.
 * - Whoever holds the claim re-reads the tokens first: a previous holder may have refreshed them between our read
 *   and our claim.
 * - New tokens are stored with a compare-and-set on the spent refresh token; an import that replaced the tokens
 *   meanwhile wins.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccountRepository, StoredCredentials } from './account-repository.ts';
import { decodeJwtPayload, identityClaims } from './jwt-claims.ts';
import type { RefreshClaims } from './refresh-claims.ts';
import { AccountTokenError, TokenRefreshError, type TokenEndpoint } from './token-endpoint.ts';

export interface TokenProvider {
  /** A usable access token, refreshed first when older than the refresh interval. Throws AccountTokenError. */
  getAccessToken(accountId: string): Promise<string>;
  /**
   * After upstream answered 401 to `failedAccessToken`: a newer token, refreshing unless someone already did.
   * Retry the request once with it. Throws AccountTokenError (fail over to another account).
   */
  forceRefresh(accountId: string, failedAccessToken: string): Promise<string>;
}

/** The account cannot be used: missing, or in a status no refresh can fix (reauth_required, deactivated). */
export class AccountUnavailableError extends AccountTokenError {
  override readonly name = 'AccountUnavailableError';

  constructor(accountId: string, code: string) {
    super(code, `account ${JSON.stringify(accountId)} is unavailable: ${code}`);
  }
}

export interface TokenRefresherOptions {
  readonly accounts: Pick<AccountRepository, 'readCredentials' | 'storeRefreshedTokens' | 'applyEvent'>;
  readonly claims: Pick<RefreshClaims, 'tryAcquire' | 'release'>;
  readonly endpoint: TokenEndpoint;
  /** `CODEX_LB_TOKEN_REFRESH_INTERVAL_DAYS` in ms. */
  readonly refreshIntervalMs: number;
  /** `CODEX_LB_TOKEN_REFRESH_TIMEOUT_SECONDS` in ms: how long one token call may take. */
  readonly refreshTimeoutMs: number;
  /** `CODEX_LB_TOKEN_REFRESH_CLAIM_TTL_SECONDS` in ms; raised to 2 × refreshTimeoutMs + 2 s if lower. */
  readonly claimTtlMs: number;
  /** `CODEX_LB_PROXY_REFRESH_FAILURE_COOLDOWN_SECONDS` in ms: a failed refresh is repeated to callers this long. */
  readonly failureCooldownMs: number;
  /** How often a process waiting on another's claim re-reads the tokens. @default 200 */
  readonly pollIntervalMs?: number;
  /** Identifies this process in claim rows. @default a random UUID */
  readonly owner?: string;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

type Need = { readonly kind: 'fresh' } | { readonly kind: 'replace'; readonly failedAccessToken: string };

const UNUSABLE = new Set(['reauth_required', 'deactivated']);

export class TokenRefresher implements TokenProvider {
  readonly #options: TokenRefresherOptions;
  readonly #owner: string;
  readonly #claimTtlMs: number;
  readonly #now: () => Date;
  readonly #flights = new Map<string, Promise<string>>();
  readonly #failures = new Map<string, { error: Error; until: number }>();

  constructor(options: TokenRefresherOptions) {
    this.#options = options;
    this.#owner = options.owner ?? randomUUID();
    // A holder must never lose its claim while its own token call may still be running.
    this.#claimTtlMs = Math.max(options.claimTtlMs, 2 * options.refreshTimeoutMs + 2000);
    this.#now = options.now ?? (() => new Date());
  }

  getAccessToken(accountId: string): Promise<string> {
    return this.#join(accountId, { kind: 'fresh' });
  }

  forceRefresh(accountId: string, failedAccessToken: string): Promise<string> {
    return this.#join(accountId, { kind: 'replace', failedAccessToken });
  }

  async #join(accountId: string, need: Need): Promise<string> {
    for (;;) {
      const running = this.#flights.get(accountId);
      if (running === undefined) break;
      // Errors propagate to every joiner: one token call, one outcome.
      const token = await running;
      if (need.kind === 'fresh' || token !== need.failedAccessToken) return token;
    }
    const failure = this.#failures.get(accountId);
    if (failure !== undefined && failure.until > Date.now()) throw failure.error;
    const flight = this.#fly(accountId, need).finally(() => this.#flights.delete(accountId));
    this.#flights.set(accountId, flight);
    return flight;
  }

  async #fly(accountId: string, need: Need): Promise<string> {
    const waitUntil = Date.now() + this.#claimTtlMs + this.#options.refreshTimeoutMs;
    for (;;) {
      const stored = await this.#read(accountId);
      if (!this.#needsRefresh(stored, need)) return stored.accessToken;
      if (await this.#options.claims.tryAcquire(accountId, this.#owner, this.#claimTtlMs)) {
        try {
          const current = await this.#read(accountId);
          if (!this.#needsRefresh(current, need)) return current.accessToken;
          return await this.#exchange(current);
        } finally {
          // A failed release must not turn a stored refresh into an error: the claim lapses at its TTL anyway.
          await this.#options.claims.release(accountId, this.#owner).catch(() => undefined);
        }
      }
      if (Date.now() > waitUntil) throw new TokenRefreshError('refresh_claim_timeout', null);
      await sleep(this.#options.pollIntervalMs ?? 200);
    }
  }

  async #read(accountId: string): Promise<StoredCredentials> {
    let stored: StoredCredentials;
    try {
      stored = await this.#options.accounts.readCredentials(accountId);
    } catch (err) {
      if ((err as { code?: string }).code === 'account_not_found') throw new AccountUnavailableError(accountId, 'account_not_found');
      throw err;
    }
    if (UNUSABLE.has(stored.status)) throw new AccountUnavailableError(accountId, stored.status);
    return stored;
  }

  #needsRefresh(stored: StoredCredentials, need: Need): boolean {
    if (need.kind === 'replace') return stored.accessToken === need.failedAccessToken;
    if (stored.lastRefreshAt === null) return true;
    return this.#now().getTime() - stored.lastRefreshAt.getTime() > this.#options.refreshIntervalMs;
  }

  async #exchange(stored: StoredCredentials): Promise<string> {
    let tokens;
    try {
      tokens = await this.#options.endpoint.refresh(stored.refreshToken);
    } catch (err) {
      // Recording is best effort (the account may have been deleted meanwhile); the caller needs the refresh error.
      await this.#recordFailure(stored.accountId, err).catch(() => undefined);
      throw err;
    }
    // The old refresh token is spent: the new tokens must be stored even if their id_token's labels are unreadable.
    const claims = identityClaims(safePayload(tokens.idToken));
    if (await this.#options.accounts.storeRefreshedTokens(stored.accountId, stored.version, tokens, claims)) {
      return tokens.accessToken;
    }
    // An import replaced the tokens while we refreshed: its tokens are the account's now.
    return (await this.#read(stored.accountId)).accessToken;
  }

  async #recordFailure(accountId: string, err: unknown): Promise<void> {
    if (!(err instanceof TokenRefreshError)) return;
    if (err.permanent !== null) {
      // The status is the record (and other processes see it); no need to cache the error here.
      await this.#options.accounts.applyEvent(accountId, { type: 'auth_failed', code: err.code });
      return;
    }
    // Transport errors are not cached: the next request may well get through.
    if (err.code !== 'transport_error') {
      this.#failures.set(accountId, { error: err, until: Date.now() + this.#options.failureCooldownMs });
    }
    await this.#options.accounts.applyEvent(accountId, { type: 'transient_error', code: err.code });
  }
}

function safePayload(idToken: string): Record<string, unknown> {
  try {
    return decodeJwtPayload(idToken);
  } catch {
    return {};
  }
}
