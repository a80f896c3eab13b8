/**
 * The operator process: API client, health/metrics endpoints, leader election, and — while leading —
 * the caches and the CodexLB controller. Standbys serve probes and wait for the Lease.
 */
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, SECRET_ACCESS_LABEL, SECRET_ACCESS_VALUE } from './api/common.ts';
import type { ChatGPTAccount, CodexLB, CodexLBAPIKey } from './api/crds.ts';
import { ChatGPTAccountReconciler } from './controllers/chatgptaccount/reconciler.ts';
import { CodexLBAPIKeyReconciler } from './controllers/codexlbapikey/reconciler.ts';
import { AdminAccess } from './controllers/pool/admin-access.ts';
import { adminEndpoints, type AdminEndpoints } from './controllers/pool/endpoints.ts';
import { PoolMonitor } from './controllers/pool/monitor.ts';
import { PoolSnapshots } from './controllers/pool/snapshots.ts';
import { DiscoveryCapabilities } from './controllers/codexlb/capabilities.ts';
import { DEFAULT_INSTALL_POLICY, type InstallPolicy } from './controllers/codexlb/install-policy.ts';
import { CodexLBReconciler } from './controllers/codexlb/reconciler.ts';
import { APP_NAME, LABEL_INSTANCE, LABEL_MANAGED_BY, LABEL_NAME, MANAGED_BY } from './render/labels.ts';
import { Controller } from './runtime/controller.ts';
import { ApiEventRecorder } from './runtime/events.ts';
import { Informer } from './runtime/informer.ts';
import { KubeClient } from './runtime/kube/client.ts';
import type { KubeObject } from './runtime/kube/types.ts';
import { LeaderElector } from './runtime/leader.ts';
import type { Logger } from './runtime/logger.ts';
import { RuntimeMetrics } from './runtime/metrics.ts';
import { startProbeServer } from './runtime/probes.ts';

