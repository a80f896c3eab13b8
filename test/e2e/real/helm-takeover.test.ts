/**
 * docs/migrate-from-helm.md on real pods: an installation made by the official chart (its objects and migration
 * hook Job, its Secret with the `postgresql+asyncpg://` URL and the Fernet key, two pods of the official codex-lb
 * image 1.24.0 on a real PostgreSQL) whose user set a dashboard password and added an account and an API key
 * through the dashboard API, is taken over by the CodexLB the document shows (`proxy.flavor: Upstream`), following
 * its steps. While the chart's objects exist the CodexLB reports the name it will not take and changes nothing;
 * once the dashboard is handed over and the chart uninstalled (its Secret kept), the operator runs the same app on
 * the same database with the same key: the same API key is served on the same account through the same Service,
 * the operator reads the pool, and the dashboard password is the operator's token.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLAVOR_IMAGES } from '../../../operator/api/codexlb-proxy.ts';
import { DashboardSession } from '../../../operator/controllers/pool/dashboard-session.ts';
import { UpstreamDashboardClient } from '../../../operator/controllers/pool/upstream-dashboard-client.ts';
import type { AccountCredentials } from '../../fakes/fake-upstream.ts';
import { waitFor } from '../../harness/process.ts';
import { condition, waitForCondition } from '../../integration/operator/support.ts';
import { codexExec } from '../proxy/support/codex-cli.ts';
import { adminToken, withFakeUpstream } from './support/codexlb.ts';
import { helmUninstall, migrationHookJob, MIGRATION_HOOK_JOB, officialChartRelease, RELEASE, type ChartInstall } from './support/official-chart.ts';
import { poolState } from './support/pool.ts';
import { getCodexLB, portForward, repoRoot, startRealEnv, type RealEnv } from './support/real-env.ts';

const ns = 'codex';
const UPSTREAM_VERSION = FLAVOR_IMAGES.Upstream.tag ?? '';
const IMAGE = `${FLAVOR_IMAGES.Upstream.repository}:${UPSTREAM_VERSION}`;

/** The document's shell steps and its CodexLB, read from the page itself so the two cannot drift apart. */
const doc = await readFile(join(repoRoot, 'docs/migrate-from-helm.md'), 'utf8');
const blocks = [...doc.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, text: m[2]!.replace(/^ {3}/gm, '') }));
const codexLBManifest = parseAllDocuments(blocks.find((b) => b.lang === 'yaml' && /kind: CodexLB/.test(b.text))!.text)[0]!.toJS() as { spec: Record<string, any> } & Record<string, any>;
/** Every line of the shell blocks, comments removed. */
const shellLines = blocks
  .filter((b) => b.lang === 'sh')
  .flatMap((b) => b.text.split('\n'))
  .map((line) => line.replace(/\s+#.*$/, '').trim());
const kubectlSteps = shellLines.filter((line) => line.startsWith('kubectl '));
/** Step 4's dashboard calls: the request body and the two curl calls, run as written with a shell and curl. */
const dashboardHandover = shellLines.filter((line) => line.startsWith('BODY=') || line.startsWith('curl '));

type Json = Record<string, any>;

describe('taking over an official-chart installation of the official app (docs/migrate-from-helm.md)', () => {
  let env: RealEnv;
  let account: AccountCredentials;
  let apiKey: string;
  let dashboardPassword: string;
  let bootstrapToken: string;
  let chartSecret: { data: Record<string, string>; metadata: Json };

  /** Runs one of the document's kubectl lines (up to a pipe; the `$(date +%s)` substitution and shell quotes done here). */
  const step = (pattern: RegExp) => {
    const line = kubectlSteps.find((l) => pattern.test(l));
    if (!line) throw new Error(`docs/migrate-from-helm.md has no kubectl step matching ${pattern}`);
    const args = line
      .split(' | ')[0]!
      .replace('"$(date +%s)"', String(Date.now()))
      .split(/\s+/)
      .slice(1)
      .filter((a) => a !== '>' && !a.endsWith('.yaml'))
      .map((a) => a.replace(/'([^']*)'/g, '$1')); // the shell's single quotes
    return env.kubectl(...args);
  };
  /** A Codex CLI turn with the chart-era API key through the Service `codex-lb`. */
  const ask = async (prompt: string) => {
    const run = await codexExec({ baseUrl: await env.serviceURL(ns, RELEASE), prompt, apiKey });
    expect(run.code, run.output).toBe(0);
    return run.stdout;
  };
  const dashboard = async (path: string, init?: RequestInit) => fetch(`${await env.serviceURL(ns, RELEASE)}/api/dashboard-auth/${path}`, init);
  const post = (path: string, body: unknown) => dashboard(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const login = (password: string) => post('password/login', { password });
  const fail = async (err: Error): Promise<never> => {
    throw new Error(`${err.message}\n${await env.diagnostics(ns)}`);
  };

  beforeAll(async () => {
    env = await startRealEnv();
    const pg = await env.postgres();
    await env.kubectl('create', 'namespace', ns);
    await env.kubectl('label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted');
    // The chart renders no bootstrap token: its users pass one with extraEnv (reference §1.1.4), from a Secret of theirs.
    bootstrapToken = randomBytes(24).toString('base64url');
    await env.kubectl('create', 'secret', 'generic', 'codex-lb-dashboard-bootstrap', '-n', ns, `--from-literal=token=${bootstrapToken}`);
    const install: ChartInstall = {
      namespace: ns,
      image: IMAGE,
      databaseUrl: (await pg.createDatabase('chart')).replace(/^postgresql:/, 'postgresql+asyncpg:'),
      encryptionKey: `${randomBytes(32).toString('base64url')}=`,
      upstreamBaseUrl: `${env.fake.url}/backend-api`,
      extraEnv: [
        { name: 'CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN', valueFrom: { secretKeyRef: { name: 'codex-lb-dashboard-bootstrap', key: 'token' } } },
        // Nothing leaves this machine (the operator renders the same for its pods).
        { name: 'CODEX_LB_TELEMETRY_ENABLED', value: 'false' },
      ],
    };
    await env.apply(officialChartRelease(install));
    await env.apply([migrationHookJob(install)]); // post-install: after the release's objects
    await env.kubectl('wait', `job/${MIGRATION_HOOK_JOB}`, '-n', ns, '--for=condition=Complete', '--timeout=240s').catch(fail);
    await env.kubectl('rollout', 'status', `statefulset/${RELEASE}-workload`, '-n', ns, '--timeout=240s').catch(fail);

    // What a user of the chart did in the dashboard: a password (set remotely with the bootstrap token), API-key
    // auth on, an account in the pool, an API key for a client.
    dashboardPassword = randomBytes(12).toString('base64url');
    const setup = await post('password/setup', { password: dashboardPassword, bootstrapToken });
    expect(setup.status, await setup.text()).toBe(200);
    const chartDashboard = new UpstreamDashboardClient({
      baseUrl: await env.serviceURL(ns, RELEASE),
      token: dashboardPassword,
      tokenSource: 'the chart-era dashboard password',
      session: new DashboardSession(),
    });
    await chartDashboard.applyInstallationSettings({ apiKeyAuthEnabled: true, firewallAllowlist: [] });
    account = env.fake.addAccount({ plan: 'pro' });
    await chartDashboard.importAccount(account.authJson(), { onExisting: 'replace', createMissing: true });
    apiKey = (await chartDashboard.createApiKey({ name: 'ci', allowedModels: null, limits: [], expiresAt: null })).key;
    chartSecret = JSON.parse(await env.kubectl('get', 'secret', RELEASE, '-n', ns, '-o', 'json'));
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('serves the key on the account through the chart, before anything changes', async () => {
    const pods = JSON.parse(await env.kubectl('get', 'pods', '-n', ns, '-l', 'codex-lb.soju.dev/traffic=workload', '-o', 'json')).items as Json[];
    expect(pods.map((p) => p.spec.containers[0].image)).toEqual([IMAGE, IMAGE]);
    expect(await ask('before the takeover')).toContain(`Echo from ${account.accountId}: before the takeover`);
  });

  it('reports the first name the chart holds and changes nothing while the chart is there (steps 1-3)', async () => {
    await step(/annotate secret codex-lb helm\.sh\/resource-policy=keep/);
    await step(/label secret codex-lb codexlb\.io\/secret-access=true/);
    const chartService = JSON.parse(await env.kubectl('get', 'service', RELEASE, '-n', ns, '-o', 'json'));
    expect(codexLBManifest.spec.proxy).toEqual({ flavor: 'Upstream' });
    await env.apply([withFakeUpstream(structuredClone(codexLBManifest), env.fake)]);
    const cr = await waitForCondition(env.client, ns, RELEASE, 'Degraded', 'True', 'NameConflict', 120_000).catch(fail);
    expect(condition(cr as never, 'Degraded')?.message).toContain(`ServiceAccount ${ns}/${RELEASE} already exists and it was not created by this CodexLB`);
    expect(condition(cr as never, 'Stalled')?.status).toBe('True');
    expect(await step(/jsonpath=.*Degraded/)).toContain('already exists and it was not created by this CodexLB');
    // Nothing of the chart changed, nothing of the operator's exists, and the chart still serves.
    expect(JSON.parse(await env.kubectl('get', 'service', RELEASE, '-n', ns, '-o', 'json')).metadata.resourceVersion).toBe(chartService.metadata.resourceVersion);
    expect(await env.kubectl('get', 'statefulsets,jobs,secrets', '-n', ns, '-l', `app.kubernetes.io/managed-by=codex-lb-operator`, '-o', 'name')).toBe('');
    expect(await ask('during the wait')).toContain(`Echo from ${account.accountId}`);
  });

  it('removes the chart-era dashboard password through a port-forward, as written; clients are still served (step 4)', async () => {
    // Why the step exists: while a password is set, the app refuses to set another, even with the right bootstrap token.
    const refused = await post('password/setup', { password: 'the-operators-token', bootstrapToken });
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ error: { code: 'password_already_configured' } });
    const forwardLine = kubectlSteps.find((l) => / port-forward /.test(l));
    const [, target, ports] = /port-forward (\S+) (\d+):\d+/.exec(forwardLine ?? '') ?? [];
    expect(target).toBe(`service/${RELEASE}`);
    expect(dashboardHandover).toHaveLength(3);
    const forward = await portForward(env, ns, target!, Number(ports));
    const dir = await mkdtemp(join(tmpdir(), 'codexlb-handover-'));
    try {
      const script = dashboardHandover.map((line) => line.replaceAll(`http://127.0.0.1:${ports}`, forward.url)).join('\n');
      await promisify(execFile)('bash', ['-euc', script], { cwd: dir, env: { PATH: process.env.PATH, DASHBOARD_PASSWORD: dashboardPassword } });
    } finally {
      await forward.stop();
      await rm(dir, { recursive: true, force: true });
    }
    // No password any more: a remote visitor is asked for a bootstrap token; the old password opens nothing.
    expect(await (await dashboard('session')).json()).toMatchObject({ passwordRequired: false, authenticated: false, bootstrapRequired: true });
    expect((await login(dashboardPassword)).status).not.toBe(200);
    expect(await ask('after the handover')).toContain(`Echo from ${account.accountId}: after the handover`);
  });

  it('takes over once the chart is uninstalled with its Secret kept: same app, same Service, same key, same account (steps 5-6)', async () => {
    const deleted = await helmUninstall(env.kubectl, ns);
    expect(deleted).toContain(`StatefulSet/${RELEASE}-workload`);
    expect(deleted).not.toContain(`Secret/${RELEASE}`);
    expect(deleted).not.toContain(`Job/${MIGRATION_HOOK_JOB}`); // Helm leaves its hooks: the document deletes it
    await step(/delete job codex-lb-migrate/);
    await expect(env.kubectl('get', 'job', MIGRATION_HOOK_JOB, '-n', ns)).rejects.toThrow(/NotFound/);
    await step(/annotate codexlb codex-lb codexlb\.io\/cutover/);
    await step(/wait codexlb\/codex-lb --for=condition=Ready/).catch(fail);

    const service = JSON.parse(await env.kubectl('get', 'service', RELEASE, '-n', ns, '-o', 'json'));
    expect(service.spec.ports[0].port).toBe(2455);
    expect(service.metadata.ownerReferences[0]).toMatchObject({ kind: 'CodexLB', name: RELEASE });
    const pod = JSON.parse(await env.kubectl('get', 'pod', `${RELEASE}-0`, '-n', ns, '-o', 'json'));
    expect(pod.spec.containers[0].image).toBe(IMAGE);
    expect(await ask('after the takeover')).toContain(`Echo from ${account.accountId}: after the takeover`);

    // The operator logged in (setting its own dashboard password), applied its settings and reads the pool.
    const cr = await waitFor(
      'status.proxy.settingsApplied and status.accounts',
      async () => {
        const got = await getCodexLB(env.client, ns, RELEASE);
        return got?.status?.proxy?.settingsApplied === true && got.status.accounts?.total !== undefined ? got : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 1000 },
    ).catch(async (err: Error) => fail(new Error(`${err.message}\nlast status: ${JSON.stringify((await getCodexLB(env.client, ns, RELEASE))?.status)}`)));
    expect(cr.status.proxy).toEqual({ flavor: 'Upstream', version: UPSTREAM_VERSION, settingsApplied: true });
    expect(JSON.parse(await step(/jsonpath='\{\.status\.proxy\}'/))).toEqual(cr.status.proxy);
    expect(cr.status.accounts.total).toBe(1);
    expect(cr.status.effective?.encryptionKeySecret).toBe(RELEASE);

    // The pool holds the chart's account, still active (its tokens decrypted with the chart's key), and the chart's key.
    const pool = await poolState(env, ns, RELEASE, 'Upstream');
    expect(pool.accounts).toEqual([expect.objectContaining({ chatgptAccountId: account.accountId, status: 'active' })]);
    expect(pool.apiKeys.map((k) => k.name)).toEqual(['ci']);

    // The dashboard password is the token in codex-lb-admin-token, read as the document reads it.
    const token = Buffer.from(await step(/get secret codex-lb-admin-token/), 'base64').toString('utf8');
    expect(token).toBe(await adminToken(env, ns, RELEASE));
    expect((await login(token)).status).toBe(200);
    expect((await login(dashboardPassword)).status).not.toBe(200);

    // The chart's Secret is as it was: not adopted, not rewritten.
    const secret = JSON.parse(await env.kubectl('get', 'secret', RELEASE, '-n', ns, '-o', 'json'));
    expect(secret.data).toEqual(chartSecret.data);
    expect(secret.metadata.ownerReferences).toBeUndefined();
  });
});
