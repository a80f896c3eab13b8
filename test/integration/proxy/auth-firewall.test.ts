/**
 * Who may use the proxy (reference/proxy-contract.md §9, §10): API keys on every proxy route and
 * WebSocket, the keyless local-only default, and the IP allow-list with X-Forwarded-For honoured
 * only from trusted proxies.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { openSocket } from '../../fakes/upstream-client.ts';
import { json, post } from './support/clients.ts';
import { DATABASE_KINDS, Databases } from './support/databases.ts';
import { startProxy, type ProxyUnderTest } from './support/proxy-harness.ts';
import { proxySuite } from './support/suite.ts';

const dbs = new Databases();
afterAll(() => dbs.stop());

const ask = (url: string, headers: Record<string, string> = {}): Promise<Response> => post(`${url}/v1/responses`, { model: 'gpt-5.4', input: 'who am i' }, headers);

describe.each(DATABASE_KINDS)('API keys (%s)', (kind) => {
  let fake: FakeUpstream;
  let proxy: ProxyUnderTest;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    proxy = await startProxy({ fake, databaseUrl: await dbs.fresh(kind), env: { CODEX_LB_API_KEY_AUTH_ENABLED: 'true' } });
    await proxy.importAccount(fake.addAccount({ plan: 'pro' }));
  });
  afterAll(async () => {
    await proxy?.close();
    await fake?.close();
  });

  const bearer = (key: string): Record<string, string> => ({ authorization: `Bearer ${key}` });

  it('rejects a request without a key, with an unknown key, an expired key or a deactivated key (401 invalid_api_key)', async () => {
    const expired = await proxy.dataLayer.apiKeyAdmin.create({ name: 'old', expiresAt: '2020-01-01T00:00:00Z' });
    const disabled = await proxy.dataLayer.apiKeyAdmin.create({ name: 'off' });
    await proxy.dataLayer.apiKeyAdmin.update(disabled.apiKey.id, { active: false });
    const cases: Array<[Record<string, string>, string]> = [
      [{}, 'Missing API key in Authorization header'],
      [bearer('sk-clb-not-a-real-key'), 'Invalid API key'],
      [bearer(expired.key), 'API key has expired'],
      [bearer(disabled.key), 'Invalid API key'],
    ];
    for (const [headers, message] of cases) {
      const res = await ask(proxy.url, headers);
      expect(res.status).toBe(401);
      expect(await json(res)).toEqual({ error: { message, type: 'authentication_error', code: 'invalid_api_key' } });
    }
  });

  it('serves a valid key, and records the key on the request log row', async () => {
    const { key, apiKey } = await proxy.dataLayer.apiKeyAdmin.create({ name: 'ok' });
    const res = await ask(proxy.url, bearer(key));
    expect(res.status).toBe(200);
    const body = await json(res);
    await expect
      .poll(async () => (await proxy.dataLayer.dataSource.query(`SELECT api_key_id FROM request_logs WHERE request_id = '${String(body.id)}'`)) as unknown[])
      .toEqual([{ api_key_id: apiKey.id }]);
  });

  it('refuses models outside the key allow-list (403 model_not_allowed) and lists only allowed models', async () => {
    const { key } = await proxy.dataLayer.apiKeyAdmin.create({ name: 'mini only', allowedModels: ['gpt-5.4-mini'] });
    const res = await ask(proxy.url, bearer(key));
    expect(res.status).toBe(403);
    expect(await json(res)).toEqual({ error: { message: "This API key does not have access to model 'gpt-5.4'", type: 'permission_error', code: 'model_not_allowed' } });
    const models = await json(await fetch(`${proxy.url}/v1/models`, { headers: bearer(key) }));
    expect((models.data as Array<{ id: string }>).map((m) => m.id)).toEqual(['gpt-5.4-mini']);
  });

  it('refuses a key whose limit is used up (429 rate_limit_exceeded) after settling real usage', async () => {
    const { key } = await proxy.dataLayer.apiKeyAdmin.create({ name: 'tiny', limits: [{ limitType: 'total_tokens', limitWindow: 'daily', maxValue: 1 }] });
    expect((await ask(proxy.url, bearer(key))).status).toBe(200);
    await expect.poll(async () => (await ask(proxy.url, bearer(key))).status).toBe(429);
    const refused = await json(await ask(proxy.url, bearer(key)));
    expect(refused).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: expect.stringMatching(/^API key total_tokens daily limit exceeded/) } });
  });

  it('authenticates WebSocket upgrades the same way', async () => {
    const refused = await openSocket(proxy.url, {});
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.status).toBe(401);
    const { key } = await proxy.dataLayer.apiKeyAdmin.create({ name: 'ws' });
    const admitted = await openSocket(proxy.url, bearer(key));
    expect(admitted.ok).toBe(true);
    if (admitted.ok) admitted.ws.close();
  });
});

describe('keyless default and the firewall', () => {
  const suite = proxySuite();

  async function start(env: Record<string, string>, allowed: string[] = []): Promise<ProxyUnderTest> {
    const proxy = await suite.start({ env, firewall: { allowed: async () => allowed } });
    await proxy.importAccount(suite.fake.addAccount());
    return proxy;
  }

  it('without key auth, serves local callers and refuses remote ones (401), unless their peer is exempt', async () => {
    const p = await start({ CODEX_LB_FIREWALL_TRUST_PROXY_HEADERS: 'true' });
    expect((await ask(p.url)).status).toBe(200);
    const remote = await ask(p.url, { 'x-forwarded-for': '203.0.113.5' });
    expect(remote.status).toBe(401);
    expect(await json(remote)).toMatchObject({ error: { code: 'invalid_api_key', message: 'Proxy authentication must be configured before remote access is allowed' } });
    await p.close();
    const exempt = await start({ CODEX_LB_FIREWALL_TRUST_PROXY_HEADERS: 'true', CODEX_LB_PROXY_UNAUTHENTICATED_CLIENT_CIDRS: '127.0.0.0/8' });
    expect((await ask(exempt.url, { 'x-forwarded-for': '203.0.113.5' })).status).toBe(200);
  });

  it('an active allow-list admits listed client IPs only, read from X-Forwarded-For when the peer is a trusted proxy', async () => {
    const p = await start(
      { CODEX_LB_FIREWALL_TRUST_PROXY_HEADERS: 'true', CODEX_LB_FIREWALL_TRUSTED_PROXY_CIDRS: '127.0.0.1/32,10.0.0.0/8', CODEX_LB_PROXY_UNAUTHENTICATED_CLIENT_CIDRS: '127.0.0.0/8' },
      ['203.0.113.9'],
    );
    expect((await ask(p.url, { 'x-forwarded-for': '203.0.113.9' })).status).toBe(200);
    expect((await ask(p.url, { 'x-forwarded-for': '203.0.113.9, 10.1.2.3' })).status).toBe(200);
    const denied = await ask(p.url, { 'x-forwarded-for': '198.51.100.1' });
    expect(denied.status).toBe(403);
    expect(await json(denied)).toEqual({ error: { message: 'Access denied for client IP', type: 'access_error', code: 'ip_forbidden' } });
    expect((await ask(p.url, { 'x-forwarded-for': 'not-an-ip, 10.1.2.3' })).status).toBe(403);
    expect((await ask(p.url, { 'x-forwarded-for': '203.0.113.9, 198.51.100.1' })).status).toBe(403);
    expect((await ask(p.url)).status).toBe(403);
    expect((await fetch(`${p.url}/health/ready`)).status).toBe(200);
  });

  it('reads the allow-list, CIDRs included, from CODEX_LB_FIREWALL_ALLOWLIST', async () => {
    const proxy = await suite.start({
      env: {
        CODEX_LB_FIREWALL_ALLOWLIST: '203.0.113.0/24,2001:db8::7',
        CODEX_LB_FIREWALL_TRUST_PROXY_HEADERS: 'true',
        CODEX_LB_PROXY_UNAUTHENTICATED_CLIENT_CIDRS: '127.0.0.0/8',
      },
    });
    await proxy.importAccount(suite.fake.addAccount());
    expect((await ask(proxy.url, { 'x-forwarded-for': '203.0.113.77' })).status).toBe(200);
    expect((await ask(proxy.url, { 'x-forwarded-for': '2001:db8::7' })).status).toBe(200);
    expect((await ask(proxy.url, { 'x-forwarded-for': '203.0.114.1' })).status).toBe(403);
  });

  it('ignores X-Forwarded-For unless forwarding headers are trusted', async () => {
    const p = await start({ CODEX_LB_PROXY_UNAUTHENTICATED_CLIENT_CIDRS: '127.0.0.0/8' }, ['203.0.113.9']);
    expect((await ask(p.url, { 'x-forwarded-for': '203.0.113.9' })).status).toBe(403);
  });

  it('firewalls WebSocket upgrades too', async () => {
    const p = await start({ CODEX_LB_PROXY_UNAUTHENTICATED_CLIENT_CIDRS: '127.0.0.0/8' }, ['203.0.113.9']);
    const opening = await openSocket(p.url, {});
    expect(!opening.ok && [opening.status, JSON.parse(opening.body).error.code]).toEqual([403, 'ip_forbidden']);
  });
});
