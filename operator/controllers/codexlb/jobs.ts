/** Reading the outcome of a migration Job: its conditions, then its Pod's exit code and message. */
import type { Informer } from '../../runtime/informer.ts';
import type { KubeObject } from '../../runtime/kube/types.ts';
import type { JobObservation } from './migration.ts';
import { controllerOf } from './ownership.ts';

interface Job extends KubeObject {
  status?: { conditions?: Array<{ type: string; status: string }>; succeeded?: number; failed?: number };
}

interface Pod extends KubeObject {
  status?: {
    containerStatuses?: Array<{ name: string; state?: { terminated?: { exitCode: number; message?: string } } }>;
  };
}

export function jobPhase(job: Job): JobObservation['phase'] {
  const done = (type: string) => job.status?.conditions?.some((c) => c.type === type && c.status === 'True');
  if (done('Complete') || done('SuccessCriteriaMet')) return 'Succeeded';
  if (done('Failed') || done('FailureTarget')) return 'Failed';
  return 'Running';
}

/** What the newest of a finished Job's pods said (pods controlled by that Job only). */
export function observeFinished(job: Job, pods: readonly Pod[]): JobObservation {
  const own = pods.filter((p) => controllerOf(p)?.uid === job.metadata.uid);
  const latest = [...own].sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '')).at(-1);
  const terminated = latest?.status?.containerStatuses?.find((c) => c.name === 'migrate')?.state?.terminated;
  return { phase: jobPhase(job), exitCode: terminated?.exitCode, message: terminated?.message };
}

export class JobObserver {
  readonly #jobs: Informer;
  readonly #pods: Informer;

  constructor(jobs: Informer, pods: Informer) {
    this.#jobs = jobs;
    this.#pods = pods;
  }

  observe(namespace: string, name: string): JobObservation | undefined {
    const job = this.#jobs.get(namespace, name) as Job | undefined;
    if (!job) return undefined;
    const phase = jobPhase(job);
    if (phase === 'Running') return { phase };
    return observeFinished(job, this.#pods.list(namespace) as Pod[]);
  }
}
