/**
 * The `cluster` profile adds kube-controller-manager, kube-scheduler and kwok: workloads get Pods that
 * become Running and Ready on fake Nodes, PVCs bind, Jobs finish (or fail on request), and the garbage
 * collector deletes objects whose owner is gone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesObjectApi, type KubernetesObject } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from './controlplane.ts';
import { SIMULATED_EXIT_CODE_ENV, SIMULATED_TERMINATION_MESSAGE_ENV } from './kwok-config.ts';
import { waitFor } from '../process.ts';

type Obj = KubernetesObject & { status?: Record<string, unknown>; spec?: Record<string, unknown> };

describe('control plane, cluster profile', () => {
  let cp: ControlPlane;
  let api: KubernetesObjectApi;
  const ns = 'harness';

  beforeAll(async () => {
    cp = await startControlPlane({ profile: 'cluster', nodes: 2 });
    api = KubernetesObjectApi.makeApiClient(cp.kubeConfig());
    await cp.kubectl('create', 'namespace', ns);
    // kube-controller-manager creates each namespace's default ServiceAccount, which Pods need.
    await waitFor('the default ServiceAccount', () => cp.kubectl('get', 'serviceaccount', 'default', '-n', ns));
  });

  afterAll(async () => {
    await cp?.stop();
  });

  it('has Ready kwok Nodes', async () => {
    const nodes = await cp.kubectl('get', 'nodes', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status} {end}');
    expect(nodes.trim().split(' ').sort()).toEqual(['kwok-node-0=True', 'kwok-node-1=True']);
  });

  it('runs a StatefulSet with a volume claim template to Ready Pods with bound claims', async () => {
    await cp.apply([
      {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'web', namespace: ns },
        spec: {
          replicas: 2,
          serviceName: 'web',
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: 'data' },
              spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
            },
          ],
        },
      },
    ]);
    const ready = await waitFor('2 ready replicas', async () => {
      const sts = (await api.read({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: ns } })) as Obj;
      return sts.status?.readyReplicas === 2 ? sts.status.readyReplicas : undefined;
    });
    expect(ready).toBe(2);
    const claims = await cp.kubectl('get', 'pvc', '-n', ns, '-o', 'jsonpath={.items[*].status.phase}');
    expect(claims.split(' ')).toEqual(['Bound', 'Bound']);
    const phases = await cp.kubectl('get', 'pods', '-n', ns, '-l', 'app=web', '-o', 'jsonpath={.items[*].status.phase}');
    expect(phases.split(' ')).toEqual(['Running', 'Running']);
  });

  it('completes a Job, and fails one whose Pod asks for a non-zero exit code and termination message', async () => {
    const job = (name: string, env: Array<{ name: string; value: string }>) => ({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name, namespace: ns },
      spec: {
        backoffLimit: 0,
        template: {
          spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'registry.invalid/job:1', env }] },
        },
      },
    });
    await cp.apply([
      job('succeeds', []),
      job('fails', [
        { name: SIMULATED_EXIT_CODE_ENV, value: '3' },
        { name: SIMULATED_TERMINATION_MESSAGE_ENV, value: 'migration_error=database_unreachable' },
      ]),
    ]);
    const condition = (name: string) =>
      waitFor(`job ${name} to finish`, async () => {
        const read = (await api.read({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: ns } })) as Obj;
        const conditions = (read.status?.conditions ?? []) as Array<{ type: string; status: string }>;
        return conditions.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')?.type;
      });
    expect(await condition('succeeds')).toBe('Complete');
    expect(await condition('fails')).toBe('Failed');
    const terminated = await cp.kubectl(
      'get', 'pods', '-n', ns, '-l', 'job-name=fails', '-o', 'jsonpath={.items[0].status.containerStatuses[0].state.terminated}',
    );
    expect(JSON.parse(terminated)).toMatchObject({ exitCode: 3, message: 'migration_error=database_unreachable' });
  });

  it('garbage-collects an object once its owner is deleted', async () => {
    await cp.apply([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner', namespace: ns }, data: {} }]);
    const owner = (await api.read({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner', namespace: ns } })) as Obj;
    await cp.apply([
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 'owned',
          namespace: ns,
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata?.uid, controller: true }],
        },
        stringData: { k: 'v' },
      },
    ]);
    await cp.kubectl('delete', 'configmap', 'owner', '-n', ns, '--wait=true');
    const gone = await waitFor('the owned Secret to be collected', async () => {
      const names = await cp.kubectl('get', 'secrets', '-n', ns, '-o', 'name');
      return names.includes('secret/owned') ? undefined : true;
    });
    expect(gone).toBe(true);
  });
});
