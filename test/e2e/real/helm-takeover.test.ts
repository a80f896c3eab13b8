/**
 * docs/migrate-from-helm.md on real pods: an installation made by the official chart (its objects, its Secret
 * with the database URL and the Fernet key, its pods writing an account and an API key into a real PostgreSQL)
 * is taken over by the CodexLB the document shows, following its steps. While the chart's objects exist the
 * CodexLB reports the name it will not take and changes nothing; once the chart is uninstalled (its Secret kept),
 * the operator's pods decrypt the chart's data with the same key, and the same API key is served on the same
 * account through the same Service name and port.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountCredentials } from '../../fakes/fake-upstream.ts';
import { condition, waitForCondition } from '../../integration/operator/support.ts';
import { adminPost, adminToken, withFakeUpstream } from './support/codexlb.ts';
import { helmUninstall, officialChartRelease, RELEASE } from './support/official-chart.ts';
import { getCodexLB, repoRoot, startRealEnv, type RealEnv } from './support/real-env.ts';

const ns = 'codex';
const IMAGE = `ghcr.io/codex-lb/codex-lb-proxy:${(JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version}`;

/** The document's shell steps and its CodexLB, read from the page itself so the two cannot drift apart. */
const doc = await readFile(join(repoRoot, 'docs/migrate-from-helm.md'), 'utf8');
const blocks = [...doc.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1]!, text: m[2]!.replace(/^ {3}/gm, '') }));
const codexLBManifest = parseAllDocuments(blocks.find((b) => b.lang === 'yaml' && /kind: CodexLB/.test(b.text))!.text)[0]!.toJS() as { spec: Record<string, any> } & Record<string, any>;
/** `kubectl …` lines of the shell blocks, as argument lists (comments and shell-only parts removed). */
const kubectlSteps = blocks
  .filter((b) => b.lang === 'sh')
  .flatMap((b) => b.text.split('\n'))
  .map((line) => line.replace(/\s+#.*$/, '').trim())
  .filter((line) => line.startsWith('kubectl '));

describe('taking over an official-chart installation (docs/migrate-from-helm.md)', () => {
  let env: RealEnv;
  let account: AccountCredentials;
  let apiKey: string;
  let chartSecret: { data: Record<string, string>; metadata: Record<string, any> };

  /** Runs one of the document's kubectl lines (the `$(date +%s)` substitution done here). */
  const step = (pattern: RegExp) => {
    const line = kubectlSteps.find((l) => pattern.test(l));
    if (!line) throw new Error(`docs/migrate-from-helm.md has no kubectl step matching ${pattern}`);
    const args = line.replace('"$(date +%s)"', String(Date.now())).split(/\s+/).slice(1).filter((a) => a !== '>' && !a.endsWith('.yaml'));
    return env.kubectl(...args);
  };
  const ask = async (input: string) => {
    const client = new OpenAI({ baseURL: `${await env.serviceURL(ns, RELEASE)}/v1`, apiKey, maxRetries: 0 });
    return (await client.responses.create({ model: 'gpt-5.4', input })).output_text;
  };
  const fail = async (err: Error): Promise<never> => {
    throw new Error(`${err.message}\n${await env.diagnostics(ns)}`);
  };

  beforeAll(async () => {
    env = await startRealEnv();
    const pg = await env.postgres();
    await env.kubectl('create', 'namespace', ns);
    await env.kubectl('label', 'namespace', ns, 'pod-security.kubernetes.io/enforce=restricted');
    const seedToken = randomBytes(16).toString('hex');
    await env.kubectl('create', 'secret', 'generic', 'chart-seed', '-n', ns, `--from-literal=token=${seedToken}`);
    await env.apply(
      officialChartRelease({
        namespace: ns,
        image: IMAGE,
        databaseUrl: await pg.createDatabase('chart'),
        encryptionKey: `${randomBytes(32).toString('base64url')}=`,
        upstreamUrl: env.fake.url,
        seedTokenSecret: 'chart-seed',
      }),
    );
    await env.kubectl('rollout', 'status', `statefulset/${RELEASE}-workload`, '-n', ns, '--timeout=180s').catch(fail);
    // What a user of the chart did in its dashboard: an account in the pool, an API key for a client.
    const chart = await env.serviceURL(ns, RELEASE);
    account = env.fake.addAccount({ plan: 'pro' });
    expect((await adminPost(chart, seedToken, 'accounts/import', { authJson: account.authJson() })).status).toBe(201);
    apiKey = ((await (await adminPost(chart, seedToken, 'api-keys', { name: 'ci' })).json()) as { key: string }).key;
    chartSecret = JSON.parse(await env.kubectl('get', 'secret', RELEASE, '-n', ns, '-o', 'json'));
  });
  afterAll(async () => {
    await env?.stop();
  });

  it('serves the key on the account through the chart, before anything changes', async () => {
    expect(await ask('before the takeover')).toContain(`Echo from ${account.accountId}: before the takeover`);
  });

  it('reports the first name the chart holds and changes nothing while the chart is there (steps 1-3)', async () => {
    await step(/annotate secret codex-lb helm\.sh\/resource-policy=keep/);
    await step(/label secret codex-lb codexlb\.io\/secret-access=true/);
    const chartService = JSON.parse(await env.kubectl('get', 'service', RELEASE, '-n', ns, '-o', 'json'));
    await env.apply([withFakeUpstream(structuredClone(codexLBManifest), env.fake)]);
    const cr = await waitForCondition(env.client, ns, RELEASE, 'Degraded', 'True', 'NameConflict', 120_000).catch(fail);
    expect(condition(cr as never, 'Degraded')?.message).toContain(`ServiceAccount ${ns}/${RELEASE} already exists and it was not created by this CodexLB`);
    expect(condition(cr as never, 'Stalled')?.status).toBe('True');
    expect(await step(/jsonpath=.*Degraded/)).toContain('already exists and it was not created by this CodexLB');
    // Nothing of the chart changed, nothing of the operator's exists, and the chart still serves.
    expect(JSON.parse(await env.kubectl('get', 'service', RELEASE, '-n', ns, '-o', 'json')).metadata.resourceVersion).toBe(chartService.metadata.resourceVersion);
    expect(await env.kubectl('get', 'statefulsets,jobs', '-n', ns, '-l', `app.kubernetes.io/managed-by=codex-lb-operator`, '-o', 'name')).toBe('');
    expect(await ask('during the wait')).toContain(`Echo from ${account.accountId}`);
  });

  it('takes over once the chart is uninstalled with its Secret kept: same Service, same key, same account (step 4)', async () => {
    const deleted = await helmUninstall(env.kubectl, ns);
    expect(deleted).toContain(`StatefulSet/${RELEASE}-workload`);
    expect(deleted).not.toContain(`Secret/${RELEASE}`);
    await step(/annotate codexlb codex-lb codexlb\.io\/cutover/);
    await step(/wait codexlb\/codex-lb --for=condition=Ready/).catch(fail);

    const service = JSON.parse(await env.kubectl('get', 'service', RELEASE, '-n', ns, '-o', 'json'));
    expect(service.spec.ports[0].port).toBe(2455);
    expect(service.metadata.ownerReferences[0]).toMatchObject({ kind: 'CodexLB', name: RELEASE });
    expect(await ask('after the takeover')).toContain(`Echo from ${account.accountId}: after the takeover`);

    // The pool holds the chart's account, still active: its tokens decrypted with the chart's key.
    const cr = await getCodexLB(env.client, ns, RELEASE);
    expect(cr?.status?.effective?.encryptionKeySecret).toBe(RELEASE);
    const state = await fetch(`${await env.serviceURL(ns, RELEASE)}/internal/admin/state`, { headers: { authorization: `Bearer ${await adminToken(env, ns, RELEASE)}` } });
    const pool = (await state.json()) as { accounts: Array<{ chatgptAccountId: string; status: string }>; apiKeys: Array<{ name: string }> };
    expect(pool.accounts).toEqual([expect.objectContaining({ chatgptAccountId: account.accountId, status: 'active' })]);
    expect(pool.apiKeys.map((k) => k.name)).toEqual(['ci']);

    // The chart's Secret is as it was: not adopted, not rewritten.
    const secret = JSON.parse(await env.kubectl('get', 'secret', RELEASE, '-n', ns, '-o', 'json'));
    expect(secret.data).toEqual(chartSecret.data);
    expect(secret.metadata.ownerReferences).toBeUndefined();
  });
});
