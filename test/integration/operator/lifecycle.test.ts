/**
 * Day-2 behaviour on a real cluster: hand edits are repaired, Secret content changes roll the pods
 * (after re-running migrations), a failing migration holds the rollout, steady state writes nothing,
 * and deleting the CodexLB garbage-collects its children but keeps the key and the data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  codexLB,
  condition as conditionOf,
  createNamespace,
  get,
  secret,
  startOperator,
  startOperatorTestEnv,
  waitForCondition,
  type OperatorTestEnv,
  type RunningOperator,
} from './support.ts';
import { waitFor } from '../../harness/process.ts';
import { SIMULATED_EXIT_CODE_ENV } from '../../harness/controlplane/kwok-config.ts';
import { ANNOTATION_CONFIG_HASH } from '../../../operator/render/workload.ts';

const ns = 'lifecycle';
const condition = (cr: Record<string, any>, type: string) => conditionOf(cr, type);
const name = 'day2';

describe('CodexLB day-2 operations', () => {
  let env: OperatorTestEnv;
  let op: RunningOperator;
  const read = (apiVersion: string, kind: string, objName: string, namespace = ns) => get(env.client, apiVersion, kind, namespace, objName);
  const sts = async () => (await read('apps/v1', 'StatefulSet', name))!;
  const image = async () => (await sts()).spec.template.spec.containers[0].image as string;

  beforeAll(async () => {
    env = await startOperatorTestEnv('cluster');
    await createNamespace(env.cp, ns);
    // A short resync so the steady-state test sees several full passes.
    op = await startOperator(env.cp.kubeConfig(), { resyncPeriodMs: 1_000 });
    await env.cp.apply([
      secret(ns, 'db', { 'database-url': 'postgresql://u:first@db:5432/codexlb' }),
      codexLB(ns, name, {
        topology: { mode: 'Replicated', replicas: 2 },
        database: { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'db' } } },
        image: { tag: '1.0.0' },
      }),
    ]);
    await waitForCondition(env.client, ns, name, 'Ready', 'True');
  });

  afterAll(async () => {
    await op?.stop();
    await env?.stop();
  });

  it('writes nothing to the API during steady-state resyncs', async () => {
    // Let the last transition's Event (posted asynchronously after the status write) land first.
    await new Promise((r) => setTimeout(r, 1_500));
    const reconcilesBefore = (await op.operator.metrics.reconcileTotal.get()).values.reduce((n, v) => n + v.value, 0);
    op.requests.length = 0;
    await new Promise((r) => setTimeout(r, 4_000));
    const reconciles = (await op.operator.metrics.reconcileTotal.get()).values.reduce((n, v) => n + v.value, 0);
    expect(reconciles - reconcilesBefore).toBeGreaterThanOrEqual(2);
    const writes = op.requests.filter((r) => !/^(GET|WATCH) /.test(r));
    expect(writes).toEqual([]);
  });

  it('restores fields of a child edited by hand', async () => {
    await env.cp.kubectl('scale', 'statefulset', name, '-n', ns, '--replicas=5');
    await env.cp.kubectl('set', 'env', `statefulset/${name}`, '-n', ns, '-c', 'codex-lb', 'CODEX_LB_ADMIN_TOKEN_FILE=/tmp/elsewhere');
    await waitFor('the StatefulSet to be restored', async () => {
      const s = await sts();
      const tokenFile = s.spec.template.spec.containers[0].env.find((e: { name: string }) => e.name === 'CODEX_LB_ADMIN_TOKEN_FILE');
      return s.spec.replicas === 2 && tokenFile.value === '/etc/codex-lb/admin/token' ? true : undefined;
    });
  });

  it('recreates a child deleted by hand', async () => {
    const uid = (await read('v1', 'Service', `${name}-handoff`))!.metadata.uid;
    await env.cp.kubectl('delete', 'service', `${name}-handoff`, '-n', ns);
    const back = await waitFor('the handoff Service to come back', async () => {
      const svc = await read('v1', 'Service', `${name}-handoff`);
      return svc && svc.metadata.uid !== uid ? svc : undefined;
    });
    expect(back.spec.clusterIP).toBe('None');
    const events = await env.cp.kubectl('get', 'events', '-n', ns, '--field-selector', 'reason=DriftCorrected', '-o', 'jsonpath={.items[*].message}');
    expect(events).toContain(`Restored Service ${name}-handoff`);
  });

  it('rolls the pods when referenced Secret content changes, after migrating the new database target', async () => {
    const before = await sts();
    const hash = before.spec.template.metadata.annotations[ANNOTATION_CONFIG_HASH];
    const firstJob = (await read('codexlb.io/v1alpha1', 'CodexLB', name))!.status.schema.job;
    await env.cp.apply([secret(ns, 'db', { 'database-url': 'postgresql://u:second@db:5432/codexlb' })]);
    const after = await waitFor('a new config hash on the pod template', async () => {
      const s = await sts();
      return s.spec.template.metadata.annotations[ANNOTATION_CONFIG_HASH] !== hash ? s : undefined;
    });
    expect(after.metadata.generation).toBeGreaterThan(before.metadata.generation!);
    const cr = await waitForCondition(env.client, ns, name, 'Ready', 'True');
    expect(cr.status.schema.job).not.toBe(firstJob);
    expect(condition(cr, 'MigrationsApplied')).toMatchObject({ status: 'True', reason: 'AtHead' });
  });

  it('holds the rollout while a migration fails, reports it, and resumes once fixed', async () => {
    const running = await image();
    // kwok fails Job pods carrying this variable, as a real failing `migrate upgrade` would.
    await env.cp.kubectl(
      'patch', 'clb', name, '-n', ns, '--type=merge',
      '-p',
      JSON.stringify({
        spec: { image: { tag: '2.0.0' }, env: [{ name: SIMULATED_EXIT_CODE_ENV, value: '1' }], migration: { job: { backoffLimit: 0 } } },
      }),
    );
    const failed = await waitForCondition(env.client, ns, name, 'Degraded', 'True', 'MigrationFailed');
    expect(condition(failed, 'Ready')).toMatchObject({ status: 'False', reason: 'MigrationFailed' });
    expect(condition(failed, 'MigrationsApplied')?.message).toMatch(/failed \(exit code 1\).*the rollout is held/);
    expect(await image()).toBe(running);
    expect(failed.status.image).toEqual({ desired: 'ghcr.io/codex-lb/codex-lb-proxy:2.0.0', current: running });
    const warnings = await env.cp.kubectl('get', 'events', '-n', ns, '--field-selector', 'type=Warning', '-o', 'jsonpath={.items[*].reason}');
    expect(warnings).toContain('MigrationFailed');

    await env.cp.kubectl('patch', 'clb', name, '-n', ns, '--type=json', '-p', '[{"op":"remove","path":"/spec/env"}]');
    const fixed = await waitForCondition(env.client, ns, name, 'Ready', 'True');
    expect(await image()).toBe('ghcr.io/codex-lb/codex-lb-proxy:2.0.0');
    expect(fixed.status.schema.migratedImage).toBe('ghcr.io/codex-lb/codex-lb-proxy:2.0.0');
  });

  it('reports a missing Secret on the CodexLB instead of failing in a loop', async () => {
    await env.cp.apply([
      codexLB(ns, 'nosecret', {
        topology: { mode: 'Replicated', replicas: 2 },
        database: { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'not-there' } } },
      }),
    ]);
    const cr = await waitForCondition(env.client, ns, 'nosecret', 'SecretsReady', 'False', 'SecretNotFound');
    expect(condition(cr, 'SecretsReady')?.message).toBe('Secret "not-there" (database.postgres.urlSecretRef) not found');
    expect(await read('apps/v1', 'StatefulSet', 'nosecret')).toBeUndefined();
    await env.cp.apply([secret(ns, 'not-there', { 'database-url': 'postgresql://u:p@db/x' })]);
    await waitForCondition(env.client, ns, 'nosecret', 'SecretsReady', 'True');
  });

  it('hands the replica count to the HPA without resetting it when autoscaling is turned on', async () => {
    await env.cp.kubectl('patch', 'clb', name, '-n', ns, '--type=merge', '-p', '{"spec":{"topology":{"replicas":3}}}');
    await waitFor('3 replicas', async () => ((await sts()).spec.replicas === 3 ? true : undefined));
    await env.cp.kubectl('patch', 'clb', name, '-n', ns, '--type=merge', '-p', '{"spec":{"autoscaling":{"enabled":true,"minReplicas":2,"maxReplicas":5}}}');
    await waitFor('the HPA', () => read('autoscaling/v2', 'HorizontalPodAutoscaler', name));
    await waitForCondition(env.client, ns, name, 'Ready', 'True');
    expect((await sts()).spec.replicas).toBe(3);
  });

  it('uses an existing encryption key Secret, and rejects one that is not a Fernet key', async () => {
    await env.cp.apply([
      secret(ns, 'bad-key', { key: 'not-a-fernet-key' }),
      codexLB(ns, 'byok', { encryption: { source: 'SecretRef', secretRef: { name: 'bad-key', key: 'key' } } }),
    ]);
    const bad = await waitForCondition(env.client, ns, 'byok', 'SecretsReady', 'False', 'InvalidEncryptionKey');
    expect(condition(bad, 'SecretsReady')?.message).toContain('key "key" of Secret "bad-key" (encryption.secretRef) is not a Fernet key');
    expect(condition(bad, 'SecretsReady')?.message).not.toContain('not-a-fernet-key');
    await env.cp.apply([secret(ns, 'bad-key', { key: `${'A'.repeat(43)}=` })]);
    const good = await waitForCondition(env.client, ns, 'byok', 'Ready', 'True');
    expect(good.status.effective.encryptionKeySecret).toBe('bad-key');
    const volume = (await read('apps/v1', 'StatefulSet', 'byok'))!.spec.template.spec.volumes.find((v: any) => v.name === 'encryption-key');
    expect(volume.secret).toMatchObject({ secretName: 'bad-key', items: [{ key: 'key', path: 'encryption.key' }] });
    expect(await read('v1', 'Secret', 'byok-encryption')).toBeUndefined();
  });

  it('garbage-collects children on delete, keeping the encryption key', async () => {
    await env.cp.kubectl('delete', 'clb', name, '-n', ns, '--wait=true');
    const left = await waitFor('owned children to be collected', async () => {
      const out = await env.cp.kubectl(
        'get', 'statefulset,service,configmap,poddisruptionbudget,secret', '-n', ns, '-l', `app.kubernetes.io/instance=${name}`, '-o', 'name',
      );
      return out.includes('statefulset') || out.includes('admin-token') ? undefined : out.trim().split('\n');
    });
    expect(left).toEqual([`secret/${name}-encryption`]);
    const key = await read('v1', 'Secret', `${name}-encryption`);
    expect(key?.metadata.annotations?.['codexlb.io/retain']).toBe('true');
  });

  it('keeps the SQLite volume when a Standalone CodexLB is deleted', async () => {
    await env.cp.apply([codexLB(ns, 'solo', { database: { type: 'SQLite', sqlite: { storage: { size: '1Gi' } } } })]);
    await waitForCondition(env.client, ns, 'solo', 'Ready', 'True');
    await env.cp.kubectl('delete', 'clb', 'solo', '-n', ns, '--wait=true');
    await waitFor('the StatefulSet to be collected', async () => ((await read('apps/v1', 'StatefulSet', 'solo')) ? undefined : true));
    const pvc = await read('v1', 'PersistentVolumeClaim', 'solo-data');
    expect(pvc?.status.phase).toBe('Bound');
  });
});
