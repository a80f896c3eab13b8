/**
 * The pool monitor: once per period, reads each serving installation's pool with one admin call
 * (`GET /internal/admin/state`), stores it as the snapshot every account and key reconcile of that
 * installation reads, writes the CodexLB's pool totals when they changed, and re-queues the resources
 * of that installation. So status refresh costs one call per installation per period, whatever the
 * number of accounts, and a steady pool causes no writes.
 *
 * The totals are written with a field manager of their own: the CodexLB controller applies the rest of
 * the status, and server-side apply keeps the two sets of fields apart.
 */
import type { CodexLB } from '../../api/crds.ts';
import { stableStringify } from '../../render/hash.ts';
import type { Informer } from '../../runtime/informer.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import type { KubeObject } from '../../runtime/kube/types.ts';
import type { Logger } from '../../runtime/logger.ts';
import { installationProblem, poolKey, type AdminAccess } from './admin-access.ts';
import type { PoolState } from './admin-types.ts';
import type { PoolSnapshots } from './snapshots.ts';
import { poolTotals } from './totals.ts';

export const POOL_STATUS_FIELD_MANAGER = 'codex-lb-operator-pool';
const CONCURRENCY = 8;

export interface PoolMonitorDeps {
  client: KubeClient;
  codexlbs: Informer<CodexLB & KubeObject>;
  access: AdminAccess;
  snapshots: PoolSnapshots;
  periodMs: number;
  log: Logger;
  /** Pool ids that resources of this CodexLB stand for (for the `managed` counts). */
  managed(cr: CodexLB): { accountIds: ReadonlySet<string>; apiKeyIds: ReadonlySet<string> };
  /** Called after every refresh attempt, e.g. to re-queue the installation's accounts and keys. */
  refreshed(cr: CodexLB): void;
}

export class PoolMonitor {
  readonly #deps: PoolMonitorDeps;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;

  constructor(deps: PoolMonitorDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** One round over every installation (exported for tests and benchmarks). */
  async tick(): Promise<void> {
    const all = this.#deps.codexlbs.list();
    const live = new Set(all.map(poolKey));
    for (const key of this.#deps.snapshots.keys()) {
      if (live.has(key)) continue;
      this.#deps.snapshots.forget(key);
      this.#deps.access.forget(key);
    }
    const due = all.filter((cr) => !installationProblem(cr, cr.metadata.namespace ?? 'default', cr.metadata.name) && this.#deps.access.reachable(cr));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < due.length && !this.#stopped) await this.#refresh(due[next++] as CodexLB & KubeObject);
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, worker));
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#running = this.tick()
        .catch((err: Error) => {
          this.#deps.log.warn('pool refresh round failed', { error: err.message });
        })
        .finally(() => this.#schedule());
    }, this.#deps.periodMs);
    this.#timer.unref();
  }

  async #refresh(cr: CodexLB & KubeObject): Promise<void> {
    try {
      const state = await this.#deps.snapshots.refresh(poolKey(cr), async () => (await this.#deps.access.connect(cr)).state());
      await this.#writeTotals(cr, state);
    } catch (err) {
      this.#deps.log.debug('pool refresh failed', { codexlb: `${cr.metadata.namespace}/${cr.metadata.name}`, error: (err as Error).message });
    } finally {
      this.#deps.refreshed(cr);
    }
  }

  async #writeTotals(cr: CodexLB & KubeObject, state: PoolState): Promise<void> {
    const totals = poolTotals(state, this.#deps.managed(cr));
    const current = { accounts: cr.status?.accounts, apiKeys: cr.status?.apiKeys };
    if (stableStringify(totals) === stableStringify(current)) return;
    await this.#deps.client.applyStatus(
      { apiVersion: cr.apiVersion, kind: cr.kind, metadata: { name: cr.metadata.name, namespace: cr.metadata.namespace }, status: totals },
      { fieldManager: POOL_STATUS_FIELD_MANAGER },
    );
  }
}
