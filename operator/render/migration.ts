/**
 * The migration Job <name>-migrate-<hash>: the flavor's `migrate upgrade` (render/program.ts) with the NEW image,
 * before any pod rolls. The name hashes the migration target (database, run token) and the Job's
 * whole spec (image, env, ...): each distinct attempt is a distinct Job (a Job's pod template is
 * immutable), a finished one is never re-run, and fixing a failed one's spec starts a fresh Job.
 */
import type { CodexLB } from '../api/crds.ts';
import type { KubeObject } from '../runtime/kube/types.ts';
import { hashOf } from './hash.ts';
import type { RenderInput } from './input.ts';
import { selectorLabels } from './labels.ts';
import { childMeta } from './meta.ts';
import { names } from './names.ts';
import { containerSecurityContext, envFrom, podSecurityContext, podVolumes, programOf, proxyEnv, volumeMounts } from './workload.ts';

/**
 * Identifies what a migration Job checks: the database (content hash of its URL), the encryption key
 * (content hash: the Job verifies a new key against the database before any pod uses it) and the
 * run token.
 */
export function migrationTarget(cr: CodexLB, hashes: { database: string; encryption: string }): string {
  return hashOf({ database: hashes.database, encryption: hashes.encryption, runToken: cr.spec.migration.runToken ?? '' }, 8);
}

export function migrationJobName(input: RenderInput, image: string, target: string): string {
  const spec = renderMigrationJob(input, { name: '', image }).spec;
  return names(input.codexlb.metadata.name).migrationJob(hashOf({ target, spec }, 8));
}

export function renderMigrationJob(input: RenderInput, job: { name: string; image: string }): KubeObject {
  const cr = input.codexlb;
  const { spec } = cr;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: childMeta(cr, job.name, 'migration'),
    spec: {
      backoffLimit: spec.migration.job.backoffLimit,
      activeDeadlineSeconds: spec.migration.job.activeDeadlineSeconds,
      ttlSecondsAfterFinished: spec.migration.job.ttlSecondsAfterFinished,
      template: {
        metadata: { labels: { ...spec.commonLabels, ...selectorLabels(cr.metadata.name, 'migration') }, annotations: spec.commonAnnotations },
        spec: {
          restartPolicy: 'Never',
          serviceAccountName: names(cr.metadata.name).serviceAccount,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurityContext,
          imagePullSecrets: spec.image.pullSecrets,
          containers: [
            {
              name: 'migrate',
              image: job.image,
              imagePullPolicy: spec.image.pullPolicy,
              ...programOf(cr).migrate(spec.migration.job.databaseWaitSeconds),
              envFrom: envFrom(input),
              env: [...proxyEnv(input), ...(spec.env ?? [])],
              volumeMounts: volumeMounts(input),
              securityContext: containerSecurityContext,
              // Both flavors leave `current_revision=...` here; the operator reads it from the Pod status.
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
              resources: spec.migration.job.resources,
            },
          ],
          volumes: podVolumes(input),
          nodeSelector: spec.scheduling.nodeSelector,
          tolerations: spec.scheduling.tolerations,
        },
      },
    },
  };
}
