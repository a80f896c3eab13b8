/**
 * A CodexLB never takes over an object it did not create: a namesake of any child (Service,
 * ConfigMap, generated Secret, ServiceAccount, even `default/kubernetes`) is reported as
 * Degraded=True NameConflict, nothing of that CodexLB is applied, no ownerReference is written, and
 * deleting the CodexLB leaves the object alone. The objects the operator deliberately keeps (the
 * encryption key, the SQLite volume) are taken up again by a re-created CodexLB of the same name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/process.ts';
import { LABEL_INSTANCE, labels } from '../../../operator/render/labels.ts';
import type { KubeObject, OwnerReference } from '../../../operator/runtime/kube/types.ts';
import {
  codexLB,
  condition as conditionOf,
  createNamespace,
  get,
  startOperator,
  startOperatorTestEnv,
  waitForCondition,
  type OperatorTestEnv,
  type RunningOperator,
} from './support.ts';

const ns = 'ownership';
const condition = (cr: KubeObject, type: string) => conditionOf(cr as never, type);

function foreign(kind: string, name: string, namespace = ns): KubeObject {
  const metadata = { name, namespace };
  switch (kind) {
    case 'Service':
      return { apiVersion: 'v1', kind, metadata, spec: { ports: [{ name: 'web', port: 8080 }], selector: { app: 'theirs' } } };
    case 'ConfigMap':
      return { apiVersion: 'v1', kind, metadata, data: { owner: 'someone else' } };
    case 'Secret':
      return { apiVersion: 'v1', kind, metadata, type: 'Opaque', stringData: { token: 'their-token' } };
    default:
      return { apiVersion: 'v1', kind, metadata };
  }
}

describe('CodexLB ownership of child names', () => {
  let env: OperatorTestEnv;
  let op: RunningOperator;
  const read = (kind: string, name: string, namespace = ns) => get(env.client, 'v1', kind, namespace, name);
  const instanceObjects = (instance: string, namespace = ns) =>
    env.cp.kubectl('get', 'statefulset,service,configmap,secret,serviceaccount,pvc,job', '-n', namespace, '-l', `${LABEL_INSTANCE}=${instance}`, '-o', 'name');

  beforeAll(async () => {
    env = await startOperatorTestEnv('cluster');
    await createNamespace(env.cp, ns);
    // Blocked CodexLBs are looked at again every 30 s by default; 1 s keeps this file fast.
    op = await startOperator(env.cp.kubeConfig(), { blockedRetryMs: 1_000 });
  });

  afterAll(async () => {
    await op?.stop();
    await env?.stop();
  });

  it.each([
    ['Service', 'victim-svc', 'victim-svc'],
    ['ConfigMap', 'victim-cm', 'victim-cm-env'],
    ['Secret', 'victim-sec', 'victim-sec-admin-token'],
    ['ServiceAccount', 'victim-sa', 'victim-sa'],
  ])('leaves a %s that already uses a child name alone, reports it, and keeps it when the CodexLB goes', async (kind, crName, objName) => {
    await env.cp.apply([foreign(kind, objName)]);
    const before = (await read(kind, objName))!;
    await env.cp.apply([codexLB(ns, crName, {})]);

    const cr = await waitForCondition(env.client, ns, crName, 'Degraded', 'True', 'NameConflict');
    expect(condition(cr, 'Degraded')?.message).toBe(
      `${kind} ${ns}/${objName} already exists and it was not created by this CodexLB; the operator will not take it over. ` +
        'Delete or rename that object, or give the CodexLB another name',
    );
    expect(condition(cr, 'Ready')).toMatchObject({ status: 'False', reason: 'NameConflict' });
    const after = (await read(kind, objName))!;
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(after.metadata.ownerReferences).toBeUndefined();
    // Nothing of this CodexLB was created: no StatefulSet, no generated key or token, no ConfigMap.
    expect(await instanceObjects(crName)).toBe('');

    await env.cp.kubectl('delete', 'clb', crName, '-n', ns, '--wait=true');
    expect((await read(kind, objName))?.metadata.uid).toBe(before.metadata.uid);
  });

  it('never touches the default/kubernetes Service for a CodexLB named kubernetes', async () => {
    const before = (await read('Service', 'kubernetes', 'default'))!;
    await env.cp.apply([codexLB('default', 'kubernetes', {})]);
    const cr = await waitForCondition(env.client, 'default', 'kubernetes', 'Degraded', 'True', 'NameConflict');
    expect(condition(cr, 'Degraded')?.message).toContain('Service default/kubernetes already exists and it was not created by this CodexLB');
    const after = (await read('Service', 'kubernetes', 'default'))!;
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect((after.spec as { selector?: unknown }).selector).toBeUndefined();
    expect(await instanceObjects('kubernetes', 'default')).toBe('');
    await env.cp.kubectl('delete', 'clb', 'kubernetes', '-n', 'default', '--wait=true');
  });

  it("names the CodexLB that controls a child name another CodexLB's children already use", async () => {
    await env.cp.apply([codexLB(ns, 'web', {})]);
    await waitForCondition(env.client, ns, 'web', 'Ready', 'True');
    const metrics = (await read('Service', 'web-metrics'))!;
    // CodexLB "web-metrics" would name its main Service "web-metrics": web's metrics Service.
    await env.cp.apply([codexLB(ns, 'web-metrics', {})]);
    const cr = await waitForCondition(env.client, ns, 'web-metrics', 'Degraded', 'True', 'NameConflict');
    expect(condition(cr, 'Degraded')?.message).toContain(`Service ${ns}/web-metrics already exists and it is controlled by CodexLB web (uid `);
    const after = (await read('Service', 'web-metrics'))!;
    expect(after.metadata.resourceVersion).toBe(metrics.metadata.resourceVersion);
    await env.cp.kubectl('delete', 'clb', 'web-metrics', '-n', ns, '--wait=true');
  });

  it('goes ahead by itself once the conflicting object is gone', async () => {
    await env.cp.apply([foreign('Service', 'late'), codexLB(ns, 'late', {})]);
    await waitForCondition(env.client, ns, 'late', 'Degraded', 'True', 'NameConflict');
    // The foreign Service is outside the operator's label-selected caches: no event, only the retry.
    await env.cp.kubectl('delete', 'service', 'late', '-n', ns);
    await waitForCondition(env.client, ns, 'late', 'Ready', 'True');
    expect((await read('Service', 'late'))!.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'CodexLB', name: 'late', controller: true });
  });

  it('takes up its own kept encryption key and SQLite volume when re-created under the same name', async () => {
    await env.cp.apply([codexLB(ns, 'keeper', {})]);
    await waitForCondition(env.client, ns, 'keeper', 'Ready', 'True');
    const key = (await read('Secret', 'keeper-encryption'))!;
    const volume = (await read('PersistentVolumeClaim', 'keeper-data'))!;
    await env.cp.kubectl('delete', 'clb', 'keeper', '-n', ns, '--wait=true');
    await waitFor('the StatefulSet to be collected', async () => ((await get(env.client, 'apps/v1', 'StatefulSet', ns, 'keeper')) ? undefined : true));

    await env.cp.apply([codexLB(ns, 'keeper', {})]);
    const cr = await waitForCondition(env.client, ns, 'keeper', 'Ready', 'True');
    expect(condition(cr, 'Degraded')).toMatchObject({ status: 'False' });
    const keyAfter = (await read('Secret', 'keeper-encryption'))!;
    expect(keyAfter.metadata.uid).toBe(key.metadata.uid);
    expect(keyAfter.data).toEqual(key.data);
    expect((await read('PersistentVolumeClaim', 'keeper-data'))!.metadata.uid).toBe(volume.metadata.uid);
  });

  it('prunes only children it controls, not look-alikes carrying its labels', async () => {
    await env.cp.apply([codexLB(ns, 'pruner', {}), foreign('ConfigMap', 'their-owner')]);
    await waitForCondition(env.client, ns, 'pruner', 'Ready', 'True');
    const theirOwner = (await read('ConfigMap', 'their-owner'))!;
    const lookalike = (name: string, ownerReferences?: OwnerReference[]): KubeObject => ({
      ...foreign('Service', name),
      metadata: { name, namespace: ns, labels: labels('pruner'), ...(ownerReferences ? { ownerReferences } : {}) },
    });
    await env.cp.apply([
      lookalike('pruner-unowned'),
      lookalike('pruner-other-owner', [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'their-owner', uid: theirOwner.metadata.uid ?? '', controller: true }]),
    ]);
    await env.cp.kubectl('patch', 'clb', 'pruner', '-n', ns, '--type=merge', '-p', '{"spec":{"metrics":{"enabled":false}}}');
    await waitFor('the metrics Service to be pruned', async () => ((await read('Service', 'pruner-metrics')) ? undefined : true));
    expect(await read('Service', 'pruner-unowned')).toBeDefined();
    expect(await read('Service', 'pruner-other-owner')).toBeDefined();
  });
});
