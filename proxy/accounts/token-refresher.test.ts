/**
 * The refresher's in-process rules against in-memory doubles. Cross-process behaviour (claims in a real
 * database, two processes) is proven in test/integration/proxy-store.
 */
import { describe, expect, it } from 'vitest';
import type { StoredCredentials } from './account-repository.ts';
import type { OAuthTokens } from './auth-json.ts';
import type { AccountEvent } from './status.ts';
import { fakeIdToken } from './testing.ts';
import { TokenRefreshError, type TokenEndpoint } from './token-endpoint.ts';
import { AccountUnavailableError, TokenRefresher } from './token-refresher.ts';

const DAY = 86_400_000;
const NOW = new Date('2026-06-01T00:00:00Z');

class MemoryAccounts {
  stored: StoredCredentials;
  events: AccountEvent[] = [];

  constructor(lastRefreshAt: Date) {
    this.stored = {
      accountId: 'acct-1',
      status: 'active',
      accessToken: 'fake-access-0',
      refreshToken: 'fake-refresh-0',
      idToken: fakeIdToken(),
      lastRefreshAt,
      version: 'v0',
    };
  }

  async readCredentials(): Promise<StoredCredentials> {
    return this.stored;
  }

  async storeRefreshedTokens(_id: string, version: string, tokens: OAuthTokens): Promise<boolean> {
    if (version !== this.stored.version) return false;
    this.stored = { ...this.stored, ...tokens, lastRefreshAt: NOW, version: `${version}+` };
    return true;
  }

  async applyEvent(_id: string, event: AccountEvent): Promise<never> {
    this.events.push(event);
    if (event.type === 'auth_failed') this.stored = { ...this.stored, status: 'reauth_required' };
    return undefined as never;
  }
}

/** Rotating endpoint that counts how often each refresh token was spent. */
function rotatingEndpoint(): TokenEndpoint & { spent: string[] } {
  const spent: string[] = [];
  return {
    spent,
    async refresh(refreshToken) {
      spent.push(refreshToken);
      await new Promise((resolve) => setImmediate(resolve));
      const n = spent.length;
      return { accessToken: `fake-access-${n}`, refreshToken: `fake-refresh-${n}`, idToken: fakeIdToken() };
    },
  };
}

const freeClaims = { tryAcquire: async () => true, release: async () => undefined };

function refresher(accounts: MemoryAccounts, endpoint: TokenEndpoint): TokenRefresher {
  return new TokenRefresher({
    accounts,
    claims: freeClaims,
    endpoint,
    refreshIntervalMs: 8 * DAY,
    refreshTimeoutMs: 1000,
    claimTtlMs: 5000,
    failureCooldownMs: 60_000,
    now: () => NOW,
  });
}

