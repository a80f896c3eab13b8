/**
 * The dashboard API a signed-in administrator uses (issue 10; reference/proxy-contract.md §1.4), on SQLite and
 * PostgreSQL: the pool with usage and managed accounts, pause/alias/routing policy/removal, API keys with usage,
 * the request log with its failure classes and the overview built from the hourly rollups, run-time routing
 * settings, and the firewall allow-list that applies to the proxy routes at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { post } from './support/clients.ts';
import { DashboardClient } from './support/dashboard-client.ts';
import { DATABASE_KINDS, Databases } from './support/databases.ts';
import { startProxy, type ProxyUnderTest } from './support/proxy-harness.ts';

const dbs = new Databases();
afterAll(() => dbs.stop());

const ask = (proxy: ProxyUnderTest, key: string): Promise<Response> =>
  post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'hello' }, { authorization: `Bearer ${key}` });

describe.each(DATABASE_KINDS)('dashboard API (%s)', (kind) => {
  let fake: FakeUpstream;
  let proxy: ProxyUnderTest;
  let admin: DashboardClient;
  /** A key for requests whose key does not matter (API-key auth is on, so the log records keys). */
  let anyKey: string;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    proxy = await startProxy({ fake, databaseUrl: await dbs.fresh(kind), env: { CODEX_LB_API_KEY_AUTH_ENABLED: 'true' } });
    anyKey = (await proxy.dataLayer.apiKeyAdmin.create({ name: 'any' })).key;
    admin = new DashboardClient(proxy.url);
    await admin.session();
  });
  afterAll(async () => {
    await proxy?.close();
    await fake?.close();
  });

  it('lists the pool with usage windows; pauses, resumes, renames, re-routes and removes an account', async () => {
    const upstream = fake.addAccount({ plan: 'pro' });
    const imported = await admin.call('POST', '/api/accounts/import', { body: { authJson: upstream.authJson() } });
    expect([imported.status, imported.body.outcome]).toEqual([201, 'created']);
    const id = String((imported.body.account as { id: string }).id);
    await proxy.dataLayer.usagePoller.pollAccount((await proxy.dataLayer.accounts.get(id))!);

    const listed = (await admin.call('GET', '/api/accounts')).body.accounts as Array<Record<string, unknown>>;
    expect(listed.find((a) => a.id === id)).toMatchObject({
      email: upstream.email,
      planType: 'pro',
      status: 'active',
      managedBy: null,
      readOnlyFields: [],
      usage: { primary: { usedPercent: expect.any(Number), resetAt: expect.any(String) }, secondary: expect.anything() },
      usageUpdatedAt: expect.any(String),
    });

    expect((await admin.call('POST', `/api/accounts/${id}/pause`)).body).toMatchObject({ account: { status: 'paused' } });
    expect((await admin.call('POST', `/api/accounts/${id}/reactivate`)).body).toMatchObject({ account: { status: 'active' } });
    expect((await admin.call('PUT', `/api/accounts/${id}/alias`, { body: { alias: '  spare  ' } })).body).toMatchObject({ account: { alias: 'spare' } });
    const routed = await admin.call('PUT', `/api/accounts/${id}/routing-policy`, { body: { routingPolicy: 'preserve' } });
    expect(routed.body).toMatchObject({ account: { routingPolicy: 'preserve' } });
    expect((await admin.call('PUT', `/api/accounts/${id}/routing-policy`, { body: { routingPolicy: 'sometimes' } })).status).toBe(422);
    expect((await admin.call('DELETE', `/api/accounts/${id}`)).status).toBe(204);
    expect((await admin.call('POST', `/api/accounts/${id}/pause`)).status).toBe(404);
  });

  it('shows an account a ChatGPTAccount manages as such and refuses to change its declared fields (409)', async () => {
    const id = await proxy.importAccount(fake.addAccount({ plan: 'plus' }));
    await proxy.dataLayer.accountAdmin.update(id, { managedBy: 'ChatGPTAccount team/alice' });
    const listed = (await admin.call('GET', '/api/accounts')).body.accounts as Array<Record<string, unknown>>;
    expect(listed.find((a) => a.id === id)).toMatchObject({ managedBy: 'ChatGPTAccount team/alice', readOnlyFields: ['alias', 'routingPolicy', 'paused'] });
    for (const [method, path, body] of [
      ['POST', `/api/accounts/${id}/pause`, undefined],
      ['PUT', `/api/accounts/${id}/alias`, { alias: 'x' }],
      ['PUT', `/api/accounts/${id}/routing-policy`, { routingPolicy: 'burn_first' }],
      ['DELETE', `/api/accounts/${id}`, undefined],
    ] as const) {
      const refused = await admin.call(method, path, { body });
      expect([path, refused.status, (refused.body.error as { code: string }).code]).toEqual([path, 409, 'managed_by_resource']);
    }
    // A marker left behind by a deleted resource can be let go; the fields are editable again.
    expect((await admin.call('DELETE', `/api/accounts/${id}/managed-by`)).body).toMatchObject({ account: { managedBy: null, readOnlyFields: [] } });
    expect((await admin.call('POST', `/api/accounts/${id}/pause`)).status).toBe(200);
    await admin.call('DELETE', `/api/accounts/${id}`);
  });

  it('puts every proxied request in the request log with its failure class, and in the overview', async () => {
    const a = fake.addAccount({ plan: 'pro' });
    await proxy.importAccount(a);
    const { key, apiKey } = await proxy.dataLayer.apiKeyAdmin.create({ name: 'ci' });
    expect((await ask(proxy, key)).status).toBe(200);
    fake.script(a.accountId, { kind: 'http_error', status: 400, body: { error: { code: 'invalid_request_error', message: 'bad <b>input</b>' } } });
    expect((await ask(proxy, anyKey)).status).toBe(400);

    await expect.poll(async () => ((await admin.call('GET', '/api/request-logs')).body.requests as unknown[]).length).toBe(2);
    const log = (await admin.call('GET', '/api/request-logs')).body;
    const [failed, served] = log.requests as Array<Record<string, unknown>>;
    expect(served).toMatchObject({ status: 'success', failureClass: null, apiKeyId: apiKey.id, apiKeyName: 'ci', accountEmail: a.email, model: 'gpt-5.4', tokens: expect.any(Number) });
    expect(failed).toMatchObject({ status: 'error', failureClass: 'fatal', errorCode: 'invalid_request_error', apiKeyName: 'any' });
    expect(log).toMatchObject({ total: 2, totalExact: true, hasMore: false });

    const byKey = (await admin.call('GET', `/api/request-logs?apiKeyId=${apiKey.id}`)).body.requests as unknown[];
    expect(byKey).toHaveLength(1);
    expect(((await admin.call('GET', '/api/request-logs?status=error&limit=1')).body.requests as unknown[]).length).toBe(1);
    const paged = (await admin.call('GET', '/api/request-logs?limit=1&offset=1')).body;
    expect(paged).toMatchObject({ hasMore: false, requests: [expect.objectContaining({ status: 'success' })] });
    expect((await admin.call('GET', '/api/request-logs?status=weird')).status).toBe(422);
    expect((await admin.call('GET', `/api/request-logs?since=${encodeURIComponent(new Date(Date.now() + 3600_000).toISOString())}`)).body.requests).toEqual([]);
    expect((await admin.call('GET', '/api/request-logs/options')).body).toMatchObject({ models: ['gpt-5.4'], statuses: ['success', 'error', 'cancelled'] });

    const overview = (await admin.call('GET', '/api/dashboard/overview?timeframe=1d')).body;
    expect(overview).toMatchObject({
      summary: { requests: 2, errorCount: 1, errorRate: 0.5 },
      topModels: [{ model: 'gpt-5.4', requests: 2 }],
      timeframe: { key: '1d', bucketCount: 24 },
    });
    const trends = overview.trends as Array<{ requests: number }>;
    expect(trends).toHaveLength(24);
    expect(trends.at(-1)?.requests).toBe(2);
    expect((await admin.call('GET', '/api/dashboard/overview?timeframe=2y')).status).toBe(422);

    const keys = (await admin.call('GET', '/api/api-keys')).body.apiKeys as Array<Record<string, unknown>>;
    expect(keys.find((k) => k.id === apiKey.id)).toMatchObject({ usage: { requestCount: 1, errorCount: 0 } });
  });

  it('creates an API key with limits, shows it once, and revokes it (the proxy refuses it from then on)', async () => {
    const created = await admin.call('POST', '/api/api-keys', {
      body: { name: 'team', limits: [{ limitType: 'total_tokens', limitWindow: 'daily', maxValue: 100000 }] },
    });
    expect(created.status).toBe(201);
    const key = String(created.body.key);
    const id = String((created.body.apiKey as { id: string }).id);
    const listed = (await admin.call('GET', '/api/api-keys')).body;
    expect(listed.usageDays).toBe(7);
    expect((listed.apiKeys as Array<Record<string, unknown>>).find((k) => k.id === id)).toMatchObject({ name: 'team', limits: [expect.objectContaining({ maxValue: 100000 })] });
    expect((await admin.call('PATCH', `/api/api-keys/${id}`, { body: { name: 'team-b' } })).body).toMatchObject({ apiKey: { name: 'team-b' } });
    expect((await admin.call('DELETE', `/api/api-keys/${id}`)).status).toBe(204);
    await expect(proxy.dataLayer.apiKeys.verify(`Bearer ${key}`)).rejects.toMatchObject({ code: 'invalid_api_key' });
  });

  it('changes routing settings at run time, with an optimistic version', async () => {
    const before = (await admin.call('GET', '/api/settings')).body;
    expect(before).toMatchObject({ values: { routingStrategy: 'capacity_weighted', stickyThreadsEnabled: true, preferEarlierResetAccounts: true }, pinned: {} });
    const changed = await admin.call('PUT', '/api/settings', { body: { routingStrategy: 'round_robin', stickyThreadsEnabled: false, expectedVersion: before.version } });
    expect(changed.body).toMatchObject({ values: { routingStrategy: 'round_robin', stickyThreadsEnabled: false }, version: Number(before.version) + 1 });
    expect(proxy.services.routing()).toMatchObject({ routingStrategy: 'round_robin', stickyThreadsEnabled: false });
    const stale = await admin.call('PUT', '/api/settings', { body: { routingStrategy: 'usage_weighted', expectedVersion: before.version } });
    expect([stale.status, (stale.body.error as { code: string }).code]).toEqual([409, 'settings_conflict']);
    expect((await admin.call('PUT', '/api/settings', { body: { routingStrategy: 'fastest' } })).status).toBe(422);
    expect((await admin.call('PUT', '/api/settings', { body: { unknownSetting: 1 } })).status).toBe(422);
    await admin.call('PUT', '/api/settings', { body: { routingStrategy: 'capacity_weighted', stickyThreadsEnabled: true } });
  });

  it('edits the firewall allow-list, which the proxy routes apply at once', async () => {
    await proxy.importAccount(fake.addAccount());
    expect((await admin.call('GET', '/api/firewall/ips')).body).toEqual({ mode: 'allow_all', entries: [], pinnedBy: null });
    expect((await admin.call('POST', '/api/firewall/ips', { body: { ipAddress: 'not an ip' } })).status).toBe(422);
    const listed = await admin.call('POST', '/api/firewall/ips', { body: { ipAddress: '10.1.0.0/16' } });
    expect(listed.body).toMatchObject({ mode: 'allowlist_active', entries: [{ ipAddress: '10.1.0.0/16' }] });
    const refused = await ask(proxy, anyKey);
    expect([refused.status, ((await refused.json()) as { error: { code: string } }).error.code]).toEqual([403, 'ip_forbidden']);
    // The dashboard itself stays reachable: the allow-list guards the proxy routes only.
    await admin.call('POST', '/api/firewall/ips', { body: { ipAddress: '127.0.0.1' } });
    expect((await ask(proxy, anyKey)).status).toBe(200);
    await admin.call('DELETE', '/api/firewall/ips/10.1.0.0%2F16');
    expect((await admin.call('DELETE', '/api/firewall/ips/127.0.0.1')).body).toMatchObject({ mode: 'allow_all' });
  });
});
