/**
 * Ordering migrations before rollouts (strategy Job): a new image, database target or run token
 * first gets a migration Job running the NEW image; the workload is only updated once that Job
 * succeeded. A failed Job holds the rollout (old pods keep serving) and is reported; it is never
 * retried in a loop: a new image or run token makes a new Job.
 */
import type { CodexLBStatus } from '../../api/codexlb-status.ts';
import type { MigrationStrategy } from '../../render/effective.ts';
import type { SecretKeyRef } from '../../render/input.ts';
import { EXIT_DATABASE_UNREACHABLE } from '../../render/program.ts';
import { DegradedReason, type Problem } from '../conditions.ts';
import { EXIT_KEY_MISMATCH, isKeyMismatch, keyMismatchProblem } from './pod-problems.ts';

/** What the Job (and its Pod) says about one migration attempt. */
export interface JobObservation {
  phase: 'Running' | 'Succeeded' | 'Failed';
  /** Exit code of the migrate container, when it terminated. */
  exitCode?: number;
  /** The container's termination message (`current_revision=...` on success, an error otherwise). */
  message?: string;
}

export type SchemaStatus = NonNullable<CodexLBStatus['schema']>;

export type MigrationState = 'Startup' | 'UpToDate' | 'Running' | 'Succeeded' | 'Failed';

export type MigrationFailure = Problem;

export interface MigrationPlan {
  state: MigrationState;
  /** Image to apply to the workload now; undefined holds the workload as it is. */
  workloadImage?: string;
  /** The Job to keep applied (pending, running or failed). */
  job?: { name: string; image: string };
  schema?: SchemaStatus;
  failure?: MigrationFailure;
}

export interface MigrationInputs {
  strategy: MigrationStrategy;
  desiredImage: string;
  /** Hash of the database target, encryption key and run token. */
  target: string;
  /** Where the key the Job checks comes from (for the message of a key mismatch). */
  encryptionKey?: SecretKeyRef;
  jobName: string;
  previous?: SchemaStatus;
  observation?: JobObservation;
}

/** Exit code of `codex-lb-proxy migrate upgrade` (see proxy/OPERATOR-CONTRACT.md); 3, database unreachable, is both flavors' (render/program.ts). */
const EXIT_SCHEMA_AHEAD = 4;

export function planMigration(input: MigrationInputs): MigrationPlan {
  const { strategy, desiredImage, target, jobName, previous, observation } = input;
  if (strategy === 'Startup') return { state: 'Startup', workloadImage: desiredImage, schema: previous };
  if (previous?.migratedImage === desiredImage && previous.migratedTarget === target) {
    return { state: 'UpToDate', workloadImage: desiredImage, schema: previous };
  }
  const job = { name: jobName, image: desiredImage };
  switch (observation?.phase) {
    case undefined:
    case 'Running':
      return { state: 'Running', job, schema: previous };
    case 'Succeeded':
      return {
        state: 'Succeeded',
        workloadImage: desiredImage,
        schema: {
          migratedImage: desiredImage,
          migratedTarget: target,
          revision: parseRevision(observation.message) ?? previous?.revision,
          job: jobName,
        },
      };
    case 'Failed':
      return { state: 'Failed', job, schema: previous, failure: describeFailure(jobName, observation, input.encryptionKey) };
  }
}

export function parseRevision(message: string | undefined): string | undefined {
  return message ? /current_revision=(\S+)/.exec(message)?.[1] : undefined;
}

function describeFailure(jobName: string, observation: JobObservation, encryptionKey: SecretKeyRef | undefined): MigrationFailure {
  const detail = firstLine(observation.message);
  const suffix = detail ? `: ${detail}` : '';
  if (observation.exitCode === EXIT_KEY_MISMATCH || isKeyMismatch(observation)) {
    return keyMismatchProblem(`migration Job ${jobName}`, encryptionKey);
  }
  if (observation.exitCode === EXIT_DATABASE_UNREACHABLE) {
    return { reason: DegradedReason.DatabaseUnreachable, message: `migration Job ${jobName} could not reach the database${suffix}` };
  }
  if (observation.exitCode === EXIT_SCHEMA_AHEAD) {
    return {
      reason: DegradedReason.SchemaAhead,
      message: `migration Job ${jobName}: the database schema is newer than this image (downgrade?)${suffix}`,
    };
  }
  const code = observation.exitCode === undefined ? '' : ` (exit code ${observation.exitCode})`;
  return { reason: DegradedReason.MigrationFailed, message: `migration Job ${jobName} failed${code}${suffix}` };
}

function firstLine(text: string | undefined): string {
  return (text ?? '').trim().split('\n')[0]?.slice(0, 300) ?? '';
}
