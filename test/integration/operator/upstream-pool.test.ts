/**
 * ChatGPTAccounts and CodexLBAPIKeys of a `proxy.flavor: Upstream` CodexLB, against the REAL official
 * codex-lb app (test/harness/upstream) on loopback, reached through the operator's out-of-cluster seam
 * (`--admin-endpoint`) as pool-support does for the bundled proxy. The app gets the operator's
 * `<n>-admin-token` as its CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN, as the pods do. The same controllers,
 * through the dashboard adapter: accounts are imported and shown in the official dashboard API with
 * their declared alias and pause, a new login in the Secret replaces the stored one, keys are issued into Secrets and usable, deletion removes both, and
 * the pool monitor makes the app enforce spec API-key auth and the firewall allow-list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashboardSession } from '../../../operator/controllers/pool/dashboard-session.ts';
import { UpstreamDashboardClient } from '../../../operator/controllers/pool/upstream-dashboard-client.ts';
import { waitFor } from '../../harness/process.ts';
import { startUpstreamApp, type UpstreamApp } from '../../harness/upstream/app.ts';
import { codexLB, get, waitForCondition } from './support.ts';
import { accountSpec, API, apiKey, authSecret, chatGPTAccount, startPoolEnv, waitForReady, waitForStatus, type PoolEnv } from './pool-support.ts';

const ns = 'upstream-pool';
const lbName = 'official';

describe('account and API-key controllers with the official codex-lb app', () => {
  let pool: PoolEnv;
  let app: UpstreamApp;
  let dashboard: UpstreamDashboardClient;

  beforeAll(async () => {
    pool = await startPoolEnv([ns]);
    await pool.env.cp.apply([codexLB(ns, lbName, { proxy: { flavor: 'Upstream' }, config: { apiKeyAuth: { enabled: true }, firewall: { allowlist: ['10.9.8.7'] } } })]);
    const tokenSecret = await waitFor(`Secret ${lbName}-admin-token`, () => get(pool.env.client, 'v1', 'Secret', ns, `${lbName}-admin-token`));
    const token = Buffer.from((tokenSecret.data as Record<string, string>).token ?? '', 'base64').toString('utf8');
    app = await startUpstreamApp({ upstreamUrl: pool.fake.url, env: { CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN: token } });
    pool.endpoints.set(`${ns}/${lbName}`, app.url);
    await waitForCondition(pool.env.client, ns, lbName, 'Ready', 'True');
    // What an administrator does with the dashboard password the operator set: the token in the Secret.
    dashboard = new UpstreamDashboardClient({ baseUrl: app.url, token, tokenSource: 'test', session: new DashboardSession() });
  });
  afterAll(async () => {
    await app?.stop();
    await pool?.stop();
  });

  it('imports a ChatGPTAccount into the official app, with the declared alias and pause, and its usage in status', async () => {
    const alice = pool.fake.addAccount({ plan: 'pro', email: 'alice@example.test' });
    pool.fake.setUsage(alice.accountId, { primary: { usedPercent: 40 } });
    await pool.env.cp.apply([authSecret(ns, 'alice-auth', alice.authJson()), chatGPTAccount(ns, 'alice', accountSpec(lbName, 'alice-auth', { alias: 'Alice', paused: true }))]);
    const cr = await waitForReady(pool.env.client, 'ChatGPTAccount', ns, 'alice', 'Paused', 60_000);
    expect(cr.status).toMatchObject({ email: 'alice@example.test', planType: 'pro', state: 'paused', usage: { primary: { usedPercent: 40, windowMinutes: 300 } } });
    const listed = (await dashboard.state()).accounts;
    expect(listed).toEqual([expect.objectContaining({ id: cr.status.accountId, chatgptAccountId: alice.accountId, alias: 'Alice', status: 'paused' })]);

    await pool.env.client.mergePatch({ apiVersion: API, kind: 'ChatGPTAccount', namespace: ns, name: 'alice' }, { spec: { paused: false } });
    await waitForReady(pool.env.client, 'ChatGPTAccount', ns, 'alice', 'Imported');
    expect((await dashboard.state()).accounts[0]).toMatchObject({ status: 'active', alias: 'Alice' });

    // A new `codex login` put into the Secret replaces the stored tokens of the same account (no side-by-side copy).
    const imported = (await get(pool.env.client, API, 'ChatGPTAccount', ns, 'alice'))?.status.importedSecretHash;
    await pool.env.cp.apply([authSecret(ns, 'alice-auth', pool.fake.login(alice.accountId).authJson())]);
    const reimported = await waitForStatus(pool.env.client, 'ChatGPTAccount', ns, 'alice', 'the new login imported', (o) => o.status?.importedSecretHash !== imported);
    expect(reimported.status.accountId).toBe(cr.status.accountId);
    expect((await dashboard.state()).accounts.map((a) => a.id)).toEqual([cr.status.accountId]);

    await pool.env.client.delete({ apiVersion: API, kind: 'ChatGPTAccount', namespace: ns, name: 'alice' });
    await waitFor('alice gone from the official app', async () => ((await dashboard.state()).accounts.length === 0 ? true : undefined));
  });

  it('issues a CodexLBAPIKey into its Secret, keeps its limits as declared, and revokes it on deletion', async () => {
    await pool.env.cp.apply([apiKey(ns, 'team', { codexLBRef: { name: lbName }, secret: { name: 'team-key' }, limits: [{ type: 'cost_usd', window: 'weekly', max: 12.5 }] })]);
    const cr = await waitForReady(pool.env.client, 'CodexLBAPIKey', ns, 'team', 'KeyIssued', 60_000);
    const keySecret = await get(pool.env.client, 'v1', 'Secret', ns, 'team-key');
    const key = Buffer.from((keySecret?.data as Record<string, string>)['api-key'] ?? '', 'base64').toString('utf8');
    const listed = (await dashboard.state()).apiKeys.find((k) => k.id === cr.status.keyId);
    expect(listed).toMatchObject({ prefix: cr.status.prefix, limits: [{ limitType: 'cost_usd', limitWindow: 'weekly', maxValue: 12_500_000 }] });
    expect(key.startsWith(cr.status.prefix)).toBe(true);

    await pool.env.client.delete({ apiVersion: API, kind: 'CodexLBAPIKey', namespace: ns, name: 'team' });
    await waitFor('team key revoked in the official app', async () => ((await dashboard.state()).apiKeys.some((k) => k.id === cr.status.keyId) ? undefined : true));
  });

  it('makes the official app enforce spec API-key auth and the firewall allow-list, and reports the app and its version', async () => {
    const lb = await waitForStatus(pool.env.client, 'CodexLB', ns, lbName, 'settings applied', (o) => o.status?.proxy?.settingsApplied === true);
    expect(lb.status.proxy).toMatchObject({ flavor: 'Upstream', version: '1.24.0' });
    expect(await dashboard.installationSettings()).toEqual({ apiKeyAuthEnabled: true, firewallAllowlist: ['10.9.8.7'] });
  });
});
