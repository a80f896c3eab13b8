/**
 * A key the database was not encrypted with is reported as Degraded=True, EncryptionKeyLost, with a
 * message saying which Secret to restore, instead of pods that silently fail to start:
 * - a replaced key is checked by a migration Job (strategy Job) before any pod uses it: a pass rolls
 *   out, a mismatch holds the rollout while the old pods keep serving;
 * - without a Job (SQLite), the pods of the current template that refused to start say so;
 * - a re-created CodexLB whose key Secret was lost gets a fresh key, which the Job refuses.
 * kwok stands in for the proxy here (a Job pod fails with the exit code and termination message
 * `migrate upgrade` writes; a pod's status is set as the kubelet would); the proxy's side is proven
 * in test/integration/proxy-store/migrate-cli.test.ts, real pods in the lead's real-pod profile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/process.ts';
import { SIMULATED_EXIT_CODE_ENV, SIMULATED_TERMINATION_MESSAGE_ENV } from '../../harness/controlplane/kwok-config.ts';
import { generateFernetKey } from '../../../operator/controllers/codexlb/secrets.ts';
import { ANNOTATION_CONFIG_HASH } from '../../../operator/render/workload.ts';
import type { KubeObject } from '../../../operator/runtime/kube/types.ts';
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

const ns = 'keys';
const condition = (cr: KubeObject, type: string) => conditionOf(cr as never, type);
const replicated = {
  topology: { mode: 'Replicated', replicas: 2 },
  database: { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'db' } } },
  migration: { job: { backoffLimit: 0 } },
};
/** What `migrate upgrade` does when the key is not the database's (proxy/OPERATOR-CONTRACT.md). */
const jobFindsWrongKey = [
  { name: SIMULATED_EXIT_CODE_ENV, value: '5' },
  { name: SIMULATED_TERMINATION_MESSAGE_ENV, value: 'migration_error=encryption_key_mismatch' },
];