export interface OperatorOptions {
  kubeConfig: KubeConfig;
  log: Logger;
  operatorVersion: string;
  /** Watch one namespace; all namespaces when undefined. */
  namespace?: string;
  leaderElection?: { namespace: string; name: string; identity?: string; leaseDurationSeconds?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  probes?: { host: string; port: number };
  workers?: number;
  resyncPeriodMs?: number;
  metrics?: RuntimeMetrics;
  /** What CodexLBs may ask for (operator flags); the safe defaults when undefined. */
  policy?: InstallPolicy;
  /** How soon a CodexLB, account or API key blocked by a problem is looked at again (default 30 s). */
  blockedRetryMs?: number;
  /** Where each installation's admin API is reached (default: its Service, in-cluster). */
  adminEndpoints?: AdminEndpoints;
  /** How often each installation's pool is read for account and API-key status (default 30 s). */
  poolStatusPeriodMs?: number;
  /** The operator's own namespace: NetworkPolicies admit its pods only (default codex-lb-system). */
  operatorNamespace?: string;
  /**
   * Called the moment the Lease is lost (renew deadline passed), before the controllers stop. The
   * CLI exits here, as controller-runtime does; without it the process stops its controllers and
   * campaigns again.
   */
  onLeadershipLost?: () => void;
  /** Leader election cannot go on (e.g. its Lease namespace does not exist); logged before this is called. */
  onElectionFailed?: (err: Error) => void;
}

/** Child kinds the CodexLB controller owns, cached by label so memory stays bounded. */
const OWNED_KINDS: Array<{ apiVersion: string; kind: string; optional?: boolean }> = [
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', optional: true },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', optional: true },
  { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', optional: true },
  { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret', optional: true },
  { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster', optional: true },
];

/** CRDs of optional APIs: their arrival re-reconciles every CodexLB. */
const OPTIONAL_CRDS = new Set([
  'httproutes.gateway.networking.k8s.io',
  'servicemonitors.monitoring.coreos.com',
  'prometheusrules.monitoring.coreos.com',
  'externalsecrets.external-secrets.io',
  'clusters.postgresql.cnpg.io',
]);

export class Operator {
  readonly metrics: RuntimeMetrics;
  readonly #opts: OperatorOptions;
  readonly #log: Logger;
  #client: KubeClient | undefined;
  #stopProbes: (() => Promise<void>) | undefined;
  #running: { controllers: Controller[]; informers: Informer[]; monitor: PoolMonitor } | undefined;
  #leader: LeaderElector | undefined;
  readonly #abort = new AbortController();
  #campaign: Promise<void> | undefined;
  #probePort: number | undefined;

  constructor(opts: OperatorOptions) {
    this.#opts = opts;
    this.#log = opts.log;
    this.metrics = opts.metrics ?? new RuntimeMetrics();
  }

  get client(): KubeClient {
    if (!this.#client) throw new Error('operator not started');
    return this.#client;
  }

  get probePort(): number | undefined {
    return this.#probePort;
  }

  get leading(): boolean {
    return this.#running !== undefined;
  }

  /** Ready when leading with synced caches, or when standing by for the Lease. */
  ready(): boolean {
    if (this.#running) return this.#running.informers.every((i) => i.hasSynced());
    return this.#campaign !== undefined;
  }

  async start(): Promise<void> {
    const client = await KubeClient.fromKubeConfig(this.#opts.kubeConfig);
    client.observe((method, _resource, status) => this.metrics.restRequests.inc({ method, code: String(status) }));
    this.#client = client;
    if (this.#opts.probes) {
      const probes = await startProbeServer({ ...this.#opts.probes, registry: this.metrics.registry, ready: () => this.ready() });
      this.#probePort = probes.port;
      this.#stopProbes = probes.close;
    }
    const election = this.#opts.leaderElection;
    if (!election) {
      await this.#startLeading(this.#abort.signal);
      this.#campaign = Promise.resolve();
      return;
    }
    this.#leader = new LeaderElector(
      client,
      { ...election, identity: election.identity ?? `${hostname()}_${process.pid}` },
      this.#log,
      this.metrics,
    );
    this.#campaign = this.#leader
      .run(this.#abort.signal, {
        onStartedLeading: (leadership) => this.#startLeading(leadership),
        onLostLeadership: this.#opts.onLeadershipLost,
        onStoppedLeading: () => this.#stopLeading(),
      })
      .catch((err: Error) => {
        this.#log.error('leader election failed', { error: err.message });
        this.#opts.onElectionFailed?.(err);
      });
  }

  /** Graceful shutdown: finish in-flight reconciles, release the Lease, close connections. */
  async stop(): Promise<void> {
    this.#abort.abort();
    if (this.#leader) await this.#campaign;
    else await this.#stopLeading();
    await this.#stopProbes?.();
    await this.#client?.close();
  }

  /** Starts the caches and, once they are synced, the workers — unless `leadership` ends first. */
  async #startLeading(leadership: AbortSignal): Promise<void> {
    const client = this.client;
    const log = this.#log;
    const namespace = this.#opts.namespace;
    const managed = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;
    const codexlbs = new Informer<CodexLB & KubeObject>(client, { apiVersion: API_VERSION, kind: 'CodexLB', namespace }, log, this.metrics);
    const children = new Map<string, Informer>();
    for (const { apiVersion, kind, optional } of OWNED_KINDS) {
      if (optional && !(await client.resource(apiVersion, kind))) continue;
      children.set(kind, new Informer(client, { apiVersion, kind, namespace, labelSelector: managed }, log, this.metrics));
    }
    // Metadata only, and only two label-selected sets: the Secrets the operator generated, and the
    // ones whose owners let CodexLBs use them. Bodies are never cached, and nobody else's Secrets are.
    const secretInformer = (labelSelector: string) =>
      new Informer(client, { apiVersion: 'v1', kind: 'Secret', namespace, labelSelector, metadataOnly: true }, log, this.metrics);
    const generatedSecrets = secretInformer(managed);
    const grantedSecrets = secretInformer(`${SECRET_ACCESS_LABEL}=${SECRET_ACCESS_VALUE}`);
    // codex-lb pods (Job and StatefulSet pods carry the selector labels): what they said when they stopped.
    const pods = new Informer(client, { apiVersion: 'v1', kind: 'Pod', namespace, labelSelector: `${LABEL_NAME}=${APP_NAME}` }, log, this.metrics);
    // Installing the Gateway API or prometheus-operator later must not wait for a resync.
    const crds = new Informer(client, { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadataOnly: true }, log, this.metrics);

    const events = new ApiEventRecorder(client, `codex-lb-operator-${hostname()}`, log);
    const reconciler = new CodexLBReconciler({
      operatorNamespace: this.#opts.operatorNamespace,
      client,
      codexlbs,
      children,
      pods,
      capabilities: new DiscoveryCapabilities(client),
      policy: this.#opts.policy ?? DEFAULT_INSTALL_POLICY,
      blockedRetryMs: this.#opts.blockedRetryMs,
      events,
      operatorVersion: this.#opts.operatorVersion,
    });
    const controller = new Controller('codexlb', reconciler, {
      workers: this.#opts.workers ?? 2,
      resyncPeriodMs: this.#opts.resyncPeriodMs,
      metrics: this.metrics,
      log,
    });
    controller.watchPrimary(codexlbs as Informer);
    for (const informer of children.values()) controller.watchOwned(informer, { apiVersion: API_VERSION, kind: 'CodexLB' });
    controller.watchOwned(generatedSecrets, { apiVersion: API_VERSION, kind: 'CodexLB' });
    for (const secrets of [generatedSecrets, grantedSecrets]) {
      controller.watchMapped(secrets, (s) => reconciler.dependentsOfSecret(s.metadata.namespace ?? '', s.metadata.name));
    }
    controller.watchMapped(pods, (p) => {
      const instance = p.metadata.labels?.[LABEL_INSTANCE];
      return instance && p.metadata.namespace ? [`${p.metadata.namespace}/${instance}`] : [];
    });
    controller.watchMapped(crds, (crd) => {
      if (!OPTIONAL_CRDS.has(crd.metadata.name)) return [];
      client.discovery.reset();
      return codexlbs.list().map((cr) => `${cr.metadata.namespace}/${cr.metadata.name}`);
    });

    // Accounts and API keys: reconciled against each installation's pool through its admin API.
    const accounts = new Informer<ChatGPTAccount & KubeObject>(client, { apiVersion: API_VERSION, kind: 'ChatGPTAccount', namespace }, log, this.metrics);
    const apiKeys = new Informer<CodexLBAPIKey & KubeObject>(client, { apiVersion: API_VERSION, kind: 'CodexLBAPIKey', namespace }, log, this.metrics);
    const period = this.#opts.poolStatusPeriodMs ?? 30_000;
    const snapshots = new PoolSnapshots({ maxAgeMs: 2 * period });
    const access = new AdminAccess({
      client,
      endpoints: this.#opts.adminEndpoints ?? adminEndpoints(),
      generatedSecrets,
      observe: (operation, code) => this.metrics.adminRequests.inc({ operation, code }),
    });
    const poolDeps = { client, codexlbs, access, snapshots, events, retryMs: this.#opts.blockedRetryMs };
    const accountReconciler = new ChatGPTAccountReconciler({ ...poolDeps, accounts });
    const keyReconciler = new CodexLBAPIKeyReconciler({ ...poolDeps, apiKeys });
    const controllerOpts = { workers: this.#opts.workers ?? 2, resyncPeriodMs: this.#opts.resyncPeriodMs, metrics: this.metrics, log };
    const accountController = new Controller('chatgptaccount', accountReconciler, controllerOpts);
    accountController.watchPrimary(accounts as Informer);
    accountController.watchMapped(codexlbs as Informer, (lb) => accountReconciler.dependentsOfCodexLB(lb.metadata.namespace ?? '', lb.metadata.name));
    accountController.watchMapped(grantedSecrets, (s) => accountReconciler.dependentsOfSecret(s.metadata.namespace ?? '', s.metadata.name));
    const keyController = new Controller('codexlbapikey', keyReconciler, controllerOpts);
    keyController.watchPrimary(apiKeys as Informer);
    keyController.watchMapped(codexlbs as Informer, (lb) => keyReconciler.dependentsOfCodexLB(lb.metadata.namespace ?? '', lb.metadata.name));
    keyController.watchOwned(generatedSecrets, { apiVersion: API_VERSION, kind: 'CodexLBAPIKey' });
    const monitor = new PoolMonitor({
      client,
      codexlbs,
      access,
      snapshots,
      periodMs: period,
      log,
      events,
      managed: (lb) => ({
        accountIds: new Set(accounts.list(lb.metadata.namespace).filter((a) => a.spec.codexLBRef.name === lb.metadata.name).flatMap((a) => a.status?.accountId ?? [])),
        apiKeyIds: new Set(apiKeys.list(lb.metadata.namespace).filter((k) => k.spec.codexLBRef.name === lb.metadata.name).flatMap((k) => k.status?.keyId ?? [])),
      }),
      refreshed: (lb) => {
        const ns = lb.metadata.namespace ?? '';
        for (const key of accountReconciler.dependentsOfCodexLB(ns, lb.metadata.name)) accountController.queue.add(key);
        for (const key of keyReconciler.dependentsOfCodexLB(ns, lb.metadata.name)) keyController.queue.add(key);
      },
    });

    const informers = [codexlbs as Informer, ...children.values(), generatedSecrets, grantedSecrets, pods, crds, accounts as Informer, apiKeys as Informer];
    const controllers = [controller, accountController, keyController];
    this.#running = { controllers, informers, monitor };
    for (const informer of informers) informer.start();
    // A leader that loses its Lease while the caches still sync (say, the API server froze) must not wait for
    // them: it steps down at once and never starts a worker.
    const ended = new Promise<void>((resolve) => {
      if (leadership.aborted) resolve();
      else leadership.addEventListener('abort', () => resolve(), { once: true });
    });
    await Promise.race([Promise.all(informers.map((i) => i.synced)), ended]);
    if (leadership.aborted) return;
    log.info('caches synced, starting workers', { informers: informers.length });
    for (const c of controllers) c.start();
    monitor.start();
  }

  async #stopLeading(): Promise<void> {
    const running = this.#running;
    this.#running = undefined;
    if (!running) return;
    await running.monitor.stop();
    await Promise.all(running.controllers.map((c) => c.stop()));
    await Promise.all(running.informers.map((i) => i.stop()));
  }
}
