/**
 * The routing AccountPool over the data layer: accounts from AccountRepository, tokens from the
 * TokenProvider (age-based refresh, single-flight across processes), status changes as account
 * events.
 *
 * Two short-lived caches keep the database off the per-request hot path (at 100 concurrent streams
 * the per-request account query and token decryption were a fifth of the proxy's CPU):
 * - the account list, for `listTtlMs` (single-flight); this replica's own status changes drop it
 *   at once, other replicas' changes are seen within the TTL. A list past half its TTL is still served,
 *   and re-read after the request that found it so (refresh-ahead): a replica serving at least one
 *   request every half TTL never holds one up for the read (a round trip on PostgreSQL);
 * - each account's access token, for `tokenTtlMs`; a 401 replaces it through the refresher, which
 *   hands out a token another replica stored meanwhile instead of refreshing again.
 */
import type { AccountRepository, AccountSnapshot } from '../accounts/account-repository.ts';
import { AccountTokenError } from '../accounts/token-endpoint.ts';
import type { TokenProvider } from '../accounts/token-refresher.ts';
import type { UpstreamIdentity } from '../upstream/headers.ts';
import type { AccountView, UsageWindow } from './account-state.ts';
import { AccountUnusableError, type AccountPool } from './ports.ts';

/** An access token with its `authorization` header value, built once per token rather than per request. */
interface Bearer {
  token: string;
  authorization: string;
}

interface CachedToken extends Bearer {
  at: number;
}

const seconds = (date: Date | null): number | null => (date === null ? null : date.getTime() / 1000);

function usageWindow(usedPercent: number | null, resetAt: Date | null): UsageWindow | null {
  return usedPercent === null ? null : { usedPercent, resetAt: seconds(resetAt) };
}

/** The routing view of a stored account (pure). */
export function routingView(account: AccountSnapshot): AccountView {
  const hasCredits = account.creditsHasCredits !== null || account.creditsUnlimited !== null || account.creditsBalance !== null;
  return {
    id: account.id,
    status: account.status,
    resetAt: seconds(account.resetAt),
    planType: account.planType,
    routingPolicy: account.routingPolicy,
    primary: usageWindow(account.primaryUsedPercent, account.primaryResetAt),
    secondary: usageWindow(account.secondaryUsedPercent, account.secondaryResetAt),
    credits: hasCredits
      ? { hasCredits: account.creditsHasCredits ?? false, unlimited: account.creditsUnlimited ?? false, balance: account.creditsBalance ?? 0 }
      : null,
  };
}

export interface PoolCaching {
  /** How long a read of the account list serves selections. 0 reads per selection. */
  listTtlMs: number;
  /** How long an access token is reused before asking the token provider again. 0 asks every time. */
  tokenTtlMs: number;
}

export const DEFAULT_POOL_CACHING: PoolCaching = { listTtlMs: 1000, tokenTtlMs: 60_000 };

/** A read of the account list, and which of this replica's own changes it may already miss. */
interface ListRead {
  generation: number;
  views: Promise<AccountView[]>;
}

export class StoredAccountPool implements AccountPool {
  readonly #accounts: AccountRepository;
  readonly #tokens: TokenProvider;
  readonly #caching: PoolCaching;
  readonly #now: () => number;
  #snapshots = new Map<string, AccountSnapshot>();
  #views: { at: number; views: AccountView[] } | undefined;
  #reading: ListRead | undefined;
  #refreshScheduled = false;
  /** Counts this replica's own status changes: a read started before one must not serve after it. */
  #generation = 0;
  readonly #tokenCache = new Map<string, CachedToken>();

  constructor(options: { accounts: AccountRepository; tokens: TokenProvider; caching?: PoolCaching; now?: () => number }) {
    this.#accounts = options.accounts;
    this.#tokens = options.tokens;
    this.#caching = options.caching ?? DEFAULT_POOL_CACHING;
    this.#now = options.now ?? Date.now;
  }

  async list(): Promise<AccountView[]> {
    const cached = this.#views;
    const ttl = this.#caching.listTtlMs;
    const age = cached === undefined ? Infinity : this.#now() - cached.at;
    if (cached === undefined || age >= ttl) return this.#read();
    if (age >= ttl / 2) this.#refreshAhead();
    return cached.views;
  }