describe('TokenRefresher', () => {
  it('returns the stored token while it is younger than the refresh interval', async () => {
    const accounts = new MemoryAccounts(new Date(NOW.getTime() - 7 * DAY));
    const endpoint = rotatingEndpoint();
    expect(await refresher(accounts, endpoint).getAccessToken('acct-1')).toBe('fake-access-0');
    expect(endpoint.spent).toEqual([]);
  });

  it('refreshes a token older than the interval, once for many concurrent callers', async () => {
    const accounts = new MemoryAccounts(new Date(NOW.getTime() - 9 * DAY));
    const endpoint = rotatingEndpoint();
    const provider = refresher(accounts, endpoint);
    const tokens = await Promise.all(Array.from({ length: 20 }, () => provider.getAccessToken('acct-1')));
    expect(new Set(tokens)).toEqual(new Set(['fake-access-1']));
    expect(endpoint.spent).toEqual(['fake-refresh-0']);
    expect(accounts.stored.refreshToken).toBe('fake-refresh-1');
  });

  it('spends the refresh token once for many concurrent forced refreshes of the same failed token', async () => {
    const accounts = new MemoryAccounts(NOW);
    const endpoint = rotatingEndpoint();
    const provider = refresher(accounts, endpoint);
    const tokens = await Promise.all(Array.from({ length: 50 }, () => provider.forceRefresh('acct-1', 'fake-access-0')));
    expect(new Set(tokens)).toEqual(new Set(['fake-access-1']));
    expect(endpoint.spent).toEqual(['fake-refresh-0']);
  });

  it('does not refresh when the failed token was already replaced', async () => {
    const accounts = new MemoryAccounts(NOW);
    const endpoint = rotatingEndpoint();
    const provider = refresher(accounts, endpoint);
    await provider.forceRefresh('acct-1', 'fake-access-0');
    expect(await provider.forceRefresh('acct-1', 'fake-access-0')).toBe('fake-access-1');
    expect(endpoint.spent).toHaveLength(1);
  });

  it('refreshes again when the replacement fails too', async () => {
    const accounts = new MemoryAccounts(NOW);
    const endpoint = rotatingEndpoint();
    const provider = refresher(accounts, endpoint);
    await provider.forceRefresh('acct-1', 'fake-access-0');
    expect(await provider.forceRefresh('acct-1', 'fake-access-1')).toBe('fake-access-2');
    expect(endpoint.spent).toEqual(['fake-refresh-0', 'fake-refresh-1']);
  });

  it('marks the account on a permanent failure and refuses it afterwards', async () => {
    const accounts = new MemoryAccounts(NOW);
    const failing: TokenEndpoint = {
      refresh: async () => {
        throw new TokenRefreshError('refresh_token_reused', 401);
      },
    };
    const provider = refresher(accounts, failing);
    await expect(provider.forceRefresh('acct-1', 'fake-access-0')).rejects.toMatchObject({ code: 'refresh_token_reused' });
    expect(accounts.events).toEqual([{ type: 'auth_failed', code: 'refresh_token_reused' }]);
    await expect(provider.getAccessToken('acct-1')).rejects.toThrow(AccountUnavailableError);
  });

  it('repeats a recent transient failure to later callers instead of calling again', async () => {
    const accounts = new MemoryAccounts(NOW);
    let calls = 0;
    const failing: TokenEndpoint = {
      refresh: async () => {
        calls += 1;
        throw new TokenRefreshError('http_500', 500);
      },
    };
    const provider = refresher(accounts, failing);
    await expect(provider.forceRefresh('acct-1', 'fake-access-0')).rejects.toMatchObject({ code: 'http_500' });
    await expect(provider.forceRefresh('acct-1', 'fake-access-0')).rejects.toMatchObject({ code: 'http_500' });
    expect(calls).toBe(1);
    expect(accounts.stored.status).toBe('active');
    expect(accounts.events).toEqual([{ type: 'transient_error', code: 'http_500' }]);
  });

  it('stores the new tokens even when their id_token cannot be read (the old refresh token is spent)', async () => {
    const accounts = new MemoryAccounts(NOW);
    const endpoint: TokenEndpoint = {
      refresh: async () => ({ accessToken: 'fake-access-1', refreshToken: 'fake-refresh-1', idToken: 'fake-opaque-id-token' }),
    };
    expect(await refresher(accounts, endpoint).forceRefresh('acct-1', 'fake-access-0')).toBe('fake-access-1');
    expect(accounts.stored.refreshToken).toBe('fake-refresh-1');
  });

  it('keeps tokens an import stored while the refresh was in flight', async () => {
    const accounts = new MemoryAccounts(NOW);
    const endpoint: TokenEndpoint = {
      async refresh() {
        accounts.stored = { ...accounts.stored, accessToken: 'fake-access-imported', version: 'imported' };
        return { accessToken: 'fake-access-refreshed', refreshToken: 'fake-refresh-refreshed', idToken: fakeIdToken() };
      },
    };
    expect(await refresher(accounts, endpoint).forceRefresh('acct-1', 'fake-access-0')).toBe('fake-access-imported');
  });
});
