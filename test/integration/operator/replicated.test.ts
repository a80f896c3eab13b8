/**
 * A Replicated CodexLB on external PostgreSQL: migration Job before the StatefulSet, schema gate,
 * handoff identity, PDB, continuity routing; optional APIs skipped with a condition until installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  codexLB,
  condition,
  createNamespace,
  get,
  secret,
  startOperator,
  startOperatorTestEnv,
  waitForCondition,
  type OperatorTestEnv,
  type RunningOperator,
} from './support.ts';
import { PassThrough } from 'node:stream';
import { waitFor } from '../../harness/process.ts';
import { httpRouteCrd } from './optional-crds.ts';
import { waitForCrds } from '../../harness/controlplane/crds.ts';

const ns = 'replicated';
const name = 'prod';
const dbUrl = 'postgresql://codexlb:s3cret-pw@db.example.internal:5432/codexlb';

describe('Replicated CodexLB with PostgreSQL', () => {
  let env: OperatorTestEnv;
  let op: RunningOperator;
  let cr: Record<string, any>;
  let logs = '';
  const read = (apiVersion: string, kind: string, objName: string) => get(env.client, apiVersion, kind, ns, objName);

  beforeAll(async () => {
    env = await startOperatorTestEnv('cluster');
    await createNamespace(env.cp, ns);
    const logStream = new PassThrough();
    logStream.on('data', (chunk: Buffer) => (logs += chunk.toString()));
    op = await startOperator(env.cp.kubeConfig(), { logStream });
    await env.cp.apply([
      secret(ns, 'codex-lb-db', { 'database-url': dbUrl }),
      codexLB(ns, name, {
        topology: { mode: 'Replicated', replicas: 3 },
        database: { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'codex-lb-db' } }, pool: { size: 2, maxOverflow: 1 } },
        ingress: { enabled: true, className: 'nginx', hosts: [{ host: 'codex.example.com' }], nginx: { enabled: true } },
        gatewayAPI: { enabled: true, parentRefs: [{ name: 'public', namespace: 'gateways' }], hostnames: ['codex.example.com'] },
        metrics: { serviceMonitor: { enabled: true } },
      }),
    ]);
    cr = await waitForCondition(env.client, ns, name, 'Ready', 'True');
  });

  afterAll(async () => {
    await op?.stop();
    await env?.stop();
  });

  it('ran the migration Job with the new image before creating the StatefulSet', async () => {
    const jobs = (await env.client.list<any>('batch/v1', 'Job', { namespace: ns })).items;
    expect(jobs).toHaveLength(1);
    const job = jobs[0];
    expect(job.metadata.name).toBe(cr.status.schema.job);
    expect(job.metadata.name).toMatch(/^prod-migrate-[0-9a-f]{8}$/);
    const container = job.spec.template.spec.containers[0];
    expect(container.args).toEqual(['migrate', 'upgrade', '--wait-for-connection-seconds', '120']);
    expect(container.image).toBe(cr.status.image.desired);
    const sts = (await read('apps/v1', 'StatefulSet', name))!;
    const completed = job.status.conditions.find((c: any) => c.type === 'Complete').lastTransitionTime;
    expect(Date.parse(sts.metadata.creationTimestamp!)).toBeGreaterThanOrEqual(Date.parse(completed));
    expect(cr.status.schema.migratedImage).toBe(cr.status.image.desired);
    expect(condition(cr, 'MigrationsApplied')).toMatchObject({ status: 'True', reason: 'AtHead' });
    expect(condition(cr, 'DatabaseReady')).toMatchObject({ status: 'True' });
  });

  it('gates pods on the schema and never migrates on startup', async () => {
    const pod = (await read('apps/v1', 'StatefulSet', name))!.spec.template.spec;
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['wait-for-schema']);
    expect(pod.initContainers[0].args).toEqual(['migrate', 'wait-for-head', '--timeout-seconds', '300', '--interval-seconds', '2']);
    const cm = (await read('v1', 'ConfigMap', `${name}-env`))!;
    expect(cm.data).toMatchObject({ CODEX_LB_DATABASE_MIGRATE_ON_STARTUP: 'false', CODEX_LB_DATABASE_POOL_SIZE: '2', CODEX_LB_DATABASE_MAX_OVERFLOW: '1' });
  });

  it('reads the database URL from the Secret and never renders it into a manifest', async () => {
    const sts = (await read('apps/v1', 'StatefulSet', name))!;
    const env0 = sts.spec.template.spec.containers[0].env;
    expect(env0.find((e: any) => e.name === 'CODEX_LB_DATABASE_URL')).toEqual({
      name: 'CODEX_LB_DATABASE_URL',
      valueFrom: { secretKeyRef: { name: 'codex-lb-db', key: 'database-url' } },
    });
    const everything = JSON.stringify([
      sts,
      await read('v1', 'ConfigMap', `${name}-env`),
      (await env.client.list('batch/v1', 'Job', { namespace: ns })).items,
      await read('codexlb.io/v1alpha1', 'CodexLB', name),
    ]);
    expect(everything).not.toContain('s3cret-pw');
  });

  it('runs 3 replicas with a per-pod identity on the headless handoff Service', async () => {
    const sts = (await read('apps/v1', 'StatefulSet', name))!;
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.podManagementPolicy).toBe('Parallel');
    const env0 = Object.fromEntries(sts.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
    expect(env0.CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_ID).toBe('$(POD_NAME)');
    expect(env0.CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_ADVERTISE_BASE_URL).toBe(
      'http://$(POD_NAME).prod-handoff.$(POD_NAMESPACE).svc.cluster.local:2455',
    );
    expect(env0.POD_NAME).toEqual({ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } });
    const handoff = (await read('v1', 'Service', `${name}-handoff`))!;
    expect(handoff.spec).toMatchObject({ clusterIP: 'None', publishNotReadyAddresses: true });
    expect(sts.spec.template.spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toHaveLength(1);
    expect(cr.status).toMatchObject({ replicas: 3, readyReplicas: 3 });
  });

  it('protects availability with a PodDisruptionBudget', async () => {
    const pdb = (await read('policy/v1', 'PodDisruptionBudget', name))!;
    expect(pdb.spec.maxUnavailable).toBe(1);
    expect(pdb.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'codex-lb',
      'app.kubernetes.io/instance': name,
      'app.kubernetes.io/component': 'server',
    });
  });

  it('routes the Responses paths through a continuity Ingress hashed on the session header', async () => {
    const main = (await read('networking.k8s.io/v1', 'Ingress', name))!;
    expect(main.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-buffering']).toBe('off');
    expect(main.spec.rules[0].http.paths[0]).toMatchObject({ path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: 'http' } } } });
    const continuity = (await read('networking.k8s.io/v1', 'Ingress', `${name}-responses`))!;
    expect(continuity.metadata.annotations).toMatchObject({
      'nginx.ingress.kubernetes.io/upstream-hash-by': '$http_x_codex_session_id$http_authorization',
      'nginx.ingress.kubernetes.io/proxy-next-upstream': 'error timeout http_502 http_503 http_504 invalid_header',
      'nginx.ingress.kubernetes.io/proxy-next-upstream-tries': '2',
    });
    expect(continuity.spec.rules[0].http.paths.map((p: any) => `${p.pathType} ${p.path}`)).toEqual([
      'Exact /v1/responses',
      'Exact /backend-api/codex/responses',
    ]);
  });

  it('skips Gateway API and monitoring objects whose CRDs are absent, with a condition, not an error loop', async () => {
    expect(condition(cr, 'RoutesReady')).toMatchObject({ status: 'False', reason: 'GatewayAPINotInstalled' });
    expect(condition(cr, 'MonitoringReady')).toMatchObject({ status: 'False', reason: 'CRDNotInstalled' });
    expect(condition(cr, 'Ready')).toMatchObject({ status: 'True' });
    expect(cr.status.skipped).toEqual({ gatewayAPI: true, monitoring: true });
  });

  it('creates the HTTPRoutes, including the continuity route, once the Gateway API is installed', async () => {
    await env.cp.apply([httpRouteCrd]);
    await waitForCrds(env.cp, ['httproutes.gateway.networking.k8s.io']);
    const route = await waitFor('HTTPRoute prod-responses', () => read('gateway.networking.k8s.io/v1', 'HTTPRoute', `${name}-responses`), {
      timeoutMs: 90_000,
    });
    expect(route.spec.parentRefs).toEqual([{ name: 'public', namespace: 'gateways' }]);
    expect(route.spec.rules[0].matches).toEqual([
      { path: { type: 'Exact', value: '/v1/responses' } },
      { path: { type: 'Exact', value: '/backend-api/codex/responses' } },
    ]);
    expect(route.spec.rules[0].backendRefs).toEqual([{ name, port: 80 }]);
    const main = (await read('gateway.networking.k8s.io/v1', 'HTTPRoute', name))!;
    expect(main.spec.hostnames).toEqual(['codex.example.com']);
    const updated = await waitForCondition(env.client, ns, name, 'RoutesReady', 'True');
    expect(updated.status.skipped.gatewayAPI).toBe(false);
  });

  it('composes the database URL from host, user and a password Secret into an owned Secret', async () => {
    await env.cp.apply([
      secret(ns, 'pg-password', { password: 'p@ss/word' }),
      codexLB(ns, 'discrete', {
        topology: { mode: 'Replicated', replicas: 2 },
        database: {
          type: 'PostgreSQL',
          postgres: { host: 'pg.internal', database: 'codex', user: 'app', passwordSecretRef: { name: 'pg-password' }, parameters: { sslmode: 'require' } },
        },
      }),
    ]);
    await waitForCondition(env.client, ns, 'discrete', 'Ready', 'True');
    const composed = (await read('v1', 'Secret', 'discrete-db'))!;
    expect(Buffer.from(composed.data['database-url'], 'base64').toString()).toBe('postgresql://app:p%40ss%2Fword@pg.internal:5432/codex?sslmode=require');
    expect(composed.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'CodexLB', name: 'discrete' });
    const podEnv = (await read('apps/v1', 'StatefulSet', 'discrete'))!.spec.template.spec.containers[0].env;
    expect(podEnv.find((e: any) => e.name === 'CODEX_LB_DATABASE_URL').valueFrom.secretKeyRef).toEqual({ name: 'discrete-db', key: 'database-url' });
  });

  it('never writes a credential into its logs or Events', async () => {
    const key = Buffer.from((await read('v1', 'Secret', `${name}-encryption`))!.data['encryption-key'], 'base64').toString();
    const token = Buffer.from((await read('v1', 'Secret', `${name}-admin-token`))!.data.token, 'base64').toString();
    const events = await env.cp.kubectl('get', 'events', '-n', ns, '-o', 'json');
    expect(logs).toContain('"message":"applied"');
    for (const text of [logs, events]) {
      for (const value of ['s3cret-pw', 'p@ss/word', 'p%40ss%2Fword', key, token]) expect(text).not.toContain(value);
    }
  });
});
