/** Reading the outcome of a migration Job: its conditions, then its Pod's exit code and message. */
import type { Informer } from '../../runtime/informer.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import type { KubeObject } from '../../runtime/kube/types.ts';
import type { JobObservation } from './migration.ts';

interface Job extends KubeObject {
  status?: { conditions?: Array<{ type: string; status: string }>; succeeded?: number; failed?: number };
}

interface Pod extends KubeObject {
  metadata: KubeObject['metadata'] & { creationTimestamp?: string };
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

export class JobObserver {
  readonly #client: KubeClient;
  readonly #jobs: Informer;
  /** Finished jobs never change; remember what their pods said (by Job uid). */
  readonly #finished = new Map<string, JobObservation>();

  constructor(client: KubeClient, jobs: Informer) {
    this.#client = client;
    this.#jobs = jobs;
  }

  async observe(namespace: string, name: string): Promise<JobObservation | undefined> {
    const job = this.#jobs.get(namespace, name) as Job | undefined;
    if (!job) return undefined;
    const phase = jobPhase(job);
    if (phase === 'Running') return { phase };
    const uid = job.metadata.uid ?? name;
    const known = this.#finished.get(uid);
    if (known) return known;
    const pods = await this.#client.list<Pod>('v1', 'Pod', { namespace, labelSelector: `job-name=${name}` });
    const latest = pods.items.sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '')).at(-1);
    const terminated = latest?.status?.containerStatuses?.find((c) => c.name === 'migrate')?.state?.terminated;
    const observation: JobObservation = { phase, exitCode: terminated?.exitCode, message: terminated?.message };
    this.#finished.set(uid, observation);
    if (this.#finished.size > 1000) this.#finished.delete(this.#finished.keys().next().value as string);
    return observation;
  }
}
