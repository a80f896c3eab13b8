/**
 * Token refresh against the fake OAuth server (single-use, rotating refresh tokens; reuse kills the family),
 * on both dialects: age-based and forced refresh, single-flight, claims between refreshers, error mapping.
 */
import type { DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AccountRepository } from '../../../proxy/accounts/account-repository.ts';
import { AccountAdmin } from '../../../proxy/accounts/admin.ts';
import { generateFernetKey } from '../../../proxy/accounts/fernet.ts';
import { RefreshClaims } from '../../../proxy/accounts/refresh-claims.ts';
import { createTokenCipher } from '../../../proxy/accounts/token-cipher.ts';
import { httpTokenEndpoint, TokenRefreshError } from '../../../proxy/accounts/token-endpoint.ts';
import { AccountUnavailableError, TokenRefresher, type TokenProvider } from '../../../proxy/accounts/token-refresher.ts';
import { StoredAccountPool } from '../../../proxy/routing/account-pool.ts';
import { startFakeUpstream, type AccountCredentials, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { databaseMatrix, DIALECTS } from './databases.ts';

const dbs = databaseMatrix();
const DAY = 86_400_000;

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(() => fake.close());

describe.each(DIALECTS)('token refresh on %s', (dialect) => {
  let dataSource: DataSource;
  let accounts: AccountRepository;
  let upstream: AccountCredentials;
  let accountId: string;

  const refresher = (options: { owner?: string; claimTtlMs?: number; refreshTimeoutMs?: number } = {}): TokenRefresher =>
    new TokenRefresher({
      accounts,
      claims: new RefreshClaims(dataSource),
      endpoint: httpTokenEndpoint({ tokenUrl: `${fake.url}/oauth/token`, timeoutMs: 5000 }),
      refreshIntervalMs: 8 * DAY,
      refreshTimeoutMs: options.refreshTimeoutMs ?? 1000,
      claimTtlMs: options.claimTtlMs ?? 5000,
      failureCooldownMs: 0,
      pollIntervalMs: 20,
      ...(options.owner === undefined ? {} : { owner: options.owner }),
    });
  const refreshCalls = () => fake.requests.filter((request) => request.endpoint === 'refresh');
  const importWith = async (lastRefresh: Date): Promise<string> => {
    const document = { ...upstream.authJson(), last_refresh: lastRefresh.toISOString() };
    return (await new AccountAdmin({ accounts }).importAuthJson(document)).account.id;
  };

  beforeEach(async () => {
    fake.reset();
    dataSource = await dbs.migrated(dialect);
    accounts = new AccountRepository({ dataSource, cipher: createTokenCipher(generateFernetKey()) });
    upstream = fake.addAccount({ plan: 'pro' });
    accountId = await importWith(new Date());
  });
  afterEach(() => dataSource.destroy());

  it('uses the stored token while it is younger than the interval', async () => {
    expect(await refresher().getAccessToken(accountId)).toBe(upstream.accessToken);
    expect(refreshCalls()).toEqual([]);
  });

  it('refreshes an aged token with the JSON grant and stores the rotated tokens', async () => {
    accountId = await importWith(new Date(Date.now() - 9 * DAY));
    const token = await refresher().getAccessToken(accountId);
    const rotated = fake.account(upstream.accountId);
    expect(token).toBe(rotated.accessToken);
    expect(refreshCalls()).toHaveLength(1);
    expect(refreshCalls()[0]?.headers['content-type']).toBe('application/json');
    expect(refreshCalls()[0]?.body).toEqual({
      grant_type: 'refresh_token',
      client_id: 'app_EMoamEEZ73f0CkXaXp7hrann',
      refresh_token: upstream.refreshToken,
      scope: 'openid profile email',
    });
    const stored = await accounts.readCredentials(accountId);
    expect(stored).toMatchObject({ accessToken: rotated.accessToken, refreshToken: rotated.refreshToken, idToken: rotated.idToken });
    expect(Date.now() - (stored.lastRefreshAt?.getTime() ?? 0)).toBeLessThan(DAY);
  });

  it('spends the refresh token once for many concurrent forced refreshes', async () => {
    fake.revokeAccessTokens(upstream.accountId);
    fake.script(upstream.accountId, { kind: 'stall', ms: 200 }, { endpoint: 'refresh' });
    const provider = refresher();
    const tokens = await Promise.all(Array.from({ length: 30 }, () => provider.forceRefresh(accountId, upstream.accessToken)));
    expect(new Set(tokens)).toEqual(new Set([fake.account(upstream.accountId).accessToken]));
    expect(refreshCalls()).toHaveLength(1);
  });

  it('spends the refresh token once when two refreshers (separate claim owners) race', async () => {
    fake.script(upstream.accountId, { kind: 'stall', ms: 300 }, { endpoint: 'refresh' });
    const [a, b] = [refresher({ owner: 'replica-a' }), refresher({ owner: 'replica-b' })];
    const tokens = await Promise.all([a.forceRefresh(accountId, upstream.accessToken), b.forceRefresh(accountId, upstream.accessToken)]);
    expect(tokens).toEqual([fake.account(upstream.accountId).accessToken, fake.account(upstream.accountId).accessToken]);
    expect(refreshCalls()).toHaveLength(1);
    expect((await accounts.get(accountId))?.status).toBe('active');
  });

  it('waits out a live claim of another process instead of spending the token, then gives up', async () => {
    const claims = new RefreshClaims(dataSource);
    expect(await claims.tryAcquire(accountId, 'other-replica', 60_000)).toBe(true);
    const error = await refresher({ claimTtlMs: 100, refreshTimeoutMs: 100 })
      .forceRefresh(accountId, upstream.accessToken)
      .catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'refresh_claim_timeout' });
    expect(refreshCalls()).toEqual([]);
  });

  it('takes over a claim whose holder died (expired TTL)', async () => {
    const claims = new RefreshClaims(dataSource);
    expect(await claims.tryAcquire(accountId, 'dead-replica', 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await refresher().forceRefresh(accountId, upstream.accessToken)).toBe(fake.account(upstream.accountId).accessToken);
    expect(refreshCalls()).toHaveLength(1);
  });

  it.each([
    ['refresh_token_expired', 'reauth_required', 'Refresh token expired - re-login required'],
    ['refresh_token_reused', 'reauth_required', 'Refresh token was already used - re-login required'],
    ['refresh_token_invalidated', 'reauth_required', 'Refresh token was revoked - re-login required'],
    ['invalid_grant', 'reauth_required', 'Refresh token grant invalid - re-login required'],
  ] as const)('maps %s to %s', async (code, status, reason) => {
    fake.script(upstream.accountId, { kind: 'refresh_error', code });
    const error = await refresher().forceRefresh(accountId, upstream.accessToken).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TokenRefreshError);
    expect((error as TokenRefreshError).code).toBe(code);
    expect(await accounts.get(accountId)).toMatchObject({ status, statusReason: reason, lastErrorCode: code });
    await expect(refresher().getAccessToken(accountId)).rejects.toThrow(AccountUnavailableError);
    for (const secret of [upstream.accessToken, upstream.refreshToken, upstream.idToken]) {
      expect(`${(error as Error).message} ${String((error as Error).cause)}`).not.toContain(secret);
    }
  });

  it.each(['account_deactivated', 'account_suspended', 'account_deleted'])('maps %s to deactivated', async (code) => {
    fake.script(upstream.accountId, { kind: 'http_error', status: 403, body: { error: { code, message: 'fake' } } }, { endpoint: 'refresh' });
    await expect(refresher().forceRefresh(accountId, upstream.accessToken)).rejects.toMatchObject({ code });
    expect((await accounts.get(accountId))?.status).toBe('deactivated');
  });

  it('treats a 5xx from the token endpoint as transient: no status change, the token still works later', async () => {
    fake.script(upstream.accountId, { kind: 'server_error', status: 502 }, { endpoint: 'refresh' });
    await expect(refresher().forceRefresh(accountId, upstream.accessToken)).rejects.toMatchObject({ code: 'http_502', permanent: null });
    expect(await accounts.get(accountId)).toMatchObject({ status: 'active', lastErrorCode: 'http_502' });
    expect(await refresher().forceRefresh(accountId, upstream.accessToken)).toBe(fake.account(upstream.accountId).accessToken);
  });

  it("gives routing the account's Authorization value from its token cache, and the refreshed one after a 401", async () => {
    const provider = refresher();
    let asked = 0;
    const counted: TokenProvider = {
      getAccessToken: (id) => {
        asked += 1;
        return provider.getAccessToken(id);
      },
      forceRefresh: (id, failed) => provider.forceRefresh(id, failed),
    };
    const pool = new StoredAccountPool({ accounts, tokens: counted, caching: { listTtlMs: 1000, tokenTtlMs: 60_000 } });
    const first = await pool.credentials(accountId);
    expect(first).toMatchObject({ accessToken: upstream.accessToken, authorization: `Bearer ${upstream.accessToken}`, chatgptAccountId: upstream.accountId });
    expect((await pool.credentials(accountId)).authorization).toBe(first.authorization);
    expect(asked).toBe(1);

    const refreshed = await pool.refreshedCredentials(accountId, first);
    const rotated = fake.account(upstream.accountId).accessToken;
    expect(rotated).not.toBe(upstream.accessToken);
    expect(refreshed.authorization).toBe(`Bearer ${rotated}`);
    expect((await pool.credentials(accountId)).authorization).toBe(`Bearer ${rotated}`);
    expect(asked).toBe(1);
  });
});
