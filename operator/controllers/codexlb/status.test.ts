import { describe, expect, it } from 'vitest';
import type { CodexLB } from '../../api/crds.ts';
import { admitOffline } from '../../api/defaults.ts';
import { DegradedReason, WaitingReason } from '../conditions.ts';
import { computeStatus, type StatusInputs } from './status.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const t1 = new Date('2026-01-01T00:05:00Z');

function codexlb(spec: Record<string, unknown> = {}, status?: CodexLB['status']): CodexLB {
  const cr = admitOffline({ apiVersion: 'codexlb.io/v1alpha1', kind: 'CodexLB', metadata: { name: 'lb', namespace: 'ns', generation: 3 }, spec } as unknown as CodexLB);
  return status ? { ...cr, status } : cr;
}

const ready = { specReplicas: 1, replicas: 1, readyReplicas: 1, updatedReplicas: 1, currentRevision: 'r1', updateRevision: 'r1', observedGeneration: 2, generation: 2, image: 'img:1' };

function inputs(overrides: Partial<StatusInputs> = {}): StatusInputs {
  return {
    codexlb: codexlb(),
    now: t0,
    desiredImage: 'img:1',
    plan: { state: 'Startup', workloadImage: 'img:1' },
    workload: ready,
    skipped: { gatewayAPI: false, monitoring: false },
    ...overrides,
  };
}

const cond = (status: ReturnType<typeof computeStatus>, type: string) => status.conditions?.find((c) => c.type === type);

