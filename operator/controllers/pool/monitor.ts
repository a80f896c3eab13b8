/**
 * The pool monitor: once per period, reads each serving installation's pool with one admin call
 * (`GET /internal/admin/state`), stores it as the snapshot every account and key reconcile of that
 * installation reads, writes the CodexLB's pool totals when they changed, and re-queues the resources
 * of that installation. So status refresh costs one call per installation per period, whatever the
 * number of accounts, and a steady pool causes no writes.
 *
 * For the official application (`proxy.flavor: Upstream`) it also makes the installation settings that app
 * keeps in its database (API-key auth, firewall allow-list) match the spec, once per period.
 *
 * The totals and `status.proxy` are written with a field manager of their own: the CodexLB controller
 * applies the rest of the status, and server-side apply keeps the two sets of fields apart.
 */
import type { CodexLB } from '../../api/crds.ts';
import { stableStringify } from '../../render/hash.ts';
import type { Informer } from '../../runtime/informer.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import type { KubeObject } from '../../runtime/kube/types.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Logger } from '../../runtime/logger.ts';
import { installationProblem, poolKey, type AdminAccess } from './admin-access.ts';
import type { PoolSnapshots } from './snapshots.ts';
import { planIsEmpty } from './installation-settings.ts';
import { poolTotals } from './totals.ts';

export const POOL_STATUS_FIELD_MANAGER = 'codex-lb-operator-pool';
/**
 * How often the monitor looks for installations it has not refreshed yet (in its cache, no call): a new
 * installation gets its status, and the official app its API-key setting, seconds after its first pod is
 * ready instead of up to a period later (until then that app refuses every remote caller).
 */
const NEWCOMER_POLL_MS = 2_000;

type CodexLBStatus = NonNullable<CodexLB['status']>;
type PoolMonitorStatus = Pick<CodexLBStatus, 'accounts' | 'apiKeys' | 'proxy'>;

/** The CodexLB status without the fields this monitor writes (what the CodexLB controller compares). */
export function withoutPoolMonitorFields(status: CodexLBStatus): Omit<CodexLBStatus, keyof PoolMonitorStatus> {
  const { accounts: _accounts, apiKeys: _apiKeys, proxy: _proxy, ...rest } = status;
  return rest;
}
const CONCURRENCY = 8;

export interface PoolMonitorDeps {
  client: KubeClient;
  codexlbs: Informer<CodexLB & KubeObject>;
  access: AdminAccess;
  snapshots: PoolSnapshots;
  periodMs: number;
  log: Logger;
  events?: EventRecorder;
  /** Pool ids that resources of this CodexLB stand for (for the `managed` counts). */
  managed(cr: CodexLB): { accountIds: ReadonlySet<string>; apiKeyIds: ReadonlySet<string> };
  /** Called after every refresh attempt, e.g. to re-queue the installation's accounts and keys. */
  refreshed(cr: CodexLB): void;
}

export class PoolMonitor {
  readonly #deps: PoolMonitorDeps;
  #timer: NodeJS.Timeout | undefined;
  #newcomerTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  /** Pools (poolKey) this monitor refreshed at least once. */
  readonly #seen = new Set<string>();

  constructor(deps: PoolMonitorDeps) {
    this.#deps = deps;
  }

  start(): void {
    this.#stopped = false;
    this.#schedule();
    this.#newcomerTimer = setInterval(() => {
      if (this.#running) return;
      this.#running = this.tick({ onlyNew: true })
        .catch((err: Error) => {
          this.#deps.log.warn('pool refresh round failed', { error: err.message });
        })
        .finally(() => (this.#running = undefined));
    }, NEWCOMER_POLL_MS);
    this.#newcomerTimer.unref();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#newcomerTimer);
    await this.#running;
  }

  /** One round over every serving installation, or only those never refreshed (exported for tests and benchmarks). */
  async tick(opts: { onlyNew?: boolean } = {}): Promise<void> {
    const all = this.#deps.codexlbs.list();
    const live = new Set(all.map(poolKey));
    for (const key of new Set([...this.#deps.snapshots.keys(), ...this.#seen])) {
      if (live.has(key)) continue;
      this.#deps.snapshots.forget(key);
      this.#deps.access.forget(key);
      this.#seen.delete(key);
    }
    const due = all.filter(
      (cr) =>
        !installationProblem(cr, cr.metadata.namespace ?? 'default', cr.metadata.name) &&
        this.#deps.access.reachable(cr) &&
        !(opts.onlyNew && this.#seen.has(poolKey(cr))),
    );
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < due.length && !this.#stopped) await this.#refresh(due[next++] as CodexLB & KubeObject);
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, worker));
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void (async () => {
        await this.#running; // a newcomer round under way
        if (this.#stopped) return;
        this.#running = this.tick()
          .catch((err: Error) => {
            this.#deps.log.warn('pool refresh round failed', { error: err.message });
          })
          .finally(() => {
            this.#running = undefined;
            this.#schedule();
          });
      })();
    }, this.#deps.periodMs);
    this.#timer.unref();
  }

  async #refresh(cr: CodexLB & KubeObject): Promise<void> {
    this.#seen.add(poolKey(cr));
    try {
      const state = await this.#deps.snapshots.refresh(poolKey(cr), async () => (await this.#deps.access.connect(cr)).state());
      const settingsApplied = cr.spec.proxy.flavor === 'Upstream' ? await this.#applySettings(cr) : undefined;
      await this.#writeStatus(cr, {
        ...poolTotals(state, this.#deps.managed(cr)),
        proxy: { flavor: cr.spec.proxy.flavor, version: state.version, settingsApplied },
      });
    } catch (err) {
      this.#deps.log.debug('pool refresh failed', { codexlb: `${cr.metadata.namespace}/${cr.metadata.name}`, error: (err as Error).message });
    } finally {
      this.#deps.refreshed(cr);
    }
  }

  /**
   * Makes the official app enforce the spec's API-key auth and firewall allow-list (it changes only what
   * differs). False when it could not: the reason goes to a Warning Event, never a secret (the adapter's
   * errors carry none).
   */
  async #applySettings(cr: CodexLB & KubeObject): Promise<boolean> {
    const { config } = cr.spec;
    try {
      const client = await this.#deps.access.connectUpstream(cr);
      const plan = await client.applyInstallationSettings({ apiKeyAuthEnabled: config.apiKeyAuth.enabled, firewallAllowlist: config.firewall.allowlist ?? [] });
      if (!planIsEmpty(plan)) this.#deps.log.info('installation settings applied', { codexlb: `${cr.metadata.namespace}/${cr.metadata.name}`, ...plan });
      return true;
    } catch (err) {
      this.#deps.events?.record(cr, 'Warning', 'SettingsNotApplied', `spec.config.apiKeyAuth / firewall.allowlist are not in force: ${(err as Error).message}`);
      return false;
    }
  }

  async #writeStatus(cr: CodexLB & KubeObject, status: PoolMonitorStatus): Promise<void> {
    const current = { accounts: cr.status?.accounts, apiKeys: cr.status?.apiKeys, proxy: cr.status?.proxy };
    if (stableStringify(status) === stableStringify(current)) return;
    await this.#deps.client.applyStatus(
      { apiVersion: cr.apiVersion, kind: cr.kind, metadata: { name: cr.metadata.name, namespace: cr.metadata.namespace }, status },
      { fieldManager: POOL_STATUS_FIELD_MANAGER },
    );
  }
}