  /**
   * Re-reads the list once the current request has moved on. A timer, not `setImmediate`: undici writes a
   * request on a reused connection from `setImmediate`, and a read queued before it would delay the very
   * request that found the list ageing. A failed read is left to the next request past the TTL to report.
   */
  #refreshAhead(): void {
    if (this.#refreshScheduled || this.#reading?.generation === this.#generation) return;
    this.#refreshScheduled = true;
    setTimeout(() => {
      this.#refreshScheduled = false;
      this.#read().catch(() => undefined);
    }, 0);
  }

  /** Single-flight, but a read that began before one of this replica's own changes is not joined after it. */
  #read(): Promise<AccountView[]> {
    if (this.#reading?.generation === this.#generation) return this.#reading.views;
    const generation = this.#generation;
    const views = this.#load(generation).finally(() => {
      if (this.#reading?.views === views) this.#reading = undefined;
    });
    this.#reading = { generation, views };
    return views;
  }

  async #load(generation: number): Promise<AccountView[]> {
    const startedAt = this.#now();
    const accounts = await this.#accounts.list();
    const views = accounts.map(routingView);
    // Its age counts from when it was asked for, so "seen within the TTL" holds however long the read took.
    if (generation === this.#generation) {
      this.#snapshots = new Map(accounts.map((account) => [account.id, account]));
      this.#views = { at: startedAt, views };
    }
    return views;
  }

  async #identity(accountId: string, bearer: () => Promise<Bearer>): Promise<UpstreamIdentity> {
    const account = this.#snapshots.get(accountId) ?? (await this.#accounts.get(accountId));
    if (account === null) throw new AccountUnusableError('account_not_found', 'account no longer exists');
    try {
      const { token, authorization } = await bearer();
      return { accessToken: token, authorization, chatgptAccountId: account.chatgptAccountId, installationId: account.codexInstallationId };
    } catch (err) {
      if (err instanceof AccountTokenError) throw new AccountUnusableError(err.code, err.message);
      throw err;
    }
  }

  credentials(accountId: string): Promise<UpstreamIdentity> {
    return this.#identity(accountId, async () => {
      const cached = this.#tokenCache.get(accountId);
      if (cached && this.#now() - cached.at < this.#caching.tokenTtlMs) return cached;
      return this.#remember(accountId, await this.#tokens.getAccessToken(accountId));
    });
  }

  refreshedCredentials(accountId: string, rejected: UpstreamIdentity): Promise<UpstreamIdentity> {
    this.#tokenCache.delete(accountId);
    return this.#identity(accountId, async () => this.#remember(accountId, await this.#tokens.forceRefresh(accountId, rejected.accessToken)));
  }

  #remember(accountId: string, token: string): Bearer {
    const cached = { token, authorization: `Bearer ${token}`, at: this.#now() };
    if (this.#caching.tokenTtlMs > 0) this.#tokenCache.set(accountId, cached);
    return cached;
  }

  async #applyEvent(accountId: string, event: Parameters<AccountRepository['applyEvent']>[1]): Promise<void> {
    await this.#accounts.applyEvent(accountId, event);
    // This replica's own changes must steer its very next selection.
    this.#generation += 1;
    this.#views = undefined;
  }

  markRateLimited(accountId: string, resetAt: number): Promise<void> {
    return this.#applyEvent(accountId, { type: 'rate_limited', resetAt: new Date(resetAt * 1000) });
  }

  markQuotaExceeded(accountId: string, resetAt: number): Promise<void> {
    return this.#applyEvent(accountId, { type: 'quota_exceeded', resetAt: new Date(resetAt * 1000) });
  }

  markUnusable(accountId: string, _status: 'reauth_required' | 'deactivated', code: string): Promise<void> {
    // The data layer maps the code to reauth_required or deactivated (and keeps the reason text).
    this.#tokenCache.delete(accountId);
    return this.#applyEvent(accountId, { type: 'auth_failed', code });
  }
}
