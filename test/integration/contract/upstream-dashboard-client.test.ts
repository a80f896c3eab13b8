/**
 * The operator's dashboard client (operator/controllers/pool/upstream-dashboard-client.ts) against the
 * real official codex-lb app (the local runner of test/harness/upstream), pointed at the fake upstream:
 * every PoolAdmin call the controllers make is one the app serves, its answers map to the operator's
 * pool shapes, the installation settings upstream keeps in its database are applied, and each way a
 * call fails is classified as the controllers report it.
 *
 * The client reaches the app under a non-local host name (a dispatcher that connects to the loopback
 * port), so the app treats it as the remote caller the operator is in a cluster: the first password
 * can only be set with the bootstrap token.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, buildConnector, request } from 'undici';
import { AdminApiError } from '../../../operator/controllers/pool/admin-http.ts';
import { DashboardSession, fingerprint } from '../../../operator/controllers/pool/dashboard-session.ts';
import { problemOf } from '../../../operator/controllers/pool/problems.ts';
import { UpstreamDashboardClient } from '../../../operator/controllers/pool/upstream-dashboard-client.ts';
import { startFakeUpstream, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { freePort } from '../../harness/ports.ts';
import { startUpstreamApp, type UpstreamApp } from '../../harness/upstream/app.ts';

/** As the CodexLB controller generates it into `<n>-admin-token`. */
const token = randomBytes(32).toString('hex');
const HOST = 'codexlb.upstream.test';

