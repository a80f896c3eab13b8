/**
 * The operator runs under the ServiceAccount and roles from config/ (not as admin) and still does
 * its whole job, while that identity cannot do what the operator never needs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  codexLB,
  createNamespace,
  repoRoot,
  secret,
  startOperator,
  startOperatorTestEnv,
  waitForCondition,
  type OperatorTestEnv,
  type RunningOperator,
} from './support.ts';

const operatorNs = 'codex-lb-system';
const serviceAccount = `system:serviceaccount:${operatorNs}:codex-lb-operator`;
const ns = 'tenant';

describe('operator under its least-privilege RBAC', () => {
  let env: OperatorTestEnv;
  let op: RunningOperator;

  beforeAll(async () => {
    env = await startOperatorTestEnv('cluster');
    await createNamespace(env.cp, operatorNs);
    await createNamespace(env.cp, ns);
    await env.cp.kubectl('apply', '-n', operatorNs, '-k', `${repoRoot}config/rbac`);
    const token = (await env.cp.kubectl('create', 'token', 'codex-lb-operator', '-n', operatorNs, '--duration=1h')).trim();
    op = await startOperator(env.cp.kubeConfigForToken(token, 'codex-lb-operator'), { leaseNamespace: operatorNs });
  });

  afterAll(async () => {
    await op?.stop();
    await env?.stop();
  });

  it('reconciles Standalone and Replicated installations to Ready without a single forbidden request', async () => {
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
    expect(op.requests.filter((r) => / 40[13]$/.test(r))).toEqual([]);
    const lease = await env.cp.kubectl('get', 'lease', 'codex-lb-operator', '-n', operatorNs, '-o', 'jsonpath={.spec.holderIdentity}');
    expect(lease).not.toBe('');
  });

  it.each([
    ['delete', 'secrets'],
    ['update', 'secrets'],
    ['create', 'pods'],
    ['delete', 'persistentvolumeclaims'],
    ['create', 'clusterrolebindings'],
    ['update', 'codexlbs.codexlb.io'],
    ['delete', 'codexlbs.codexlb.io'],
    ['create', 'leases.coordination.k8s.io'],
  ])('cannot %s %s', async (verb, resource) => {
    const answer = await env.cp.kubectl('auth', 'can-i', verb, resource, '-n', ns, `--as=${serviceAccount}`).catch((e: Error) => e.message);
    expect(answer).toMatch(/\bno\b/);
  });
});
