/**
 * Kubernetes Events (events.k8s.io/v1) for state transitions. Best effort: a failed Event never
 * fails a reconcile. Identical events for one object are not repeated within the dedupe window.
 */
import { randomBytes } from 'node:crypto';
import type { KubeClient } from './kube/client.ts';
import type { Logger } from './logger.ts';
import { microTime } from './time.ts';

export type EventType = 'Normal' | 'Warning';

/** The object an Event is about. */
export interface Regarding {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export interface EventRecorder {
  record(regarding: Regarding, type: EventType, reason: string, note: string): void;
}

const DEDUPE_WINDOW_MS = 5 * 60_000;
const REPORTING_CONTROLLER = 'codexlb.io/operator';

export class ApiEventRecorder implements EventRecorder {
  readonly #client: KubeClient;
  readonly #instance: string;
  readonly #log: Logger;
  readonly #recent = new Map<string, number>();

  constructor(client: KubeClient, instance: string, log: Logger) {
    this.#client = client;
    this.#instance = instance;
    this.#log = log;
  }

  record(regarding: Regarding, type: EventType, reason: string, note: string): void {
    const { name, namespace, uid } = regarding.metadata;
    const dedupeKey = `${uid}|${reason}|${note}`;
    const now = Date.now();
    const last = this.#recent.get(dedupeKey);
    if (last !== undefined && now - last < DEDUPE_WINDOW_MS) return;
    this.#recent.set(dedupeKey, now);
    for (const [key, at] of this.#recent) if (now - at > DEDUPE_WINDOW_MS) this.#recent.delete(key);

    void this.#client
      .create({
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: `${name}.${randomBytes(8).toString('hex')}`, namespace: namespace ?? 'default' },
        eventTime: microTime(new Date(now)),
        reportingController: REPORTING_CONTROLLER,
        reportingInstance: this.#instance,
        action: reason,
        reason,
        note: note.slice(0, 1024),
        type,
        regarding: {
          apiVersion: regarding.apiVersion,
          kind: regarding.kind,
          name,
          namespace,
          uid,
          resourceVersion: regarding.metadata.resourceVersion,
        },
      })
      .catch((err: Error) => this.#log.warn('recording an event failed', { reason, error: err.message }));
  }
}
