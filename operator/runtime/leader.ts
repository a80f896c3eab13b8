/**
 * Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics and defaults
 * (lease 15 s, renew deadline 10 s, retry 2 s). Writes use the Lease's resourceVersion, so two
 * candidates can never both believe they hold it. A leader that cannot renew within the deadline
 * steps down at the deadline, even while a renewal is still waiting on an unresponsive API server
 * (every attempt is aborted when the deadline passes): a standby may acquire the Lease once it
 * expires, so acting any longer would mean two leaders. On shutdown it releases the Lease so a
 * standby takes over at once.
 */
import type { KubeClient } from './kube/client.ts';
import { ApiError, type KubeObject } from './kube/types.ts';
import type { Logger } from './logger.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { microTime, sleep } from './time.ts';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

interface Lease extends KubeObject {
  spec?: {
    holderIdentity?: string;
    leaseDurationSeconds?: number;
    acquireTime?: string;
    renewTime?: string;
    leaseTransitions?: number;
  };
}

/** The Lease cannot exist: its namespace does not. Retrying would only log the same failure forever. */
export class LeaseNamespaceMissingError extends Error {
  override readonly name = 'LeaseNamespaceMissingError';
  constructor(namespace: string) {
    super(
      `the leader-election Lease namespace "${namespace}" does not exist: create it, or set --leader-election-namespace ` +
        'to an existing namespace (in a cluster the default is the operator\'s own namespace, POD_NAMESPACE)',
    );
  }
}

export interface LeadershipCallbacks {
  /** Runs while leading; `signal` aborts when leadership is lost or released. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called at once when the renew deadline passes (not on a graceful release), before anything is awaited. */
  onLostLeadership?(): void;
  onStoppedLeading(): void | Promise<void>;
}

export class LeaderElector {
  readonly #client: KubeClient;
  readonly #opts: Required<LeaderElectionOptions>;
  readonly #log: Logger;
  readonly #metrics: RuntimeMetrics | undefined;
  #leading = false;

  constructor(client: KubeClient, opts: LeaderElectionOptions, log: Logger, metrics?: RuntimeMetrics) {
    this.#client = client;
    this.#opts = { leaseDurationSeconds: 15, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...opts };
    this.#log = log.child({ lease: `${opts.namespace}/${opts.name}`, identity: opts.identity });
    this.#metrics = metrics;
  }

  get leading(): boolean {
    return this.#leading;
  }

  /**
   * Campaigns until `signal` aborts; calls back on every gain and loss of leadership. Rejects with
   * LeaseNamespaceMissingError when the Lease's namespace does not exist.
   */
  async run(signal: AbortSignal, callbacks: LeadershipCallbacks): Promise<void> {
    while (!signal.aborted) {
      const attempted = Date.now();
      if (!(await this.#tryAcquireOrRenew(AbortSignal.any([signal, AbortSignal.timeout(this.#opts.renewDeadlineMs)])))) {
        await sleep(this.#opts.retryPeriodMs, signal);
        continue;
      }
      this.#setLeading(true);
      this.#log.info('acquired leader lease');
      const leadership = new AbortController();
      const work = Promise.resolve(callbacks.onStartedLeading(leadership.signal));
      const lost = await this.#renewUntilLost(signal, attempted);
      if (lost) {
        this.#setLeading(false);
        this.#log.error('lost leader lease: renew deadline passed', { renewDeadlineMs: this.#opts.renewDeadlineMs });
        callbacks.onLostLeadership?.();
      }
      leadership.abort();
      await work.catch(() => undefined);
      this.#setLeading(false);
      await callbacks.onStoppedLeading();
      if (signal.aborted) {
        await this.#release();
        return;
      }
    }
  }

  /**
   * Renews every retry period; true when the deadline passed without a renewal, false on shutdown.
   * `lastRenew` is when the last successful write started: the Lease's renewTime is no later.
   */
  async #renewUntilLost(signal: AbortSignal, lastRenew: number): Promise<boolean> {
    while (!signal.aborted) {
      const remaining = lastRenew + this.#opts.renewDeadlineMs - Date.now();
      if (remaining <= 0) return true;
      await sleep(Math.min(this.#opts.retryPeriodMs, remaining), signal);
      if (signal.aborted) return false;
      const started = Date.now();
      const left = lastRenew + this.#opts.renewDeadlineMs - started;
      if (left <= 0) return true;
      if (await this.#tryAcquireOrRenew(AbortSignal.any([signal, AbortSignal.timeout(left)]))) lastRenew = started;
    }
    return false;
  }

  async #tryAcquireOrRenew(signal: AbortSignal): Promise<boolean> {
    const { namespace, name, identity, leaseDurationSeconds } = this.#opts;
    const now = new Date();
    try {
      const current = await this.#client.get<Lease>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name }, { signal });
      if (!current) {
        await this.#client.create({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        }, { signal });
        return true;
      }
      const spec = current.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const renewed = spec.renewTime ? Date.parse(spec.renewTime) : 0;
      const expires = renewed + (spec.leaseDurationSeconds ?? leaseDurationSeconds) * 1000;
      if (holder && holder !== identity && now.getTime() < expires) return false;
      const transition = holder !== identity;
      await this.#client.replace({
        ...current,
        spec: {
          ...spec,
          holderIdentity: identity,
          leaseDurationSeconds,
          acquireTime: transition ? microTime(now) : spec.acquireTime,
          renewTime: microTime(now),
          leaseTransitions: (spec.leaseTransitions ?? 0) + (transition && holder ? 1 : 0),
        },
      }, { signal });
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.status === 404 && err.resource === 'namespaces') throw new LeaseNamespaceMissingError(namespace);
      if (!(err instanceof ApiError && err.status === 409)) {
        this.#log.warn('lease update failed', { error: (err as Error).message });
      }
      return false;
    }
  }

  async #release(): Promise<void> {
    const { namespace, name, identity } = this.#opts;
    try {
      const current = await this.#client.get<Lease>({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name });
      if (current?.spec?.holderIdentity !== identity) return;
      await this.#client.replace({
        ...current,
        spec: { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: microTime(new Date()) },
      });
      this.#log.info('released leader lease');
    } catch (err) {
      this.#log.warn('releasing the lease failed', { error: (err as Error).message });
    }
  }

  #setLeading(leading: boolean): void {
    this.#leading = leading;
    this.#metrics?.leaderStatus.set({ name: this.#opts.name }, leading ? 1 : 0);
  }
}