describe('operator dashboard client against the official codex-lb app', () => {
  let fake: FakeUpstream;
  let app: UpstreamApp;
  let remote: Agent;
  let baseUrl: string;
  const calls: string[] = [];
  const session = new DashboardSession();
  const client = (opts: { token?: string; session?: DashboardSession } = {}) =>
    new UpstreamDashboardClient({
      baseUrl,
      token: opts.token ?? token,
      tokenSource: 'Secret "lb-admin-token" (key token)',
      session: opts.session ?? session,
      dispatcher: remote,
      observe: (op, code) => calls.push(`${op} ${code}`),
    });

  beforeAll(async () => {
    fake = await startFakeUpstream();
    app = await startUpstreamApp({ upstreamUrl: fake.url, env: { CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN: token } });
    const port = new URL(app.url).port;
    const connect = buildConnector({});
    // Any host name → the app's loopback port: the Host header stays the name, which the app does not treat as local.
    remote = new Agent({ connect: (opts, callback) => connect({ ...opts, hostname: '127.0.0.1', servername: undefined }, callback) });
    baseUrl = `http://${HOST}:${port}`;
  });
  afterAll(async () => {
    await remote?.close();
    await app?.stop();
    await fake?.close();
  });

  const dashboardSession = async () => {
    const res = await request(`${baseUrl}/api/dashboard-auth/session`, { dispatcher: remote });
    return (await res.body.json()) as { passwordRequired: boolean; bootstrapRequired: boolean };
  };

  it('refuses a token that is not the bootstrap token, and leaves the password unset', async () => {
    const wrong = await client({ token: 'not-the-bootstrap-token-0123456789', session: new DashboardSession() })
      .state()
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(AdminApiError);
    expect(wrong).toMatchObject({ kind: 'unauthorized', code: 'invalid_bootstrap_token' });
    expect((wrong as Error).message).toContain('CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN is not the token in Secret "lb-admin-token"');
    expect((wrong as Error).message).not.toContain('not-the-bootstrap-token');
    expect(await dashboardSession()).toMatchObject({ passwordRequired: false, bootstrapRequired: true });
  });

  it('sets the dashboard password with the bootstrap token, logs in, and keeps the session for later clients', async () => {
    expect(await client().state()).toEqual({ version: '1.24.0', accounts: [], apiKeys: [] });
    expect(await dashboardSession()).toMatchObject({ passwordRequired: true });
    calls.length = 0;
    await client().state();
    expect(calls.filter((c) => c.startsWith('login'))).toEqual([]);
    // A new operator process (no session) logs in with the password it set.
    const fresh = new DashboardSession();
    await client({ session: fresh }).state();
    expect(calls).toContain('login 200');
    expect(fresh.current(fingerprint(token))).toBeDefined();
  });

  it('logs in again when the app refuses a session cookie', async () => {
    const stale = new DashboardSession();
    await stale.open(fingerprint(token), async () => ({ value: 'gAAAAABstale', expiresAt: Date.now() + 3_600_000 }));
    expect((await client({ session: stale }).state()).accounts).toEqual([]);
    expect(stale.current(fingerprint(token))).not.toBe('gAAAAABstale');
  });

  it('imports an auth.json with usage mapped, keeps newer tokens, replaces in place, patches and deletes accounts', async () => {
    const upstream = fake.addAccount({ plan: 'pro' });
    fake.setUsage(upstream.accountId, { primary: { usedPercent: 25 } });
    const admin = client();
    const first = await admin.importAccount(upstream.authJson(), { onExisting: 'keepNewer', createMissing: true });
    expect(first).toMatchObject({ outcome: 'created', account: { chatgptAccountId: upstream.accountId, email: upstream.email, status: 'active', planType: 'pro' } });
    const listed = (await admin.state()).accounts.find((a) => a.id === first.account.id);
    expect(listed?.usage.primary).toMatchObject({ usedPercent: 25, windowMinutes: 300 });

    expect((await admin.importAccount(upstream.authJson(), { onExisting: 'keepNewer', createMissing: true })).outcome).toBe('kept');
    expect((await admin.importAccount(upstream.authJson(), { onExisting: 'keep', createMissing: false })).outcome).toBe('kept');

    // A new `codex login` of the same account: the stored account is replaced, not copied beside it.
    const relogged = fake.login(upstream.accountId);
    const replaced = await admin.importAccount(relogged.authJson(), { onExisting: 'replace', createMissing: true });
    expect(replaced).toMatchObject({ outcome: 'replaced', account: { id: first.account.id } });
    expect((await admin.state()).accounts).toHaveLength(1);

    const patched = await admin.updateAccount(first.account.id, { alias: 'contract', routingPolicy: 'preserve', paused: true });
    expect(patched).toMatchObject({ alias: 'contract', routingPolicy: 'preserve', status: 'paused' });
    expect(await admin.updateAccount(first.account.id, { paused: false, alias: null })).toMatchObject({ alias: null, status: 'active' });

    expect(await admin.deleteAccount(first.account.id)).toBe(true);
    expect((await admin.state()).accounts).toEqual([]);
    expect(await admin.deleteAccount(first.account.id)).toBe(false);
    const missing = await admin.importAccount(upstream.authJson(), { onExisting: 'keep', createMissing: false }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ kind: 'rejected', code: 'not_found' });

    const invalid = await admin.importAccount({ tokens: {} }, { onExisting: 'replace', createMissing: true }).catch((e: unknown) => e);
    expect(invalid).toMatchObject({ kind: 'rejected', status: 400, code: 'invalid_auth_json' });
  });

  it('creates an API key (its plaintext once), updates its limits in micro-dollars, deletes it', async () => {
    const admin = client();
    const created = await admin.createApiKey({
      name: 'contract',
      allowedModels: ['gpt-5.4'],
      limits: [{ limitType: 'cost_usd', limitWindow: 'weekly', maxValue: 12_500_000, modelFilter: null }],
      expiresAt: null,
    });
    expect(created.key.startsWith(created.apiKey.prefix)).toBe(true);
    expect(created.apiKey).toMatchObject({ name: 'contract', active: true, limits: [{ limitType: 'cost_usd', maxValue: 12_500_000, currentValue: 0 }] });
    expect(JSON.stringify(await admin.state())).not.toContain(created.key);

    const updated = await admin.updateApiKey(created.apiKey.id, {
      allowedModels: null,
      limits: [{ limitType: 'total_tokens', limitWindow: 'daily', maxValue: 50_000, modelFilter: null }],
    });
    expect(updated).toMatchObject({ allowedModels: null, limits: [{ limitType: 'total_tokens', limitWindow: 'daily', maxValue: 50_000 }] });
    expect(await admin.deleteApiKey(created.apiKey.id)).toBe(true);
    expect(await admin.deleteApiKey(created.apiKey.id)).toBe(false);
  });

  it('applies API-key auth and the firewall allow-list, changing only what differs', async () => {
    const admin = client();
    const want = { apiKeyAuthEnabled: true, firewallAllowlist: ['10.1.2.3', '10.1.2.4/32'] };
    expect(await admin.applyInstallationSettings(want)).toMatchObject({ addIps: ['10.1.2.3', '10.1.2.4'], removeIps: [] });
    expect(await admin.installationSettings()).toEqual({ apiKeyAuthEnabled: true, firewallAllowlist: ['10.1.2.3', '10.1.2.4'] });
    expect(await admin.applyInstallationSettings(want)).toEqual({ addIps: [], removeIps: [] });
    expect(await admin.applyInstallationSettings({ apiKeyAuthEnabled: false, firewallAllowlist: [] })).toEqual({
      apiKeyAuthEnabled: false,
      addIps: [],
      removeIps: ['10.1.2.3', '10.1.2.4'],
    });
    const cidr = await admin.applyInstallationSettings({ apiKeyAuthEnabled: false, firewallAllowlist: ['10.0.0.0/8'] }).catch((e: unknown) => e);
    expect(cidr).toMatchObject({ kind: 'rejected', code: 'unsupported_setting', message: expect.stringContaining('10.0.0.0/8') });
  });

  it('reports a password an administrator changed as unauthorized, says what to do, and does not retry at once', async () => {
    const other = 'an-administrators-own-password';
    const change = async (from: string, to: string) => {
      const cookie = session.current(fingerprint(token));
      const res = await request(`${baseUrl}/api/dashboard-auth/password/change`, {
        method: 'POST',
        dispatcher: remote,
        headers: { 'content-type': 'application/json', cookie: `codex_lb_dashboard_session=${cookie}` },
        body: JSON.stringify({ currentPassword: from, newPassword: to }),
      });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
    };
    await change(token, other);
    try {
      calls.length = 0;
      const restarted = new DashboardSession();
      const refused = await client({ session: restarted }).state().catch((e: unknown) => e);
      expect(refused).toMatchObject({ kind: 'unauthorized', status: 401, code: 'invalid_credentials' });
      expect((refused as Error).message).toContain('an administrator changed it');
      expect((refused as Error).message).not.toContain(token);
      expect(problemOf(refused)).toMatchObject({ reason: 'AdminAPIUnreachable' });
      const attempts = calls.length;
      expect(await client({ session: restarted }).state().catch((e: unknown) => e)).toBe(refused);
      expect(calls).toHaveLength(attempts);
    } finally {
      await change(other, token);
    }
  });

  it('reports an app that does not answer as unreachable', async () => {
    const down = new UpstreamDashboardClient({ baseUrl: `http://127.0.0.1:${await freePort()}`, token, tokenSource: 'x', session: new DashboardSession() });
    const unreachable = await down.state().catch((e: unknown) => e);
    expect(unreachable).toMatchObject({ kind: 'unreachable' });
    expect(problemOf(unreachable)).toMatchObject({ reason: 'AdminAPIUnreachable' });
  });
});

describe('operator dashboard client against an official app run without dashboard auth', () => {
  let fake: FakeUpstream;
  let app: UpstreamApp;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    app = await startUpstreamApp({ upstreamUrl: fake.url, env: { CODEX_LB_DASHBOARD_AUTH_MODE: 'disabled', CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN: token } });
  });
  afterAll(async () => {
    await app?.stop();
    await fake?.close();
  });

  it('calls it without setting a password or logging in', async () => {
    const calls: string[] = [];
    const admin = new UpstreamDashboardClient({ baseUrl: app.url, token, tokenSource: 'x', session: new DashboardSession(), observe: (op, code) => calls.push(`${op} ${code}`) });
    const created = await admin.createApiKey({ name: 'open', allowedModels: null, limits: [], expiresAt: null });
    expect((await admin.state()).apiKeys.map((k) => k.id)).toEqual([created.apiKey.id]);
    expect(calls.filter((c) => c.startsWith('login'))).toEqual(['login 200']);
    const session = (await (await request(`${app.url}/api/dashboard-auth/session`)).body.json()) as { passwordRequired: boolean; authMode: string };
    expect(session).toMatchObject({ passwordRequired: false, authMode: 'disabled' });
  });
});
