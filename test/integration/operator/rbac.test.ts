/**
 * The operator runs under the ServiceAccount and roles from config/ (not as admin) and still does
 * its whole job, while that identity cannot do what the operator never needs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/process.ts';
import { cloudNativePGCrd, externalSecretCrds } from './optional-crds.ts';
import { codexLB, get, repoRoot, secret, waitForCondition } from './support.ts';
import { accountSpec, API, apiKey, authSecret, chatGPTAccount, startPoolEnv, waitForReady, type PoolEnv } from './pool-support.ts';
import { waitForCrds } from '../../harness/controlplane/crds.ts';

const operatorNs = 'codex-lb-system';
const serviceAccount = `system:serviceaccount:${operatorNs}:codex-lb-operator`;
const ns = 'tenant';

describe('operator under its least-privilege RBAC', () => {
  let pool: PoolEnv;

  beforeAll(async () => {
    pool = await startPoolEnv([operatorNs, ns], {
      leaseNamespace: operatorNs,
      kubeConfig: async (env) => {
        // The optional APIs the operator may write to, installed before it starts (it caches what exists then).
        await env.cp.apply([...externalSecretCrds, cloudNativePGCrd]);
        await waitForCrds(env.cp, ['externalsecrets.external-secrets.io', 'clusters.postgresql.cnpg.io']);
        await env.cp.kubectl('apply', '-n', operatorNs, '-k', `${repoRoot}config/rbac`);
        const token = (await env.cp.kubectl('create', 'token', 'codex-lb-operator', '-n', operatorNs, '--duration=1h')).trim();
        return env.cp.kubeConfigForToken(token, 'codex-lb-operator');
      },
    });
  });

  afterAll(async () => {
    await pool?.stop();
  });

  const forbidden = () => pool.op.requests.filter((r) => / 40[13]$/.test(r));

  it('reconciles Standalone and Replicated installations to Ready without a single forbidden request', async () => {
    const env = pool.env;
    await env.cp.apply([
      secret(ns, 'db', { 'database-url': 'postgresql://u:p@db:5432/codexlb' }),
      codexLB(ns, 'solo', { oauth: { callbackService: { enabled: true } } }),
      codexLB(ns, 'fleet', {
        topology: { mode: 'Replicated', replicas: 2 },
        database: { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'db' } } },
        ingress: { enabled: true, hosts: [{ host: 'codex.example.com' }] },
        networkPolicy: { enabled: true },
        autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 4 },
      }),
    ]);
    await waitForCondition(env.client, ns, 'solo', 'Ready', 'True');
    await waitForCondition(env.client, ns, 'fleet', 'Ready', 'True');
    // Exercise pruning (delete) too.
    await env.cp.kubectl('patch', 'clb', 'fleet', '-n', ns, '--type=merge', '-p', '{"spec":{"networkPolicy":{"enabled":false}}}');
    await waitForCondition(env.client, ns, 'fleet', 'Ready', 'True');
    expect(forbidden()).toEqual([]);
    const lease = await env.cp.kubectl('get', 'lease', 'codex-lb-operator', '-n', operatorNs, '-o', 'jsonpath={.spec.holderIdentity}');
    expect(lease).not.toBe('');
  });

  it('imports an account, issues an API key and cleans both up on deletion without a forbidden request', async () => {
    const env = pool.env;
    await pool.installation(ns, 'pooled');
    await env.cp.apply([
      authSecret(ns, 'auth', pool.fake.addAccount().authJson()),
      chatGPTAccount(ns, 'acct', accountSpec('pooled', 'auth')),
      apiKey(ns, 'key', { codexLBRef: { name: 'pooled' }, secret: { name: 'key-secret' } }),
    ]);
    await waitForReady(env.client, 'ChatGPTAccount', ns, 'acct', 'Imported');
    await waitForReady(env.client, 'CodexLBAPIKey', ns, 'key', 'KeyIssued');
    await env.cp.kubectl('delete', 'cgacct', 'acct', '-n', ns, '--wait=false');
    await env.cp.kubectl('delete', 'clbkey', 'key', '-n', ns, '--wait=false');
    for (const kind of ['ChatGPTAccount', 'CodexLBAPIKey']) {
      await waitFor(`${kind} to be deleted`, async () => ((await get(env.client, API, kind, ns, kind === 'ChatGPTAccount' ? 'acct' : 'key')) ? undefined : true));
    }
    expect(forbidden()).toEqual([]);
  });

  it('creates the ExternalSecret and the CloudNativePG Cluster, uses their Secrets and prunes the ExternalSecret, without a forbidden request', async () => {
    const env = pool.env;
    const eso = { secretStoreRef: { name: 'vault' }, databaseURL: { remoteKey: 'codex/db' } };
    await env.cp.apply([
      { apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: { name: 'vault', namespace: ns, labels: { 'codexlb.io/secret-access': 'true' } }, spec: {} },
      codexLB(ns, 'vaulted', { topology: { mode: 'Replicated', replicas: 2 }, database: { type: 'PostgreSQL' }, externalSecrets: eso }),
      codexLB(ns, 'managed', { topology: { mode: 'Replicated', replicas: 2 }, database: { type: 'PostgreSQL', postgres: { managed: {} } } }),
    ]);
    await waitForCondition(env.client, ns, 'vaulted', 'Progressing', 'True', 'WaitingForExternalSecret');
    await waitForCondition(env.client, ns, 'managed', 'Progressing', 'True', 'WaitingForCloudNativePG');
    // Play ESO and CloudNativePG: each writes its Secret, controlled by its object.
    for (const [owner, kind, apiVersion, secretName, key] of [
      ['vaulted-credentials', 'ExternalSecret', 'external-secrets.io/v1', 'vaulted-credentials', 'database-url'],
      ['managed-postgres', 'Cluster', 'postgresql.cnpg.io/v1', 'managed-postgres-app', 'uri'],
    ] as const) {
      const obj = (await get(env.client, apiVersion, kind, ns, owner))!;
      await env.client.create({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: secretName, namespace: ns, labels: obj.metadata.labels, ownerReferences: [{ apiVersion, kind, name: owner, uid: obj.metadata.uid!, controller: true }] },
        data: { [key]: Buffer.from('postgresql://u:p@db:5432/codexlb').toString('base64') },
      } as never);
    }
    await waitForCondition(env.client, ns, 'vaulted', 'Ready', 'True');
    await waitForCondition(env.client, ns, 'managed', 'Ready', 'True');
    // The URL moves to a Secret of its own: the ExternalSecret is pruned.
    await env.cp.kubectl('patch', 'clb', 'vaulted', '-n', ns, '--type=json', '-p', JSON.stringify([
      { op: 'remove', path: '/spec/externalSecrets' },
      { op: 'add', path: '/spec/database/postgres', value: { urlSecretRef: { name: 'db' } } },
    ]));
    await waitFor('the ExternalSecret to be pruned', async () => ((await get(env.client, 'external-secrets.io/v1', 'ExternalSecret', ns, 'vaulted-credentials')) ? undefined : true));
    expect(forbidden()).toEqual([]);
  });

  it.each([
    ['delete', 'clusters.postgresql.cnpg.io'],
    ['create', 'secretstores.external-secrets.io'],
    ['delete', 'secrets'],
    ['update', 'secrets'],
    ['create', 'pods'],
    ['delete', 'persistentvolumeclaims'],
    ['create', 'clusterrolebindings'],
    ['update', 'codexlbs.codexlb.io'],
    ['delete', 'codexlbs.codexlb.io'],
    ['update', 'chatgptaccounts.codexlb.io'],
    ['delete', 'chatgptaccounts.codexlb.io'],
    ['create', 'codexlbapikeys.codexlb.io'],
    ['create', 'leases.coordination.k8s.io'],
  ])('cannot %s %s', async (verb, resource) => {
    const answer = await pool.env.cp.kubectl('auth', 'can-i', verb, resource, '-n', ns, `--as=${serviceAccount}`).catch((e: Error) => e.message);
    expect(answer).toMatch(/\bno\b/);
  });
});