describe('an encryption key the database was not encrypted with', () => {
  let env: OperatorTestEnv;
  let op: RunningOperator;
  const sts = async (name: string) => (await get(env.client, 'apps/v1', 'StatefulSet', ns, name)) as (KubeObject & Record<string, any>) | undefined;
  const cr = async (name: string) => (await get(env.client, 'codexlb.io/v1alpha1', 'CodexLB', ns, name))!;
  const replaceKey = (name: string) => env.cp.apply([secret(ns, `${name}-encryption`, { 'encryption-key': generateFernetKey() }, { grantAccess: false })]);

  beforeAll(async () => {
    env = await startOperatorTestEnv('cluster');
    await createNamespace(env.cp, ns);
    op = await startOperator(env.cp.kubeConfig());
    await env.cp.apply([secret(ns, 'db', { 'database-url': 'postgresql://u:p@db:5432/codexlb' })]);
  });

  afterAll(async () => {
    await op?.stop();
    await env?.stop();
  });

  it('is checked by a migration Job before any pod uses it; a key that passes then rolls out', async () => {
    await env.cp.apply([codexLB(ns, 'pg', replicated)]);
    const first = await waitForCondition(env.client, ns, 'pg', 'Ready', 'True');
    const hash = (await sts('pg'))!.spec.template.metadata.annotations[ANNOTATION_CONFIG_HASH];

    await replaceKey('pg');
    const checked = await waitFor('a new migration Job for the new key', async () => {
      const now = await cr('pg');
      return (now as any).status.schema.job !== (first as any).status.schema.job ? now : undefined;
    });
    expect((checked as any).status.schema.job).toMatch(/^pg-migrate-[0-9a-f]{8}$/);
    await waitFor('the pods to roll after the Job passed', async () => {
      const s = await sts('pg');
      return s?.spec.template.metadata.annotations[ANNOTATION_CONFIG_HASH] !== hash ? true : undefined;
    });
    await waitForCondition(env.client, ns, 'pg', 'Ready', 'True');
  });

  it('holds the rollout and says what to do when the Job finds the key wrong, while the old pods keep serving; resumes once fixed', async () => {
    const before = (await sts('pg'))!;
    const original = (await get(env.client, 'v1', 'Secret', ns, 'pg-encryption'))!;
    // The operator sees both changes at once, so the Job for the new key is the one kwok fails as
    // `migrate upgrade` would (an env change alone rolls pods without a Job).
    await op.stop();
    await env.cp.kubectl('patch', 'clb', 'pg', '-n', ns, '--type=merge', '-p', JSON.stringify({ spec: { env: jobFindsWrongKey } }));
    await replaceKey('pg');
    op = await startOperator(env.cp.kubeConfig());

    const degraded = await waitForCondition(env.client, ns, 'pg', 'Degraded', 'True', 'EncryptionKeyLost');
    expect(condition(degraded, 'Degraded')?.message).toMatch(
      /^migration Job pg-migrate-[0-9a-f]{8} refused to start: the key in Secret "pg-encryption" \(key "encryption-key"\) is not the key this database was encrypted with, so the stored account tokens cannot be decrypted\. Restore the original key into that Secret \(from a backup\); the rollout resumes once it matches\./,
    );
    expect(condition(degraded, 'Ready')).toMatchObject({ status: 'False', reason: 'EncryptionKeyLost' });
    const after = (await sts('pg'))!;
    expect(after.metadata.generation).toBe(before.metadata.generation);
    expect(after.status.readyReplicas).toBe(2);

    // Restoring the key the database was last checked against (and, for kwok, no longer failing the
    // Job) needs no new Job: the installation is as it was.
    const originalKey = Buffer.from((original as any).data['encryption-key'], 'base64').toString();
    await op.stop();
    await env.cp.apply([secret(ns, 'pg-encryption', { 'encryption-key': originalKey }, { grantAccess: false })]);
    await env.cp.kubectl('patch', 'clb', 'pg', '-n', ns, '--type=json', '-p', '[{"op":"remove","path":"/spec/env"}]');
    op = await startOperator(env.cp.kubeConfig());
    const fixed = await waitForCondition(env.client, ns, 'pg', 'Ready', 'True');
    expect(condition(fixed, 'Degraded')).toMatchObject({ status: 'False' });
    expect((await sts('pg'))!.metadata.generation).toBe(before.metadata.generation);
  });

  it('reports a pod of the current template that refused to start with the wrong key (SQLite: no Job)', async () => {
    await env.cp.apply([codexLB(ns, 'solo', {})]);
    await waitForCondition(env.client, ns, 'solo', 'Ready', 'True');
    const pod = (await get(env.client, 'v1', 'Pod', ns, 'solo-0')) as KubeObject & Record<string, any>;
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    // What the kubelet reports for `serve` exiting 5 after writing its termination log, then restarting.
    const containerStatuses = pod.status.containerStatuses.map((c: Record<string, unknown>) => ({
      ...c,
      ready: false,
      started: false,
      restartCount: 1,
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 5, reason: 'Error', message: 'startup_error=encryption_key_mismatch\n', startedAt: now, finishedAt: now } },
    }));
    await env.cp.kubectl('patch', 'pod', 'solo-0', '-n', ns, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { containerStatuses } }));

    const degraded = await waitForCondition(env.client, ns, 'solo', 'Degraded', 'True', 'EncryptionKeyLost');
    expect(condition(degraded, 'Degraded')?.message).toMatch(
      /^pod solo-0 \(container codex-lb\) refused to start: the key in Secret "solo-encryption" \(key "encryption-key"\) is not the key this database was encrypted with/,
    );
  });

  it('reports a re-created CodexLB whose key Secret was lost instead of letting its fresh key fail silently', async () => {
    await env.cp.apply([codexLB(ns, 'again', replicated)]);
    await waitForCondition(env.client, ns, 'again', 'Ready', 'True');
    await env.cp.kubectl('delete', 'clb', 'again', '-n', ns, '--wait=true');
    await env.cp.kubectl('delete', 'secret', 'again-encryption', '-n', ns);
    await waitFor('the old children to be collected', async () => ((await get(env.client, 'v1', 'Secret', ns, 'again-admin-token')) ? undefined : true));

    // The database still holds tokens encrypted with the lost key: the Job for the new key refuses it.
    await env.cp.apply([codexLB(ns, 'again', { ...replicated, env: jobFindsWrongKey })]);
    const degraded = await waitForCondition(env.client, ns, 'again', 'Degraded', 'True', 'EncryptionKeyLost');
    expect(condition(degraded, 'Degraded')?.message).toContain('the key in Secret "again-encryption" (key "encryption-key") is not the key this database was encrypted with');
    expect(await sts('again')).toBeUndefined();
  });
});