describe('computeStatus', () => {
  it('is Ready with observedGeneration when all replicas run the current template', () => {
    const status = computeStatus(inputs());
    expect(status.observedGeneration).toBe(3);
    expect(cond(status, 'Ready')).toMatchObject({ status: 'True', reason: 'Ready', message: '1/1 replicas ready', observedGeneration: 3 });
    expect(cond(status, 'Progressing')).toMatchObject({ status: 'False', reason: 'Complete' });
    expect(cond(status, 'Degraded')).toMatchObject({ status: 'False', reason: 'AsExpected' });
  });

  it('is identical when recomputed later from the same observations (no status write, no hot loop)', () => {
    const first = computeStatus(inputs());
    const again = computeStatus(inputs({ codexlb: codexlb({}, first), now: t1 }));
    expect(again).toEqual(first);
  });

  it('moves lastTransitionTime only for conditions that flipped', () => {
    const first = computeStatus(inputs());
    const rolling = computeStatus(inputs({ codexlb: codexlb({}, first), now: t1, workload: { ...ready, updatedReplicas: 0, updateRevision: 'r2' } }));
    expect(cond(rolling, 'Ready')).toMatchObject({ status: 'False', reason: 'RollingOut', lastTransitionTime: '2026-01-01T00:05:00Z' });
    expect(cond(rolling, 'Degraded')?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
  });

  it('reports a running migration as Progressing, not Degraded', () => {
    const status = computeStatus(inputs({ plan: { state: 'Running', job: { name: 'lb-migrate-1', image: 'img:2' } }, desiredImage: 'img:2' }));
    expect(cond(status, 'Progressing')).toMatchObject({ status: 'True', reason: 'Migrating' });
    expect(cond(status, 'Ready')).toMatchObject({ status: 'False', reason: 'Migrating' });
    expect(cond(status, 'MigrationsApplied')).toMatchObject({ status: 'False', reason: 'Migrating' });
    expect(status.image).toEqual({ desired: 'img:2', current: 'img:1' });
  });

  it('reports a failed migration as Degraded and the rollout as held', () => {
    const status = computeStatus(
      inputs({
        plan: { state: 'Failed', job: { name: 'j', image: 'img:2' }, failure: { reason: 'DatabaseUnreachable', message: 'migration Job j could not reach the database' } },
        codexlb: codexlb({ topology: { mode: 'Replicated', replicas: 2 }, database: { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'db' } } } }),
      }),
    );
    expect(cond(status, 'Degraded')).toMatchObject({ status: 'True', reason: 'DatabaseUnreachable' });
    expect(cond(status, 'DatabaseReady')).toMatchObject({ status: 'False', reason: 'DatabaseUnreachable' });
    expect(cond(status, 'MigrationsApplied')?.message).toBe('migration Job j could not reach the database; the rollout is held');
  });

  it('names the missing Secret (never its content) when one cannot be resolved', () => {
    const problem = { reason: DegradedReason.SecretNotFound, message: 'Secret "db" (database.postgres.urlSecretRef) not found' };
    const status = computeStatus(inputs({ plan: undefined, blocked: { stage: 'secrets', problem } }));
    expect(cond(status, 'SecretsReady')).toMatchObject({ status: 'False', reason: 'SecretNotFound' });
    expect(cond(status, 'Ready')).toMatchObject({ status: 'False', reason: 'SecretNotFound' });
  });

  it('reports a pass blocked before the Secrets (a name conflict) as Degraded, with Secrets not yet checked and nothing progressing', () => {
    const problem = { reason: DegradedReason.NameConflict, message: 'Service ns/lb already exists and it was not created by this CodexLB' };
    const status = computeStatus(inputs({ plan: undefined, workload: undefined, blocked: { stage: 'ownership', problem } }));
    expect(cond(status, 'Degraded')).toMatchObject({ status: 'True', ...problem });
    expect(cond(status, 'Ready')).toMatchObject({ status: 'False', reason: 'NameConflict' });
    expect(cond(status, 'SecretsReady')).toMatchObject({ status: 'Unknown', reason: 'NotChecked' });
    expect(cond(status, 'Progressing')).toMatchObject({ status: 'False', reason: 'Blocked' });
  });

  it('remembers which generated key Secret was in use while a pass is blocked (its later deletion is EncryptionKeyLost)', () => {
    const inUse = computeStatus(inputs({ encryptionKeySecret: 'lb-encryption' }));
    const problem = { reason: DegradedReason.ImageNotAllowed, message: 'spec.image.repository …' };
    const blocked = computeStatus(inputs({ codexlb: codexlb({}, inUse), plan: undefined, blocked: { stage: 'policy', problem } }));
    expect(blocked.effective?.encryptionKeySecret).toBe('lb-encryption');
  });

  it('reports what the pods say (a key mismatch) as Degraded while the pass itself went through', () => {
    const problem = { reason: DegradedReason.EncryptionKeyLost, message: 'pod lb-0 (container codex-lb) refused to start: …' };
    const status = computeStatus(inputs({ podProblem: problem, workload: { ...ready, readyReplicas: 0 } }));
    expect(cond(status, 'Degraded')).toMatchObject({ status: 'True', reason: 'EncryptionKeyLost' });
    expect(cond(status, 'SecretsReady')).toMatchObject({ status: 'True' });
  });

  it('reports skipped optional APIs without blocking Ready', () => {
    const status = computeStatus(inputs({ skipped: { gatewayAPI: true, monitoring: false } }));
    expect(cond(status, 'RoutesReady')).toMatchObject({ status: 'False', reason: 'GatewayAPINotInstalled' });
    expect(cond(status, 'Ready')?.status).toBe('True');
  });

  it('waits for the HPA-chosen replica count when autoscaling', () => {
    const cr = codexlb({ topology: { mode: 'Replicated', replicas: 2 }, database: { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'db' } } }, autoscaling: { enabled: true } });
    const status = computeStatus(inputs({ codexlb: cr, workload: { ...ready, specReplicas: 4, replicas: 4, readyReplicas: 3, updatedReplicas: 4 } }));
    expect(cond(status, 'Ready')).toMatchObject({ status: 'False', reason: 'WaitingForPods', message: '3/4 pods ready' });
  });

  describe("kstatus' Stalled and Reconciling (what Flux's health checks read)", () => {
    it('are both False once Ready', () => {
      const status = computeStatus(inputs());
      expect(cond(status, 'Reconciling')).toMatchObject({ status: 'False', reason: 'Complete' });
      expect(cond(status, 'Stalled')).toMatchObject({ status: 'False' });
    });

    it('say Reconciling while a migration or rollout is under way', () => {
      const status = computeStatus(inputs({ plan: { state: 'Running', job: { name: 'lb-migrate-1', image: 'img:2' } }, desiredImage: 'img:2' }));
      expect(cond(status, 'Reconciling')).toMatchObject({ status: 'True', reason: 'Migrating' });
      expect(cond(status, 'Stalled')?.status).toBe('False');
    });

    it('say Stalled, with the Degraded reason, when a human must act (a failed migration is not in progress)', () => {
      const failure = { reason: DegradedReason.MigrationFailed, message: 'migration Job j failed (exit code 1)' };
      const status = computeStatus(inputs({ plan: { state: 'Failed', job: { name: 'j', image: 'img:2' }, failure } }));
      expect(cond(status, 'Stalled')).toMatchObject({ status: 'True', ...failure });
      expect(cond(status, 'Reconciling')?.status).toBe('False');
    });

    it('say Reconciling, not Stalled, for a failed apply the operator retries on its own', () => {
      const status = computeStatus(inputs({ applyError: 'applying Service lb: connection reset' }));
      expect(cond(status, 'Reconciling')).toMatchObject({ status: 'True', reason: 'ApplyFailed' });
      expect(cond(status, 'Stalled')?.status).toBe('False');
    });
  });

  it('reports a pass waiting for ESO or CloudNativePG as in progress, not degraded', () => {
    const waiting = { reason: WaitingReason.WaitingForCloudNativePG, message: 'Waiting for CloudNativePG to create the database and Secret lb-postgres-app' };
    const status = computeStatus(inputs({ plan: undefined, workload: undefined, waiting }));
    expect(cond(status, 'Progressing')).toMatchObject({ status: 'True', ...waiting });
    expect(cond(status, 'Degraded')).toMatchObject({ status: 'False' });
    expect(cond(status, 'Stalled')).toMatchObject({ status: 'False' });
    expect(cond(status, 'Reconciling')).toMatchObject({ status: 'True', reason: 'WaitingForCloudNativePG' });
    expect(cond(status, 'SecretsReady')).toMatchObject({ status: 'False', reason: 'WaitingForCloudNativePG' });
  });

  it('reports a missing CloudNativePG on DatabaseReady, and as Stalled (a human must install it)', () => {
    const problem = { reason: DegradedReason.CloudNativePGNotInstalled, message: 'database.postgres.managed is set but CloudNativePG … is not installed' };
    const cr = codexlb({ topology: { mode: 'Replicated', replicas: 2 }, database: { type: 'PostgreSQL', postgres: { managed: {} } } });
    const status = computeStatus(inputs({ codexlb: cr, plan: undefined, blocked: { stage: 'secrets', problem } }));
    expect(cond(status, 'DatabaseReady')).toMatchObject({ status: 'False', ...problem });
    expect(cond(status, 'Stalled')).toMatchObject({ status: 'True', reason: 'CloudNativePGNotInstalled' });
  });

  it('warns on RoutesReady when the NetworkPolicy would shut the ingress controller out, without blocking Ready', () => {
    const cr = codexlb({ ingress: { enabled: true, hosts: [{ host: 'lb.example.com' }] }, networkPolicy: { enabled: true } });
    const status = computeStatus(inputs({ codexlb: cr }));
    expect(cond(status, 'RoutesReady')).toMatchObject({ status: 'False', reason: 'NetworkPolicyBlocksIngress' });
    expect(cond(status, 'Ready')?.status).toBe('True');
    const allowed = codexlb({ ingress: { enabled: true }, networkPolicy: { enabled: true, ingressFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }] } });
    expect(cond(computeStatus(inputs({ codexlb: allowed })), 'RoutesReady')?.status).toBe('True');
  });

  it('is Ready with a partition once the pods above it run the new template', () => {
    const cr = codexlb({ topology: { mode: 'Replicated', replicas: 3 }, database: { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'db' } } }, updateStrategy: { partition: 2 } });
    const canary = { ...ready, specReplicas: 3, replicas: 3, readyReplicas: 3, updatedReplicas: 1, currentRevision: 'r1', updateRevision: 'r2' };
    expect(cond(computeStatus(inputs({ codexlb: cr, workload: canary })), 'Ready')?.status).toBe('True');
    expect(cond(computeStatus(inputs({ codexlb: cr, workload: { ...canary, updatedReplicas: 0 } })), 'Progressing')).toMatchObject({ status: 'True', reason: 'RollingOut' });
  });
});
