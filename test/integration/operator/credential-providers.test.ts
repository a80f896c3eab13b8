/**
 * Credentials from the External Secrets Operator and a database from CloudNativePG, on a real control plane
 * with their CRDs installed part-way through (their controllers do not run: the test writes the Secrets they
 * would write, with the same owner references). Absent, each is a condition naming what to install, with no
 * error loop; installed later, the CodexLB proceeds at once; while the Secret is not there yet, the CodexLB is
 * in progress, not degraded; once it is, the pods use it.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SECRET_ACCESS_LABEL, SECRET_ACCESS_VALUE } from '../../../operator/api/common.ts';
import type { KubeObject } from '../../../operator/runtime/kube/types.ts';
import { waitFor } from '../../harness/process.ts';
import { cloudNativePGCrd, externalSecretCrds } from './optional-crds.ts';
import {
  codexLB,
  condition,
  createNamespace,
  get,
  startOperator,
  startOperatorTestEnv,
  waitForCondition,
  type OperatorTestEnv,
  type RunningOperator,
} from './support.ts';
import { waitForCrds } from '../../harness/controlplane/crds.ts';

const ns = 'providers';
const fernetKey = () => `${randomBytes(32).toString('base64url')}=`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

const replicated = { topology: { mode: 'Replicated', replicas: 2 } };
const esoSpec = (store: string) => ({
  ...replicated,
  database: { type: 'PostgreSQL' },
  encryption: { source: 'ExternalSecret' },
  externalSecrets: {
    secretStoreRef: { name: store },
    databaseURL: { remoteKey: 'codex/db', property: 'url' },
    encryptionKey: { remoteKey: 'codex/key' },
  },
});
const managedSpec = { ...replicated, database: { type: 'PostgreSQL', postgres: { managed: { instances: 2, storage: { size: '1Gi' } } } } };

describe('credential providers', () => {
  let env: OperatorTestEnv;
  let op: RunningOperator;
  const read = (apiVersion: string, kind: string, name: string) => get(env.client, apiVersion, kind, ns, name);
  const reconcileErrors = async () => (await op.operator.metrics.reconcileErrors.get()).values.reduce((n, v) => n + v.value, 0);

  /** The Secret a provider writes: controlled by the provider object, as ESO and CloudNativePG do. */
  const providedSecret = (name: string, owner: KubeObject, data: Record<string, string>, labels?: Record<string, string>): KubeObject =>
    ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name,
        namespace: ns,
        labels,
        ownerReferences: [{ apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid!, controller: true }],
      },
      data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])),
    }) as KubeObject;

  beforeAll(async () => {
    env = await startOperatorTestEnv('cluster');
    await createNamespace(env.cp, ns);
    op = await startOperator(env.cp.kubeConfig(), { blockedRetryMs: 1_000 });
    await env.cp.apply([codexLB(ns, 'eso', esoSpec('vault')), codexLB(ns, 'cnpg', managedSpec)]);
  });

  afterAll(async () => {
    await op?.stop();
    await env?.stop();
  });

  describe('not installed', () => {
    it('names what to install, creates nothing that needs it, and does not fail in a loop', async () => {
      const eso = await waitForCondition(env.client, ns, 'eso', 'Degraded', 'True', 'ExternalSecretsNotInstalled');
      expect(condition(eso as never, 'SecretsReady')).toMatchObject({ status: 'False', reason: 'ExternalSecretsNotInstalled' });
      const cnpg = await waitForCondition(env.client, ns, 'cnpg', 'Degraded', 'True', 'CloudNativePGNotInstalled');
      expect(condition(cnpg as never, 'DatabaseReady')).toMatchObject({ status: 'False', reason: 'CloudNativePGNotInstalled' });
      expect(condition(cnpg as never, 'Stalled')).toMatchObject({ status: 'True', reason: 'CloudNativePGNotInstalled' });
      for (const name of ['eso', 'cnpg']) expect(await read('apps/v1', 'StatefulSet', name)).toBeUndefined();

      // Looked at again every second (blockedRetryMs): no reconcile error, no write.
      const before = await reconcileErrors();
      op.requests.length = 0;
      await new Promise((r) => setTimeout(r, 3_000));
      expect(await reconcileErrors()).toBe(before);
      expect(op.requests.filter((r) => !/^(GET|WATCH) /.test(r))).toEqual([]);
    });
  });

  describe('External Secrets Operator', () => {
    beforeAll(async () => {
      await env.cp.apply(externalSecretCrds);
      await waitForCrds(env.cp, ['externalsecrets.external-secrets.io', 'secretstores.external-secrets.io']);
    });

    it('needs the store owner to let CodexLBs read through it', async () => {
      await env.cp.apply([{ apiVersion: 'external-secrets.io/v1', kind: 'SecretStore', metadata: { name: 'vault', namespace: ns }, spec: {} }]);
      const cr = await waitForCondition(env.client, ns, 'eso', 'Degraded', 'True', 'SecretAccessNotGranted');
      expect(condition(cr as never, 'Degraded')?.message).toContain(`kubectl -n ${ns} label secretstore vault ${SECRET_ACCESS_LABEL}=${SECRET_ACCESS_VALUE}`);
      expect(await read('external-secrets.io/v1', 'ExternalSecret', 'eso-credentials')).toBeUndefined();
    });

    it('creates the ExternalSecret once allowed, and waits for its Secret without being degraded', async () => {
      await env.cp.kubectl('label', 'secretstore', 'vault', '-n', ns, `${SECRET_ACCESS_LABEL}=${SECRET_ACCESS_VALUE}`);
      const cr = await waitForCondition(env.client, ns, 'eso', 'Progressing', 'True', 'WaitingForExternalSecret');
      expect(condition(cr as never, 'Degraded')?.status).toBe('False');
      const es = (await read('external-secrets.io/v1', 'ExternalSecret', 'eso-credentials'))!;
      expect(es.spec).toMatchObject({
        secretStoreRef: { name: 'vault', kind: 'SecretStore' },
        target: { name: 'eso-credentials', creationPolicy: 'Owner' },
        data: [
          { secretKey: 'database-url', remoteRef: { key: 'codex/db', property: 'url' } },
          { secretKey: 'encryption-key', remoteRef: { key: 'codex/key' } },
        ],
      });
      expect(es.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'CodexLB', name: 'eso', controller: true });
    });

    it('reports what the ExternalSecret says when it cannot sync', async () => {
      await env.cp.kubectl(
        'patch', 'externalsecret', 'eso-credentials', '-n', ns, '--type=merge',
        '-p', JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'False', reason: 'SecretSyncedError', message: 'could not get secret data from provider' }] } }),
      );
      const cr = await waitForCondition(env.client, ns, 'eso', 'Degraded', 'True', 'ExternalSecretNotSynced');
      expect(condition(cr as never, 'Degraded')?.message).toContain('SecretSyncedError: could not get secret data from provider');
      await env.cp.kubectl('patch', 'externalsecret', 'eso-credentials', '-n', ns, '--type=json', '-p', '[{"op":"remove","path":"/status"}]');
    });

    it('runs the installation on the Secret ESO fills', async () => {
      const es = (await read('external-secrets.io/v1', 'ExternalSecret', 'eso-credentials'))!;
      // ESO copies the ExternalSecret's labels to the Secret it creates.
      await env.client.create(providedSecret('eso-credentials', es, { 'database-url': 'postgresql://u:p@db.example:6432/codex', 'encryption-key': fernetKey() }, es.metadata.labels));
      await waitForCondition(env.client, ns, 'eso', 'Ready', 'True');
      const pod = (await read('apps/v1', 'StatefulSet', 'eso'))!.spec.template.spec;
      expect(pod.containers[0].env).toContainEqual({ name: 'CODEX_LB_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'eso-credentials', key: 'database-url' } } });
      expect(pod.volumes).toContainEqual(expect.objectContaining({ name: 'encryption-key', secret: expect.objectContaining({ secretName: 'eso-credentials' }) }));
    });

    it('refuses a Secret of that name the ExternalSecret does not control', async () => {
      await env.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'impostor-credentials', namespace: ns }, data: { 'database-url': b64('postgresql://x@evil:5432/x') } } as KubeObject);
      await env.cp.apply([codexLB(ns, 'impostor', esoSpec('vault'))]);
      const cr = await waitForCondition(env.client, ns, 'impostor', 'Degraded', 'True', 'NameConflict');
      expect(condition(cr as never, 'Degraded')?.message).toContain('Secret providers/impostor-credentials exists but it is not controlled by ExternalSecret impostor-credentials');
      expect(await read('batch/v1', 'Job', 'impostor')).toBeUndefined();
    });
  });

  describe('CloudNativePG', () => {
    beforeAll(async () => {
      await env.cp.apply([cloudNativePGCrd]);
      await waitForCrds(env.cp, ['clusters.postgresql.cnpg.io']);
    });

    it('creates the Cluster as soon as CloudNativePG is installed, and waits for its database', async () => {
      const cr = await waitForCondition(env.client, ns, 'cnpg', 'Progressing', 'True', 'WaitingForCloudNativePG');
      expect(condition(cr as never, 'Degraded')?.status).toBe('False');
      expect(condition(cr as never, 'DatabaseReady')).toMatchObject({ status: 'Unknown', reason: 'WaitingForCloudNativePG' });
      const cluster = (await read('postgresql.cnpg.io/v1', 'Cluster', 'cnpg-postgres'))!;
      expect(cluster.spec).toEqual({ instances: 2, storage: { size: '1Gi' }, bootstrap: { initdb: { database: 'codexlb', owner: 'codexlb' } } });
      expect(cluster.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'CodexLB', name: 'cnpg', controller: true });
    });

    it("runs the installation on the app Secret's URL", async () => {
      const cluster = (await read('postgresql.cnpg.io/v1', 'Cluster', 'cnpg-postgres'))!;
      await env.client.create(providedSecret('cnpg-postgres-app', cluster, { uri: `postgresql://codexlb:pw@cnpg-postgres-rw.${ns}:5432/codexlb`, username: 'codexlb' }));
      const cr = await waitForCondition(env.client, ns, 'cnpg', 'Ready', 'True');
      expect(condition(cr as never, 'DatabaseReady')?.status).toBe('True');
      const sts = (await read('apps/v1', 'StatefulSet', 'cnpg'))!;
      expect(sts.spec.template.spec.containers[0].env).toContainEqual({ name: 'CODEX_LB_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'cnpg-postgres-app', key: 'uri' } } });
      // The migration Job ran against it first, as with any PostgreSQL.
      expect(cr.status.schema.job).toMatch(/^cnpg-migrate-/);
    });
  });

  it('leaves the steady state alone: no writes once everything is in place', async () => {
    await waitFor('both installations Ready', async () => {
      const states = await Promise.all(['eso', 'cnpg'].map(async (n) => condition((await read('codexlb.io/v1alpha1', 'CodexLB', n)) as never, 'Ready')?.status));
      return states.every((s) => s === 'True') ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 1_500));
    op.requests.length = 0;
    await new Promise((r) => setTimeout(r, 3_000));
    expect(op.requests.filter((r) => !/^(GET|WATCH) /.test(r))).toEqual([]);
  });
});
