/**
 * What GitOps tools conclude from a CodexLB, computed by their own code on objects a real operator wrote:
 * kstatus (Flux's health checks) and the Argo CD health script (config/argocd/health-codexlb.lua, run by
 * Lua 5.1). A ready installation is Current / Healthy, one still rolling out is InProgress / Progressing, and
 * one with a failed migration is Failed / Degraded at once, so a health check stops waiting instead of
 * running into its timeout (issue 11, defect 8).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATED_EXIT_CODE_ENV } from '../../harness/controlplane/kwok-config.ts';
import { argoHealth, kstatus } from '../../harness/gitops.ts';
import { codexLB, createNamespace, get, secret, startOperator, startOperatorTestEnv, waitForCondition, type OperatorTestEnv, type RunningOperator } from './support.ts';

const ns = 'gitops';
const argoScript = new URL('../../../config/argocd/health-codexlb.lua', import.meta.url);
const replicated = {
  topology: { mode: 'Replicated', replicas: 2 },
  database: { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'db' } } },
};

describe('GitOps health of a CodexLB', () => {
  let env: OperatorTestEnv;
  let op: RunningOperator;
  const codexlb = async (name: string) => (await get(env.client, 'codexlb.io/v1alpha1', 'CodexLB', ns, name))!;

  beforeAll(async () => {
    env = await startOperatorTestEnv('cluster');
    await createNamespace(env.cp, ns);
    op = await startOperator(env.cp.kubeConfig());
    await env.cp.apply([
      secret(ns, 'db', { 'database-url': 'postgresql://u:p@db:5432/codexlb' }),
      codexLB(ns, 'ready', replicated),
      // No node matches: the migration Job and the pods stay Pending.
      codexLB(ns, 'pending', { ...replicated, scheduling: { nodeSelector: { 'codexlb.io/no-such-node': 'true' } } }),
      // kwok fails the migration Job's pod, as a real failing `migrate upgrade` would.
      codexLB(ns, 'failed', { ...replicated, env: [{ name: SIMULATED_EXIT_CODE_ENV, value: '1' }], migration: { job: { backoffLimit: 0 } } }),
    ]);
    await waitForCondition(env.client, ns, 'ready', 'Ready', 'True');
    await waitForCondition(env.client, ns, 'pending', 'Reconciling', 'True');
    await waitForCondition(env.client, ns, 'failed', 'Degraded', 'True', 'MigrationFailed');
  });

  afterAll(async () => {
    await op?.stop();
    await env?.stop();
  });

  it('is what kstatus computes: Current, InProgress, and Failed for a failed migration', async () => {
    const list = JSON.parse(await env.cp.kubectl('get', 'codexlbs', '-n', ns, '-o', 'json')) as unknown;
    const verdicts = Object.fromEntries((await kstatus(list)).map((r) => [r.name, r]));
    expect(verdicts.ready?.status).toBe('Current');
    expect(verdicts.pending?.status).toBe('InProgress');
    expect(verdicts.failed).toMatchObject({ status: 'Failed', message: expect.stringContaining('failed (exit code 1)') });
  });

  it("is what Argo CD's health script computes: Healthy, Progressing, Degraded", async () => {
    expect(await argoHealth(argoScript, await codexlb('ready'))).toEqual({ status: 'Healthy', message: '2/2 replicas ready' });
    expect((await argoHealth(argoScript, await codexlb('pending'))).status).toBe('Progressing');
    const failed = await argoHealth(argoScript, await codexlb('failed'));
    expect(failed.status).toBe('Degraded');
    expect(failed.message).toMatch(/^MigrationFailed: .*failed \(exit code 1\)/);
  });

  it('reports a spec the operator has not observed yet as in progress, whatever the conditions say', async () => {
    const ready = await codexlb('ready');
    const unobserved = { ...ready, metadata: { ...ready.metadata, generation: ready.metadata.generation! + 1 } };
    expect((await kstatus(unobserved))[0]?.status).toBe('InProgress');
    expect((await argoHealth(argoScript, unobserved)).status).toBe('Progressing');
  });
});
