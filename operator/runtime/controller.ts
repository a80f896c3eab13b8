/**
 * A controller in the controller-runtime sense: informer events become keys in a deduplicating work
 * queue; workers call a level-triggered reconcile(key) that reads current state itself.
 *
 * Result handling follows controller-runtime: an error re-queues with per-key backoff (a
 * TerminalError does not re-queue); `requeueAfterMs` resets the backoff and re-queues later; success
 * resets the backoff. Periodic resync re-queues every primary key as a safety net against missed
 * events. Primary updates that only touch status do not trigger a reconcile (no self-inflicted loops).
 */
import { randomUUID } from 'node:crypto';
import type { Informer } from './informer.ts';
import { withRequestSignal } from './kube/request-scope.ts';
import { keyOf, type KubeObject } from './kube/types.ts';
import type { Logger } from './logger.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { WorkQueue, type BackoffOptions } from './workqueue.ts';

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export interface ReconcileContext {
  log: Logger;
  signal: AbortSignal;
}

export interface Reconciler {
  reconcile(key: string, ctx: ReconcileContext): Promise<ReconcileResult | undefined>;
}

/** A failure that retrying cannot fix (e.g. an invalid spec): reported, not re-queued. */
export class TerminalError extends Error {
  override name = 'TerminalError';
}

export interface ControllerOptions {
  workers?: number;
  resyncPeriodMs?: number;
  reconcileTimeoutMs?: number;
  backoff?: BackoffOptions;
  metrics?: RuntimeMetrics;
  log: Logger;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  readonly #reconciler: Reconciler;
  readonly #opts: Required<Omit<ControllerOptions, 'metrics' | 'backoff'>> & Pick<ControllerOptions, 'metrics'>;
  #primary: Informer | undefined;
  #workers: Promise<void>[] = [];
  #resyncTimer: NodeJS.Timeout | undefined;
  readonly #abort = new AbortController();

  constructor(name: string, reconciler: Reconciler, opts: ControllerOptions) {
    this.name = name;
    this.#reconciler = reconciler;
    this.#opts = {
      workers: opts.workers ?? 2,
      resyncPeriodMs: opts.resyncPeriodMs ?? 10 * 60_000,
      reconcileTimeoutMs: opts.reconcileTimeoutMs ?? 120_000,
      metrics: opts.metrics,
      log: opts.log.child({ controller: name }),
    };
    this.queue = new WorkQueue(name, { metrics: opts.metrics, backoff: opts.backoff });
  }

  /** The resource this controller reconciles. */
  watchPrimary(informer: Informer): void {
    this.#primary = informer;
    informer.on({
      add: (obj) => this.queue.add(keyOf(obj)),
      update: (oldObj, newObj) => {
        if (stateChanged(oldObj, newObj)) this.queue.add(keyOf(newObj));
      },
      delete: (obj) => this.queue.add(keyOf(obj)),
    });
  }

  /** Children: any change re-queues the owner named by the controller ownerReference. */
  watchOwned(informer: Informer, owner: { apiVersion: string; kind: string }): void {
    const enqueueOwner = (obj: KubeObject): void => {
      const ref = obj.metadata.ownerReferences?.find(
        (r) => r.controller && r.kind === owner.kind && r.apiVersion === owner.apiVersion,
      );
      if (ref && obj.metadata.namespace) this.queue.add(`${obj.metadata.namespace}/${ref.name}`);
    };
    informer.on({ add: enqueueOwner, update: (_, n) => enqueueOwner(n), delete: enqueueOwner });
  }

  /** Other objects (e.g. referenced Secrets): `map` names the primary keys that depend on one. */
  watchMapped(informer: Informer, map: (obj: KubeObject) => string[]): void {
    const enqueue = (obj: KubeObject): void => {
      for (const key of map(obj)) this.queue.add(key);
    };
    informer.on({ add: enqueue, update: (_, n) => enqueue(n), delete: enqueue });
  }

  start(): void {
    this.#opts.metrics?.maxConcurrentReconciles.set({ controller: this.name }, this.#opts.workers);
    for (let i = 0; i < this.#opts.workers; i++) this.#workers.push(this.#work());
    this.#scheduleResync();
  }

  /** Stops taking keys and waits (bounded) for in-flight reconciles to finish. */
  async stop(graceMs = 30_000): Promise<void> {
    clearTimeout(this.#resyncTimer);
    this.queue.shutDown();
    const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.all(this.#workers), grace]);
    this.#abort.abort();
  }

  #scheduleResync(): void {
    const period = this.#opts.resyncPeriodMs;
    const jittered = period * (0.9 + Math.random() * 0.2);
    this.#resyncTimer = setTimeout(() => {
      for (const obj of this.#primary?.list() ?? []) this.queue.add(keyOf(obj));
      this.#scheduleResync();
    }, jittered);
    this.#resyncTimer.unref();
  }

  async #work(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      await this.#process(key);
      this.queue.done(key);
    }
  }

  async #process(key: string): Promise<void> {
    const log = this.#opts.log.child({ key, reconcileID: randomUUID() });
    const metrics = this.#opts.metrics;
    const labels = { controller: this.name };
    metrics?.activeWorkers.inc(labels);
    const endTimer = metrics?.reconcileTime.startTimer(labels);
    const timeout = AbortSignal.timeout(this.#opts.reconcileTimeoutMs);
    const signal = AbortSignal.any([timeout, this.#abort.signal]);
    try {
      // The key stays taken until the reconcile has settled, even past its timeout: the timeout aborts every
      // API call the reconcile makes (request-scope.ts), which ends it; returning early would let a second
      // worker reconcile the same object while the first still writes.
      const result = await withRequestSignal(signal, () => this.#reconciler.reconcile(key, { log, signal }));
      if (result?.requeueAfterMs) {
        this.queue.forget(key);
        this.queue.addAfter(key, result.requeueAfterMs);
        metrics?.reconcileTotal.inc({ ...labels, result: 'requeue_after' });
      } else {
        this.queue.forget(key);
        metrics?.reconcileTotal.inc({ ...labels, result: 'success' });
      }
    } catch (err) {
      if (timeout.aborted) metrics?.reconcileTimeouts.inc(labels);
      metrics?.reconcileErrors.inc(labels);
      metrics?.reconcileTotal.inc({ ...labels, result: 'error' });
      if (err instanceof TerminalError) {
        metrics?.terminalErrors.inc(labels);
        this.queue.forget(key);
        log.error('reconcile failed permanently', { error: err.message });
      } else {
        this.queue.addRateLimited(key);
        log.warn('reconcile failed, will retry', { error: (err as Error).message, retries: this.queue.numRequeues(key) });
      }
    } finally {
      endTimer?.();
      metrics?.activeWorkers.dec(labels);
    }
  }
}

/**
 * Whether an update of the primary object asks for a reconcile: spec (generation), labels,
 * annotations, deletion or finalizers changed. Status-only writes (ours) are ignored.
 */
export function stateChanged(oldObj: KubeObject, newObj: KubeObject): boolean {
  const a = oldObj.metadata;
  const b = newObj.metadata;
  return (
    a.generation !== b.generation ||
    a.deletionTimestamp !== b.deletionTimestamp ||
    JSON.stringify(a.labels ?? {}) !== JSON.stringify(b.labels ?? {}) ||
    JSON.stringify(a.annotations ?? {}) !== JSON.stringify(b.annotations ?? {}) ||
    JSON.stringify(a.finalizers ?? []) !== JSON.stringify(b.finalizers ?? [])
  );
}
