/**
 * The operator's admin API (OPERATOR-CONTRACT.md): bearer token from CODEX_LB_ADMIN_TOKEN_FILE
 * (absent → 404), accounts and API keys managed through it, secrets never echoed.
 */
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { json } from './support/clients.ts';
import { DATABASE_KINDS, Databases } from './support/databases.ts';
import { startProxy, type ProxyUnderTest } from './support/proxy-harness.ts';

const dbs = new Databases();
afterAll(() => dbs.stop());

describe.each(DATABASE_KINDS)('admin API (%s)', (kind) => {
  let fake: FakeUpstream;
  let proxy: ProxyUnderTest;
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'codexlb-admin-')), 'token');
  const token = 'admin-token-for-tests-0123456789';

  beforeAll(async () => {
    fake = await startFakeUpstream();
    proxy = await startProxy({ fake, databaseUrl: await dbs.fresh(kind), env: { CODEX_LB_ADMIN_TOKEN_FILE: tokenFile } });
  });
  afterAll(async () => {
    await proxy?.close();
    await fake?.close();
  });

  const admin = (path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<Response> =>
    fetch(`${proxy.url}/internal/admin${path}`, {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${init.token ?? token}`, 'content-type': 'application/json' },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });

  it('does not exist while the token file is absent (404), then wants exactly its token (401 otherwise)', async () => {
    rmSync(tokenFile, { force: true });
    const off = await admin('/accounts');
    expect([off.status, await json(off)]).toEqual([404, { error: { code: 'admin_api_disabled', message: 'Not found' } }]);
    writeFileSync(tokenFile, `${token}\n`);
    const wrong = await admin('/accounts', { token: 'nope' });
    expect([wrong.status, await json(wrong)]).toEqual([401, { error: { code: 'authentication_required', message: 'Missing or invalid admin token' } }]);
    expect((await admin('/accounts')).status).toBe(200);
  });

  it('imports, lists, updates and deletes accounts without ever returning tokens', async () => {
    writeFileSync(tokenFile, token);
    const upstream = fake.addAccount({ plan: 'pro' });
    const created = await admin('/accounts/import', { method: 'POST', body: { authJson: upstream.authJson() } });
    expect(created.status).toBe(201);
    const createdText = await created.text();
    for (const secret of [upstream.accessToken, upstream.refreshToken, upstream.idToken]) expect(createdText).not.toContain(secret);
    const { account } = JSON.parse(createdText) as { account: { id: string } };
    expect(account).toMatchObject({ chatgptAccountId: upstream.accountId, planType: 'pro', status: 'active', usage: { primary: null, secondary: null } });

    const paused = await json(await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { paused: true, alias: 'spare' } }));
    expect(paused).toMatchObject({ account: { status: 'paused', alias: 'spare' } });
    expect(((await json(await admin('/accounts'))).accounts as unknown[]).length).toBe(1);
    expect((await admin(`/accounts/${account.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await admin(`/accounts/${account.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('re-imports with 200 and an outcome; keepNewer never puts back a refresh token the proxy already rotated', async () => {
    writeFileSync(tokenFile, token);
    const upstream = fake.addAccount({ plan: 'plus' });
    const seed = upstream.authJson();
    const first = await admin('/accounts/import', { method: 'POST', body: { authJson: seed } });
    expect([first.status, ((await json(first)) as { outcome: string }).outcome]).toEqual([201, 'created']);
    const same = await admin('/accounts/import', { method: 'POST', body: { authJson: seed, onExisting: 'keepNewer' } });
    expect([same.status, await json(same)]).toEqual([200, expect.objectContaining({ outcome: 'kept' })]);
    const replaced = await admin('/accounts/import', { method: 'POST', body: { authJson: seed } });
    expect([replaced.status, ((await json(replaced)) as { outcome: string }).outcome]).toEqual([200, 'replaced']);
    const unknown = fake.addAccount().authJson();
    const lookup = await admin('/accounts/import', { method: 'POST', body: { authJson: unknown, onExisting: 'keep', createMissing: false } });
    expect([lookup.status, await json(lookup)]).toEqual([404, { error: { code: 'not_found', message: expect.stringContaining('not found') } }]);
    expect((await admin('/accounts/import', { method: 'POST', body: { authJson: seed, onExisting: 'never' } })).status).toBe(422);
  });

  it('answers the whole state (accounts and API keys) in one call, without secrets', async () => {
    writeFileSync(tokenFile, token);
    const { key } = (await json(await admin('/api-keys', { method: 'POST', body: { name: 'state' } }))) as { key: string };
    const upstream = fake.addAccount();
    await admin('/accounts/import', { method: 'POST', body: { authJson: upstream.authJson() } });
    const res = await admin('/state');
    const text = await res.text();
    for (const secret of [key, upstream.accessToken, upstream.refreshToken, upstream.idToken]) expect(text).not.toContain(secret);
    const state = JSON.parse(text) as { accounts: Array<{ chatgptAccountId: string }>; apiKeys: Array<{ name: string }> };
    expect(state.accounts.map((a) => a.chatgptAccountId)).toContain(upstream.accountId);
    expect(state.apiKeys.map((k) => k.name)).toContain('state');
  });

  it('rejects a bad auth.json with 400 invalid_auth_json and a bad update with 422', async () => {
    writeFileSync(tokenFile, token);
    const bad = await admin('/accounts/import', { method: 'POST', body: { authJson: { tokens: {} } } });
    expect(bad.status).toBe(400);
    expect(await json(bad)).toMatchObject({ error: { code: 'invalid_auth_json' } });
    const upstream = fake.addAccount();
    const { account } = (await json(await admin('/accounts/import', { method: 'POST', body: { authJson: upstream.authJson() } }))) as { account: { id: string } };
    expect((await admin(`/accounts/${account.id}`, { method: 'PATCH', body: { routingPolicy: 'yolo' } })).status).toBe(422);
  });

  it('creates API keys showing the key once, lists them without it, deletes them, and summarizes', async () => {
    writeFileSync(tokenFile, token);
    const created = await admin('/api-keys', { method: 'POST', body: { name: 'ci', allowedModels: ['gpt-5.4'] } });
    expect(created.status).toBe(201);
    const { apiKey, key } = (await json(created)) as { apiKey: { id: string; prefix: string }; key: string };
    expect(key).toMatch(/^sk-clb-/);
    expect(key.startsWith(apiKey.prefix)).toBe(true);
    const listed = await (await admin('/api-keys')).text();
    expect(listed).not.toContain(key);
    expect(listed).not.toMatch(/hash/i);
    const summary = await json(await admin('/internal-does-not-exist'));
    expect(summary).toMatchObject({ error: { code: 'not_found' } });
    expect(await json(await admin('/summary'))).toMatchObject({
      accounts: { total: expect.any(Number), active: expect.any(Number), paused: expect.any(Number) },
      apiKeys: { total: expect.any(Number) },
      schema: { revision: expect.any(String), atHead: true },
    });
    expect((await admin(`/api-keys/${apiKey.id}`, { method: 'DELETE' })).status).toBe(204);
  });
});
