/**
 * The routing AccountPool over the data layer: accounts from AccountRepository, tokens from the
 * TokenProvider (age-based refresh, single-flight across processes), status changes as account
 * events. Snapshots read for selection are kept per id so an attempt's credentials need one token
 * read, not another account query.
 */
import type { AccountRepository, AccountSnapshot } from '../accounts/account-repository.ts';
import { AccountTokenError } from '../accounts/token-endpoint.ts';
import type { TokenProvider } from '../accounts/token-refresher.ts';
import type { UpstreamIdentity } from '../upstream/headers.ts';
import type { AccountView, UsageWindow } from './account-state.ts';
import { AccountUnusableError, type AccountPool } from './ports.ts';

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

export class StoredAccountPool implements AccountPool {
  readonly #accounts: AccountRepository;
  readonly #tokens: TokenProvider;
  readonly #snapshots = new Map<string, AccountSnapshot>();

  constructor(options: { accounts: AccountRepository; tokens: TokenProvider }) {
    this.#accounts = options.accounts;
    this.#tokens = options.tokens;
  }

  async list(): Promise<AccountView[]> {
    const accounts = await this.#accounts.list();
    this.#snapshots.clear();
    for (const account of accounts) this.#snapshots.set(account.id, account);
    return accounts.map(routingView);
  }

  async #identity(accountId: string, token: () => Promise<string>): Promise<UpstreamIdentity> {
    const account = this.#snapshots.get(accountId) ?? (await this.#accounts.get(accountId));
    if (account === null) throw new AccountUnusableError('account_not_found', 'account no longer exists');
    try {
      return { accessToken: await token(), chatgptAccountId: account.chatgptAccountId, installationId: account.codexInstallationId };
    } catch (err) {
      if (err instanceof AccountTokenError) throw new AccountUnusableError(err.code, err.message);
      throw err;
    }
  }

  credentials(accountId: string): Promise<UpstreamIdentity> {
    return this.#identity(accountId, () => this.#tokens.getAccessToken(accountId));
  }

  refreshedCredentials(accountId: string, rejected: UpstreamIdentity): Promise<UpstreamIdentity> {
    return this.#identity(accountId, () => this.#tokens.forceRefresh(accountId, rejected.accessToken));
  }

  async markRateLimited(accountId: string, resetAt: number): Promise<void> {
    await this.#accounts.applyEvent(accountId, { type: 'rate_limited', resetAt: new Date(resetAt * 1000) });
  }

  async markQuotaExceeded(accountId: string, resetAt: number): Promise<void> {
    await this.#accounts.applyEvent(accountId, { type: 'quota_exceeded', resetAt: new Date(resetAt * 1000) });
  }

  async markUnusable(accountId: string, _status: 'reauth_required' | 'deactivated', code: string): Promise<void> {
    // The data layer maps the code to reauth_required or deactivated (and keeps the reason text).
    await this.#accounts.applyEvent(accountId, { type: 'auth_failed', code });
  }
}
