/**
 * A Standalone CodexLB on a real control plane (with kube-controller-manager, scheduler and kwok):
 * the operator creates every object of the mode, the pod becomes Ready, and status says so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { OPERATOR_VERSION } from '../../../operator/version.ts';

const ns = 'standalone';
const name = 'codex-lb';

describe('Standalone CodexLB with SQLite', () => {
  let env: OperatorTestEnv;
  let op: RunningOperator;
  let cr: Record<string, any>;

  beforeAll(async () => {
    env = await startOperatorTestEnv('cluster');
    await createNamespace(env.cp, ns);
    op = await startOperator(env.cp.kubeConfig());
    await env.cp.apply([
      codexLB(ns, name, {
        database: { type: 'SQLite', sqlite: { storage: { size: '2Gi' } } },
        oauth: { callbackService: { enabled: true } },
      }),
    ]);
    cr = await waitForCondition(env.client, ns, name, 'Ready', 'True');
  });

  afterAll(async () => {
    await op?.stop();
    await env?.stop();
  });

  const read = (apiVersion: string, kind: string, objName: string) => get(env.client, apiVersion, kind, ns, objName);

  it('runs one proxy pod from a StatefulSet, with SQLite migrating at startup and no migration Job', async () => {
    const sts = (await read('apps/v1', 'StatefulSet', name))!;
    expect(sts.spec.replicas).toBe(1);
    expect(sts.spec.serviceName).toBe(`${name}-handoff`);
    const pod = sts.spec.template.spec;
    const container = pod.containers[0];
    expect(container.image).toBe(`ghcr.io/codex-lb/codex-lb-proxy:${OPERATOR_VERSION}`);
    expect(container.args).toEqual(['serve']);
    expect(pod.initContainers ?? []).toEqual([]);
    const cm = (await read('v1', 'ConfigMap', `${name}-env`))!;
    expect(cm.data.CODEX_LB_DATABASE_MIGRATE_ON_STARTUP).toBe('true');
    expect(cm.data.CODEX_LB_DATABASE_POOL_SIZE).toBeUndefined();
    expect(cm.data.CODEX_LB_OAUTH_CALLBACK_HOST).toBe('0.0.0.0');
    expect(container.env.map((e: { name: string }) => e.name)).not.toContain('CODEX_LB_DATABASE_URL');
    const jobs = await env.client.list('batch/v1', 'Job', { namespace: ns });
    expect(jobs.items).toEqual([]);
  });

  it('keeps SQLite on a PersistentVolumeClaim that survives the CodexLB (no ownerReference)', async () => {
    const sts = (await read('apps/v1', 'StatefulSet', name))!;
    const data = sts.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'data');
    expect(data.persistentVolumeClaim.claimName).toBe(`${name}-data`);
    const pvc = (await read('v1', 'PersistentVolumeClaim', `${name}-data`))!;
    expect(pvc.spec.resources.requests.storage).toBe('2Gi');
    expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(pvc.metadata.ownerReferences).toBeUndefined();
    expect(pvc.status.phase).toBe('Bound');
  });

  it('runs the pod under the restricted security profile', async () => {
    const pod = (await read('apps/v1', 'StatefulSet', name))!.spec.template.spec;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.enableServiceLinks).toBe(false);
    expect(pod.containers[0].securityContext).toEqual({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    const sa = (await read('v1', 'ServiceAccount', name))!;
    expect(sa.automountServiceAccountToken).toBe(false);
  });

  it('probes the health endpoints and drains in preStop within the grace period', async () => {
    const pod = (await read('apps/v1', 'StatefulSet', name))!.spec.template.spec;
    const c = pod.containers[0];
    expect(c.startupProbe.httpGet.path).toBe('/health/startup');
    expect(c.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(c.livenessProbe.httpGet.path).toBe('/health/live');
    expect(c.lifecycle.preStop.exec.command).toEqual(['codex-lb-proxy', 'drain', '--dwell-seconds', '15', '--timeout-seconds', '30']);
    expect(pod.terminationGracePeriodSeconds).toBe(65);
  });

  it('exposes the API on port 80, the OAuth callback on 1455 and metrics on 9090', async () => {
    const main = (await read('v1', 'Service', name))!;
    expect(main.spec.ports).toEqual([expect.objectContaining({ name: 'http', port: 80, targetPort: 'http' })]);
    const oauth = (await read('v1', 'Service', `${name}-oauth`))!;
    expect(oauth.spec.ports[0]).toMatchObject({ port: 1455, targetPort: 'oauth' });
    const metrics = (await read('v1', 'Service', `${name}-metrics`))!;
    expect(metrics.spec.ports[0]).toMatchObject({ port: 9090, targetPort: 'metrics' });
    const ports = (await read('apps/v1', 'StatefulSet', name))!.spec.template.spec.containers[0].ports.map((p: any) => `${p.name}:${p.containerPort}`);
    expect(ports).toEqual(['http:2455', 'oauth:1455', 'metrics:9090']);
  });

  it('generates the encryption key once, outside garbage collection, and an owned admin token', async () => {
    const key = (await read('v1', 'Secret', `${name}-encryption`))!;
    expect(Buffer.from(key.data['encryption-key'], 'base64').toString()).toMatch(/^[A-Za-z0-9_-]{43}=$/);
    expect(key.metadata.ownerReferences).toBeUndefined();
    const token = (await read('v1', 'Secret', `${name}-admin-token`))!;
    expect(token.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'CodexLB', name, controller: true });
    const pod = (await read('apps/v1', 'StatefulSet', name))!.spec.template.spec;
    expect(pod.volumes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'encryption-key', secret: expect.objectContaining({ secretName: `${name}-encryption` }) }),
        expect.objectContaining({ name: 'admin-token', secret: expect.objectContaining({ secretName: `${name}-admin-token` }) }),
      ]),
    );
  });

  it('has no PodDisruptionBudget or continuity route in Standalone mode', async () => {
    expect(await read('policy/v1', 'PodDisruptionBudget', name)).toBeUndefined();
    expect(cr.status.effective).toMatchObject({ migrationStrategy: 'Startup', continuity: false, podDisruptionBudget: false });
  });

  it('reports Ready with observedGeneration, replica counts, the scale selector and endpoints', () => {
    expect(cr.status.observedGeneration).toBe(cr.metadata.generation);
    expect(condition(cr, 'Ready')).toMatchObject({ status: 'True', reason: 'Ready' });
    expect(condition(cr, 'Progressing')).toMatchObject({ status: 'False', reason: 'Complete' });
    expect(condition(cr, 'Degraded')).toMatchObject({ status: 'False' });
    expect(condition(cr, 'MigrationsApplied')).toMatchObject({ status: 'True', reason: 'MigratedOnStartup' });
    expect(cr.status).toMatchObject({ replicas: 1, readyReplicas: 1, updatedReplicas: 1 });
    expect(cr.status.selector).toBe('app.kubernetes.io/name=codex-lb,app.kubernetes.io/instance=codex-lb,app.kubernetes.io/component=server');
    expect(cr.status.endpoints.service).toBe(`http://${name}.${ns}.svc.cluster.local:80`);
    expect(cr.status.endpoints.dashboard).toBe(`http://${name}.${ns}.svc.cluster.local:80/`);
  });

  it('shows mode, database and readiness in kubectl get', async () => {
    const out = await env.cp.kubectl('get', 'clb', '-n', ns);
    expect(out).toMatch(/NAME\s+MODE\s+DATABASE\s+REPLICAS\s+READY\s+STATUS\s+ACCOUNTS\s+ACTIVE\s+AGE/);
    expect(out).toMatch(/codex-lb\s+Standalone\s+SQLite\s+1\s+1\s+Ready/);
  });
});
