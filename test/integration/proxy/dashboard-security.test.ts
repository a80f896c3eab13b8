/**
 * Dashboard security (issue 10, acceptance 3; proxy/dashboard/README.md "Security"): who gets a session, the
 * cookie's flags, CSRF on every write, browser origins, and what the API never answers — account tokens, API keys
 * beyond the one-time display, the admin token. Against the real proxy on SQLite and PostgreSQL.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { post } from './support/clients.ts';
import { DashboardClient } from './support/dashboard-client.ts';
import { DATABASE_KINDS, Databases } from './support/databases.ts';
import { startProxy, type ProxyUnderTest } from './support/proxy-harness.ts';

const dbs = new Databases();
afterAll(() => dbs.stop());

const BOOTSTRAP = 'bootstrap-token-for-tests-0123456789';
const PASSWORD = 'correct horse battery staple';
const ADMIN_TOKEN = 'admin-token-for-dashboard-tests-0123456789';

describe.each(DATABASE_KINDS)('dashboard security (%s)', (kind) => {
  let fake: FakeUpstream;
  let proxy: ProxyUnderTest;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    const dataDir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'codexlb-dash-'));
    const tokenFile = join(dataDir, 'admin-token');
    writeFileSync(tokenFile, ADMIN_TOKEN);
    proxy = await startProxy({
      fake,
      databaseUrl: await dbs.fresh(kind),
      env: { CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN: BOOTSTRAP, CODEX_LB_ADMIN_TOKEN_FILE: tokenFile },
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await fake?.close();
  });

  it('before a password exists: a local caller gets a session without credentials, a remote one must bootstrap (401)', async () => {
    const remote = new DashboardClient(proxy.url, { host: 'dash.example.com' });
    const described = await remote.session();
    expect(described.body).toMatchObject({ authenticated: false, bootstrapRequired: true, bootstrapTokenConfigured: true });
    expect(described.body).not.toHaveProperty('csrfToken');
    const refused = await remote.call('GET', '/api/accounts');
    expect([refused.status, refused.body]).toEqual([401, { error: { code: 'bootstrap_required', message: expect.any(String) } }]);

    const local = new DashboardClient(proxy.url);
    const opened = await local.session();
    expect(opened.body).toMatchObject({ authenticated: true, authMethod: 'local', csrfToken: expect.any(String) });
    expect((await local.call('GET', '/api/accounts')).status).toBe(200);
  });

  it('sets the session cookie HttpOnly, SameSite=Strict, Path=/, and Secure only behind https', async () => {
    const local = new DashboardClient(proxy.url);
    const { headers } = await local.session();
    const cookie = String(headers['set-cookie']);
    expect(cookie).toMatch(/^codex_lb_dashboard_session=[A-Za-z0-9_-]{43}; /);
    expect(cookie.split('; ')).toEqual(expect.arrayContaining(['Path=/', 'HttpOnly', 'SameSite=Strict']));
    expect(cookie).not.toContain('Secure');
    expect(cookie).toMatch(/Max-Age=\d+/);
  });

  it('refuses a write without the CSRF token or with another session\'s token (403), accepts the session\'s own', async () => {
    const local = new DashboardClient(proxy.url);
    await local.session();
    const other = new DashboardClient(proxy.url);
    await other.session();
    const body = { name: 'csrf probe' };
    const missing = await local.call('POST', '/api/api-keys', { body, csrf: null });
    expect([missing.status, missing.body]).toEqual([403, { error: { code: 'csrf_failed', message: 'Missing or invalid X-CSRF-Token header' } }]);
    expect((await local.call('POST', '/api/api-keys', { body, csrf: other.csrfToken })).status).toBe(403);
    expect((await local.call('POST', '/api/api-keys', { body, csrf: 'x'.repeat(43) })).status).toBe(403);
    const ok = await local.call('POST', '/api/api-keys', { body });
    expect(ok.status).toBe(201);
    expect((await local.call('DELETE', `/api/api-keys/${String((ok.body.apiKey as { id: string }).id)}`)).status).toBe(204);
  });

  it('refuses a write from another site\'s page (Origin), whatever cookie and token it carries', async () => {
    const local = new DashboardClient(proxy.url);
    await local.session();
    const crossSite = await local.call('POST', '/api/api-keys', { body: { name: 'x' }, origin: 'https://evil.example' });
    expect([crossSite.status, (crossSite.body.error as { code: string }).code]).toEqual([403, 'origin_not_allowed']);
    const nullOrigin = await local.call('POST', '/api/api-keys', { body: { name: 'x' }, origin: 'null' });
    expect(nullOrigin.status).toBe(403);
  });

  it('answers 401 on every /api route without a session, and reads no anonymous upload', async () => {
    const anonymous = new DashboardClient(proxy.url, { host: 'dash.example.com' });
    for (const [method, path] of [
      ['GET', '/api/accounts'],
      ['GET', '/api/dashboard/overview'],
      ['GET', '/api/request-logs'],
      ['GET', '/api/api-keys'],
      ['GET', '/api/settings'],
      ['GET', '/api/firewall/ips'],
      ['POST', '/api/oauth/start'],
      ['POST', '/api/accounts/import'],
      ['DELETE', '/api/accounts/x'],
      ['GET', '/api/no-such-route'],
    ] as const) {
      const answer = await anonymous.call(method, path, method === 'GET' ? {} : { body: { authJson: 'x'.repeat(4 * 1024 * 1024) } });
      expect([method, path, answer.status]).toEqual([method, path, 401]);
      expect(answer.headers['cache-control']).toBe('no-store');
    }
  });

  it('never answers an account token, the admin token or a stored API key; the new key only once', async () => {
    const local = new DashboardClient(proxy.url);
    await local.session();
    const upstream = fake.addAccount({ plan: 'pro' });
    const imported = await local.call('POST', '/api/accounts/import', { body: { authJson: upstream.authJson() } });
    expect(imported.status).toBe(201);
    const created = await local.call('POST', '/api/api-keys', { body: { name: 'once' } });
    const key = String(created.body.key);
    expect(key).toMatch(/^sk-clb-/);
    const turn = await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'hello' });
    expect(turn.status).toBe(200);

    const texts = [imported.text];
    for (const path of ['/api/accounts', '/api/api-keys', '/api/dashboard/overview', '/api/request-logs', '/api/request-logs/options', '/api/settings', '/api/dashboard-auth/session']) {
      const answer = await local.call('GET', path);
      expect([path, answer.status]).toEqual([path, 200]);
      texts.push(answer.text);
    }
    for (const text of texts) {
      for (const secret of [upstream.accessToken, upstream.refreshToken, upstream.idToken, key, ADMIN_TOKEN, BOOTSTRAP]) expect(text).not.toContain(secret);
    }
    const listed = (await local.call('GET', '/api/api-keys')).body.apiKeys as Array<Record<string, unknown>>;
    const shown = listed.find((k) => k.name === 'once');
    expect(shown?.prefix).toEqual(expect.any(String));
    expect(key.startsWith(String(shown?.prefix))).toBe(true);
  });

  it('stores markup in an alias as text and serves it back as a JSON string', async () => {
    const local = new DashboardClient(proxy.url);
    await local.session();
    const id = await proxy.importAccount(fake.addAccount({ plan: 'plus' }));
    const alias = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    const set = await local.call('PUT', `/api/accounts/${id}/alias`, { body: { alias } });
    expect(set.status).toBe(200);
    expect(set.headers['content-type']).toBe('application/json; charset=utf-8');
    const listed = (await local.call('GET', '/api/accounts')).body.accounts as Array<{ id: string; alias: string }>;
    expect(listed.find((a) => a.id === id)?.alias).toBe(alias);
  });

  it('once a password is set: remote setup needs the bootstrap token, local sessions end, login opens a password session', async () => {
    const local = new DashboardClient(proxy.url);
    await local.session();
    const remote = new DashboardClient(proxy.url, { host: 'dash.example.com' });
    const wrong = await remote.call('POST', '/api/dashboard-auth/password/setup', { body: { password: PASSWORD, bootstrapToken: 'nope' } });
    expect([wrong.status, (wrong.body.error as { code: string }).code]).toEqual([401, 'invalid_bootstrap_token']);
    const setup = await remote.call('POST', '/api/dashboard-auth/password/setup', { body: { password: PASSWORD, bootstrapToken: BOOTSTRAP } });
    expect([setup.status, setup.body.authMethod]).toEqual([200, 'password']);
    expect(setup.text).not.toContain(PASSWORD);

    // The session the local caller opened without a password no longer holds.
    expect((await local.call('GET', '/api/accounts')).status).toBe(401);
    const fresh = new DashboardClient(proxy.url);
    expect((await fresh.session()).body).toMatchObject({ authenticated: false, passwordRequired: true });
    expect((await fresh.call('GET', '/api/accounts')).status).toBe(401);
    const bad = await fresh.call('POST', '/api/dashboard-auth/password/login', { body: { password: 'wrong password' } });
    expect([bad.status, (bad.body.error as { code: string }).code]).toEqual([401, 'invalid_credentials']);
    const good = await fresh.call('POST', '/api/dashboard-auth/password/login', { body: { password: PASSWORD } });
    expect(good.status).toBe(200);
    fresh.csrfToken = String(good.body.csrfToken);
    expect((await fresh.call('GET', '/api/accounts')).status).toBe(200);

    const out = await fresh.call('POST', '/api/dashboard-auth/logout');
    expect(out.status).toBe(204);
    expect(String(out.headers['set-cookie'])).toContain('Max-Age=0');
    expect((await fresh.call('GET', '/api/accounts')).status).toBe(401);
    // The remote caller who set the password holds a password session on the real name, too.
    remote.csrfToken = String(setup.body.csrfToken);
    expect((await remote.call('GET', '/api/accounts')).status).toBe(200);
  });

  it('throttles password guessing: after 10 wrong passwords a client waits (429 with Retry-After)', async () => {
    const guesser = new DashboardClient(proxy.url, { host: 'dash.example.com' });
    for (let i = 0; i < 10; i++) {
      expect((await guesser.call('POST', '/api/dashboard-auth/password/login', { body: { password: `guess number ${i}` } })).status).toBe(401);
    }
    const throttled = await guesser.call('POST', '/api/dashboard-auth/password/login', { body: { password: PASSWORD } });
    expect([throttled.status, (throttled.body.error as { code: string }).code]).toEqual([429, 'rate_limited']);
    expect(Number(throttled.headers['retry-after'])).toBeGreaterThan(0);
  });
});
