/**
 * Usage on both dialects: request logs with cost, live rate-limit observations, and the /wham/usage poller
 * against the fake upstream (token refresh on 401, deactivation on 402, auth cooldown on 403, leader gate).
 */
import { EntityManager, type DataSource } from 'typeorm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { AccountRepository } from '../../../proxy/accounts/account-repository.ts';
import { AccountAdmin } from '../../../proxy/accounts/admin.ts';
import { generateFernetKey } from '../../../proxy/accounts/fernet.ts';
import { RefreshClaims } from '../../../proxy/accounts/refresh-claims.ts';
import { createTokenCipher } from '../../../proxy/accounts/token-cipher.ts';
import { httpTokenEndpoint } from '../../../proxy/accounts/token-endpoint.ts';
import { TokenRefresher } from '../../../proxy/accounts/token-refresher.ts';
import { PendingWork } from '../../../proxy/cluster/pending-work.ts';
import { silentLogger } from '../../../proxy/observability/logger.ts';
import { LiveUsageIngest } from '../../../proxy/routing/live-usage.ts';
import { RequestLogEntity } from '../../../proxy/store/entities/request-log.ts';
import { UsageHistoryEntity } from '../../../proxy/store/entities/usage-history.ts';
import { parseRateLimitHeaders, parseRateLimitsEvent } from '../../../proxy/usage/live-rate-limits.ts';
import { RequestLogWriter } from '../../../proxy/usage/request-log.ts';
import { UsagePoller } from '../../../proxy/usage/usage-poller.ts';
import { UsageRecorder } from '../../../proxy/usage/usage-recorder.ts';
import { whamUsageFetcher } from '../../../proxy/usage/wham-fetch.ts';
import { startFakeUpstream, type AccountCredentials, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { rateLimitHeaders, rateLimitsEvent, type UsageState } from '../../fakes/rate-limits.ts';
import { databaseMatrix, DIALECTS } from './databases.ts';

const dbs = databaseMatrix();
const RESET = 1_900_000_000;

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(() => fake.close());

describe('live rate-limit parsing against the fake upstream’s own wire shapes', () => {
  const state: UsageState = {
    primary: { usedPercent: 37.5, windowMinutes: 300, resetAt: RESET },
    secondary: { usedPercent: 12, windowMinutes: 10_080, resetAt: RESET + 86_400 },
    credits: { hasCredits: true, unlimited: false, balance: '3.25' },
  };
  const expected = {
    primary: { usedPercent: 37.5, windowMinutes: 300, resetAt: new Date(RESET * 1000) },
    secondary: { usedPercent: 12, windowMinutes: 10_080, resetAt: new Date((RESET + 86_400) * 1000) },
    monthly: null,
    credits: { hasCredits: true, unlimited: false, balance: 3.25 },
  };

  it('reads x-codex-* headers', () => {
    expect(parseRateLimitHeaders(rateLimitHeaders(state, 'plus', RESET - 100))).toEqual(expected);
  });

  it('reads the codex.rate_limits event', () => {
    expect(parseRateLimitsEvent(rateLimitsEvent(state, 'plus'))).toEqual(expected);
  });

  it('reads a free plan’s single 30-day window as monthly', () => {
    const free: UsageState = { ...state, primary: { usedPercent: 5, windowMinutes: 43_200, resetAt: RESET }, secondary: null };
    expect(parseRateLimitHeaders(rateLimitHeaders(free, 'free', RESET - 100))).toMatchObject({ primary: null, secondary: null, monthly: { usedPercent: 5 } });
  });
});

describe.each(DIALECTS)('usage on %s', (dialect) => {
  let dataSource: DataSource;
  let accounts: AccountRepository;
  let recorder: UsageRecorder;
  let upstream: AccountCredentials;
  let accountId: string;

  const tokens = (): TokenRefresher =>
    new TokenRefresher({
      accounts,
      claims: new RefreshClaims(dataSource),
      endpoint: httpTokenEndpoint({ tokenUrl: `${fake.url}/oauth/token`, timeoutMs: 5000 }),
      refreshIntervalMs: 8 * 86_400_000,
      refreshTimeoutMs: 1000,
      claimTtlMs: 5000,
      failureCooldownMs: 0,
    });
  const poller = (isLeader = true): UsagePoller =>
    new UsagePoller({
      accounts,
      tokens: tokens(),
      recorder,
      fetchUsage: whamUsageFetcher({ upstreamBaseUrl: `${fake.url}/backend-api`, timeoutMs: 5000, maxRetries: 2, firstBackoffMs: 10 }),
      isLeader: () => isLeader,
      intervalMs: 60_000,
      authFailureCooldownMs: 300_000,
    });
  const usageCalls = () => fake.requests.filter((request) => request.endpoint === 'usage');

  beforeEach(async () => {
    fake.reset();
    dataSource = await dbs.migrated(dialect);
    accounts = new AccountRepository({ dataSource, cipher: createTokenCipher(generateFernetKey()) });
    recorder = new UsageRecorder({ dataSource, accounts });
    upstream = fake.addAccount({ plan: 'pro' });
    accountId = (await new AccountAdmin({ accounts }).importAuthJson(upstream.authJson())).account.id;
  });
  afterEach(() => dataSource.destroy());

  it('writes a request log row with tokens, cost and timings', async () => {
    const writer = new RequestLogWriter({ dataSource });
    const requestedAt = new Date('2026-06-01T10:00:00.123Z');
    const row = await writer.write({
      requestId: 'resp_fake_1',
      requestedAt,
      accountId,
      apiKeyId: null,
      model: 'gpt-5.4',
      status: 'success',
      transport: 'http',
      usage: { inputTokens: 1000, outputTokens: 100, cachedInputTokens: 400, reasoningTokens: 64 },
      latencyMs: 1234,
      latencyFirstTokenMs: 321,
    });
    const stored = await dataSource.getRepository(RequestLogEntity).findOneByOrFail({ id: row.id });
    expect(stored).toMatchObject({ requestedAt, accountId, inputTokens: 1000, cachedInputTokens: 400, reasoningTokens: 64, latencyMs: 1234 });
    expect(stored.costUsd).toBeCloseTo((600 * 2.5 + 400 * 0.25 + 100 * 15) / 1e6, 12);
    await accounts.delete(accountId);
    expect((await dataSource.getRepository(RequestLogEntity).findOneByOrFail({ id: row.id })).accountId).toBeNull();
  });

  it('writes the rows of requests that end together in one INSERT, each write settling with its own row', async () => {
    const writer = new RequestLogWriter({ dataSource });
    // Every statement of any manager (the batch goes through its transaction's), counted for request_logs.
    const query = vi.spyOn(EntityManager.prototype, 'query');
    const entry = (i: number) => ({ requestId: `resp_batch_${i}`, accountId, apiKeyId: null, model: 'gpt-5.4', status: 'success' as const });
    const rows = await Promise.all(Array.from({ length: 30 }, (_, i) => writer.write(entry(i))));
    expect(query.mock.calls.filter(([sql]) => sql.startsWith('INSERT INTO "request_logs"'))).toHaveLength(1);
    // The same transaction added the batch to the dashboard's hourly rollup.
    const [{ requests }] = (await dataSource.query("SELECT SUM(requests) AS requests FROM request_usage_hourly WHERE model = 'gpt-5.4'")) as [{ requests: number | string }];
    expect(Number(requests)).toBe(30);
    expect(rows.map((row) => row.requestId)).toEqual(Array.from({ length: 30 }, (_, i) => `resp_batch_${i}`));
    // Keys in time order (UUIDv7), so the primary-key index grows at its edge: the times of writes made one after another never go back.
    const times = rows.map((row) => row.id.slice(0, 13));
    for (const row of rows) expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...times].sort()).toEqual(times);
    expect(await dataSource.getRepository(RequestLogEntity).countBy({ accountId })).toBe(30);
    query.mockRestore();
  });

  it('fails every write of a batch the database refuses, and writes none of its rows (one statement)', async () => {
    const writer = new RequestLogWriter({ dataSource });
    const good = writer.write({ requestId: 'resp_ok', accountId, apiKeyId: null, model: 'gpt-5.4', status: 'success' });
    // An account id that does not exist breaks the foreign key: the whole INSERT is refused.
    const bad = writer.write({ requestId: 'resp_bad', accountId: 'no-such-account', apiKeyId: null, model: 'gpt-5.4', status: 'success' });
    const settled = await Promise.allSettled([good, bad]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(await dataSource.getRepository(RequestLogEntity).count()).toBe(0);
  });

  it('records a live observation as history and on the account, blocking an exhausted window', async () => {
    const snapshot = parseRateLimitHeaders({
      'x-codex-primary-used-percent': '100',
      'x-codex-primary-window-minutes': '300',
      'x-codex-primary-reset-at': String(RESET),
      'x-codex-secondary-used-percent': '40',
    });
    if (snapshot === null) throw new Error('headers should parse');
    const account = await recorder.record(accountId, snapshot, 'live');
    expect(account).toMatchObject({
      status: 'rate_limited',
      resetAt: new Date(RESET * 1000),
      primaryUsedPercent: 100,
      secondaryUsedPercent: 40,
      secondaryWindowMinutes: 10_080,
    });
    const history = await dataSource.getRepository(UsageHistoryEntity).find({ where: { accountId }, order: { window: 'ASC' } });
    expect(history.map((row) => [row.window, row.usedPercent, row.source])).toEqual([
      ['primary', 100, 'live'],
      ['secondary', 40, 'live'],
    ]);
  });

  it('ingests live observations of a burst in one transaction, the latest per account, repeats skipped, before shutdown completes', async () => {
    const otherId = (await new AccountAdmin({ accounts }).importAuthJson(fake.addAccount({ plan: 'plus' }).authJson())).account.id;
    const pending = new PendingWork();
    const ingest = new LiveUsageIngest({ recorder, logger: silentLogger(), pending });
    const headers = (used: number) => ({ 'x-codex-primary-used-percent': String(used), 'x-codex-primary-window-minutes': '300', 'x-codex-primary-reset-at': String(RESET) });
    const transaction = vi.spyOn(dataSource, 'transaction');
    ingest.fromHeaders(accountId, headers(10));
    ingest.fromHeaders(accountId, headers(10));
    ingest.fromHeaders(otherId, headers(50));
    ingest.fromHeaders(accountId, headers(20));
    expect(await dataSource.getRepository(UsageHistoryEntity).count()).toBe(0);
    await pending.settle();
    // The same windows again (a turn's codex.rate_limits event after its headers): nothing to write.
    ingest.fromHeaders(accountId, headers(20));
    await pending.settle();
    expect(transaction).toHaveBeenCalledTimes(1);
    transaction.mockRestore();
    const history = await dataSource.getRepository(UsageHistoryEntity).find({ order: { usedPercent: 'ASC' } });
    expect(history.map((row) => [row.accountId, row.usedPercent, row.source])).toEqual([
      [accountId, 20, 'live'],
      [otherId, 50, 'live'],
    ]);
    expect((await accounts.get(accountId))?.primaryUsedPercent).toBe(20);
    expect((await accounts.get(otherId))?.primaryUsedPercent).toBe(50);
  });

  it('stores the other accounts’ live observations when one account was deleted before its batch was written', async () => {
    const otherId = (await new AccountAdmin({ accounts }).importAuthJson(fake.addAccount({ plan: 'plus' }).authJson())).account.id;
    const pending = new PendingWork();
    const ingest = new LiveUsageIngest({ recorder, logger: silentLogger(), pending });
    ingest.fromHeaders(otherId, { 'x-codex-primary-used-percent': '30' });
    ingest.fromHeaders(accountId, { 'x-codex-primary-used-percent': '60' });
    await accounts.delete(otherId);
    await pending.settle();
    expect((await dataSource.getRepository(UsageHistoryEntity).find()).map((row) => [row.accountId, row.usedPercent])).toEqual([[accountId, 60]]);
  });

  it('polls /wham/usage with the account’s token and stores windows and labels', async () => {
    fake.setUsage(upstream.accountId, { primary: { usedPercent: 25 }, secondary: { usedPercent: 60 } });
    expect(await poller().pollOnce()).toEqual([{ accountId, result: 'recorded' }]);
    const call = usageCalls()[0];
    expect(call?.headers.authorization).toBe(`Bearer ${upstream.accessToken}`);
    expect(call?.headers['chatgpt-account-id']).toBe(upstream.accountId);
    expect(await accounts.get(accountId)).toMatchObject({ primaryUsedPercent: 25, secondaryUsedPercent: 60, planType: 'pro', status: 'active' });
    // Fresh now: the next pass skips it.
    expect(await poller().pollOnce()).toEqual([]);
  });

  it('refreshes the token once on 401 and retries', async () => {
    fake.revokeAccessTokens(upstream.accountId);
    expect(await poller().pollOnce()).toEqual([{ accountId, result: 'recorded' }]);
    expect(fake.requests.filter((request) => request.endpoint === 'refresh')).toHaveLength(1);
    expect(usageCalls().at(-1)?.headers.authorization).toBe(`Bearer ${fake.account(upstream.accountId).accessToken}`);
  });

  it('retries transient 5xx answers', async () => {
    fake.script(upstream.accountId, { kind: 'server_error', status: 503 }, { endpoint: 'usage' });
    expect(await poller().pollOnce()).toEqual([{ accountId, result: 'recorded' }]);
    expect(usageCalls()).toHaveLength(2);
  });

  it('deactivates an account on 402 with the upstream reason', async () => {
    fake.script(upstream.accountId, { kind: 'http_error', status: 402, body: { detail: 'Payment required' } }, { endpoint: 'usage' });
    expect(await poller().pollOnce()).toEqual([{ accountId, result: 'failed', reason: 'http_402' }]);
    expect(await accounts.get(accountId)).toMatchObject({ status: 'deactivated', statusReason: 'Usage API error: HTTP 402 - Payment required' });
  });

  it('cools an account down after 403 without changing its status', async () => {
    fake.script(upstream.accountId, { kind: 'http_error', status: 403, body: { detail: 'Forbidden' } }, { endpoint: 'usage' });
    const pollerInstance = poller();
    expect(await pollerInstance.pollOnce()).toEqual([{ accountId, result: 'failed', reason: 'http_403' }]);
    expect((await accounts.get(accountId))?.status).toBe('active');
    expect(await pollerInstance.pollOnce()).toEqual([]);
    expect(usageCalls()).toHaveLength(1);
  });

  it('keeps polling in the background until stopped', async () => {
    const controller = new AbortController();
    const running = poller().run(controller.signal);
    await vi.waitFor(() => expect(usageCalls()).toHaveLength(1), { timeout: 10_000 });
    controller.abort();
    await running;
    expect((await accounts.get(accountId))?.usageUpdatedAt).not.toBeNull();
  });

  it('does nothing when this process is not the leader', async () => {
    expect(await poller(false).pollOnce()).toEqual([]);
    expect(usageCalls()).toEqual([]);
  });
});
