/**
 * Real pods, Standalone: the README's "Install on a cluster" path on a real node. The operator runs
 * in-cluster from its image; the standalone sample runs the real proxy image on SQLite on its volume, in a
 * namespace that enforces the `restricted` Pod Security level; an account is imported through the admin API
 * (port-forward, token from the operator's Secret) and the Codex CLI and the openai SDK complete turns
 * through the Service (kube-proxy) against the fake upstream. The dashboard answers a port-forward as a local caller
 * (issue 10, acceptance 4) and the OAuth callback listens behind the `<name>-oauth` Service.
 */
import OpenAI from 'openai';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountCredentials } from '../../fakes/fake-upstream.ts';
import { codexExec } from '../proxy/support/codex-cli.ts';
import { waitForCondition } from '../../integration/operator/support.ts';
import { portForward, sample, startRealEnv, type RealEnv } from './support/real-env.ts';
import { adminPost, adminToken, withFakeUpstream } from './support/codexlb.ts';
import { DashboardClient } from '../../integration/proxy/support/dashboard-client.ts';

const ns = 'codex';
const name = 'codex-lb';

describe('Standalone CodexLB on a real node', () => {
  let env: RealEnv;
  let account: AccountCredentials;
  let apiKey: string;

  beforeAll(async () => {
    env = await startRealEnv();
    // README: `kubectl create namespace codex`, here with the restricted Pod Security level enforced.
    await env.kubectl('create', 'namespace', ns);
    await env.kubectl('label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted');
    // README: `kubectl apply -f samples/codexlb-standalone.yaml`, pointed at the fake upstream.
    await env.apply([withFakeUpstream(parse(await sample('codexlb-standalone.yaml')), env.fake)]);
    await waitForCondition(env.client, ns, name, 'Ready', 'True', undefined, 240_000).catch(async (err: Error) => {
      throw new Error(`${err.message}\n${await env.diagnostics(ns)}`);
    });
    account = env.fake.addAccount({ plan: 'pro' });
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('runs the proxy image on SQLite on its volume, as uid 1000 with a read-only root filesystem', async () => {
    const pod = JSON.parse(await env.kubectl('get', 'pod', `${name}-0`, '-n', ns, '-o', 'json')) as {
      status: { phase: string; containerStatuses: Array<{ ready: boolean; restartCount: number; imageID: string }> };
    };
    expect(pod.status.phase).toBe('Running');
    expect(pod.status.containerStatuses[0]).toMatchObject({ ready: true, restartCount: 0 });
    const exec = (...command: string[]) => env.kubectl('exec', '-n', ns, `${name}-0`, '-c', 'codex-lb', '--', ...command);
    expect((await exec('id', '-u')).trim()).toBe('1000');
    expect(await exec('ls', '/var/lib/codex-lb')).toContain('store.db');
    await expect(exec('touch', '/app/written')).rejects.toThrow(/Read-only file system/);
    const claim = await env.kubectl('get', 'pvc', `${name}-data`, '-n', ns, '-o', 'jsonpath={.status.phase}');
    expect(claim).toBe('Bound');
  });

  it('imports an account and creates an API key through the admin API, with the token from the operator Secret', async () => {
    const token = await adminToken(env, ns, name);
    const forward = await portForward(env, ns, `svc/${name}`, 80);
    try {
      const imported = await adminPost(forward.url, token, 'accounts/import', { authJson: account.authJson() });
      expect(imported.status).toBe(201);
      const created = await adminPost(forward.url, token, 'api-keys', { name: 'e2e' });
      expect(created.status).toBe(201);
      apiKey = ((await created.json()) as { key: string }).key;
      expect(apiKey).toMatch(/^sk-clb-/);
    } finally {
      await forward.stop();
    }
  });

  it('serves a Codex CLI turn through the Service', async () => {
    const run = await codexExec({ baseUrl: await env.serviceURL(ns, name), prompt: 'Say hello from a real pod', apiKey });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain(`Echo from ${account.accountId}: Say hello from a real pod`);
  });

  it('streams an openai SDK Responses turn through the Service', async () => {
    const client = new OpenAI({ baseURL: `${await env.serviceURL(ns, name)}/v1`, apiKey });
    const stream = await client.responses.create({ model: 'gpt-5.4', input: 'Stream from a real pod', stream: true });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(text).toContain('Stream from a real pod');
  });

  it('serves the dashboard through kubectl port-forward as a local caller, and nobody keyless through the Service', async () => {
    const cr = JSON.parse(await env.kubectl('get', 'codexlb', name, '-n', ns, '-o', 'json')) as { status: { endpoints: { dashboard: string } } };
    expect(cr.status.endpoints.dashboard).toBe(`http://${name}.${ns}.svc.cluster.local:80/`);
    const forward = await portForward(env, ns, `svc/${name}`, 80);
    try {
      const page = await fetch(`${forward.url}/accounts`);
      expect([page.status, await page.text()]).toEqual([200, expect.stringContaining('<div id="root"></div>')]);
      // README: before a password is set, whoever port-forwards (a loopback caller in the pod) administers the pool.
      const local = new DashboardClient(forward.url);
      expect((await local.session()).body).toMatchObject({ authenticated: true, authMethod: 'local' });
      const accounts = await local.call('GET', '/api/accounts');
      expect((accounts.body.accounts as Array<{ email: string }>).map((a) => a.email)).toContain(account.email);
    } finally {
      await forward.stop();
    }
    const remote = new DashboardClient(await env.serviceURL(ns, name));
    expect((await remote.session()).body).toMatchObject({ authenticated: false, bootstrapRequired: true });
    expect((await remote.call('GET', '/api/accounts')).status).toBe(401);
  });

  it('serves the OAuth callback on the <name>-oauth Service (port 1455)', async () => {
    const forward = await portForward(env, ns, `svc/${name}-oauth`, 1455);
    try {
      const page = await fetch(`${forward.url}/auth/callback?code=c&state=not-a-login`);
      expect([page.status, await page.text()]).toEqual([400, expect.stringContaining('does not belong to a login in progress')]);
    } finally {
      await forward.stop();
    }
  });
});
