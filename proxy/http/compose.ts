/**
 * The composition root of the request path: settings + data-layer ports → ProxyServices. Used by
 * `codex-lb-proxy serve` and by the server tests, so both run the same wiring.
 */
import { SpanKind } from '@opentelemetry/api';
import type { Settings } from '../config/settings.ts';
import type { ForwardSigner } from '../cluster/bridge-auth.ts';
import { Forwarder } from '../cluster/bridge/forwarder.ts';
import { BridgeSessions } from '../cluster/bridge/sessions.ts';
import { TurnRouter } from '../cluster/bridge/turn-router.ts';
import { CapPartition } from '../cluster/cap-partition.ts';
import { DrainState } from '../cluster/drain.ts';
import type { PendingWork } from '../cluster/pending-work.ts';
import { soloRing, type RingView } from '../cluster/ring.ts';
import type { SessionOwnerStore } from '../cluster/session-owners.ts';
import type { Logger } from '../observability/logger.ts';
import { ProxyMetrics } from '../observability/metrics.ts';
import { startTracing } from '../observability/tracing.ts';
import { AdmissionGate } from '../routing/admission.ts';
import { CircuitBreakers } from '../routing/circuit-breaker.ts';
import type { AccountView } from '../routing/account-state.ts';
import { Dispatcher } from '../routing/dispatch.ts';
import { poolUsage, type PoolUsage } from '../routing/pool-usage.ts';
import type { AccountPool, AffinityStore, ResponseOwners, UsageIngest } from '../routing/ports.ts';
import { RuntimeRegistry } from '../routing/runtime-state.ts';
import { UpstreamClient } from '../upstream/client.ts';
import { SocketTransport } from '../upstream/transport.ts';
import { blockListOf } from './client-ip.ts';
import { MemoryGuard } from './memory-guard.ts';
import { FirewallGate } from './middleware/firewall.ts';
import { originPolicy } from './middleware/origin-guard.ts';
import { ModelCatalog } from './models/catalog.ts';
import type { ApiKeys, FirewallAllowlist, RequestLog } from './ports.ts';
import type { AdminApi } from './routes/admin.ts';
import type { HealthProbes, HttpSettings, ProxyServices } from './services.ts';
import type { DashboardServices } from '../dashboard/services.ts';
import type { RoutingSettings } from '../routing/routing-settings.ts';
import { VERSION } from '../version.ts';

export interface DataPorts {
  pool: AccountPool;
  usage: UsageIngest;
  affinity: AffinityStore;
  owners: ResponseOwners;
  apiKeys: ApiKeys;
  requestLog: RequestLog;
  firewall: FirewallAllowlist;
}

/** A replica in a ring of replicas sharing one database (serve wires it; a lone test proxy has none). */
export interface ClusterWiring {
  ring: RingView;
  owners: SessionOwnerStore;
  /** Signs and checks forwards between replicas (key derived from the shared encryption key). */
  signer: ForwardSigner;
}

export interface ComposeOptions {
  settings: Settings;
  cluster?: ClusterWiring;
  /** Epoch ms; tests move it to cross the circuit breaker's recovery time. */
  clock?: () => number;
  ports: DataPorts;
  /** Background writes (shared with the ports that make them); close() waits for them. */
  pending: PendingWork;
  health: HealthProbes;
  admin?: AdminApi;
  logger: Logger;
  /** Account counts by status for the `codex_lb_accounts_total` gauge. */
  accountCounts?: () => Promise<Record<string, number>>;
  /** The dashboard's API and UI (proxy/dashboard/wiring.ts). */
  dashboard?: DashboardServices;
  /** Routing settings in force (the dashboard's run-time settings); @default the environment's, fixed. */
  routing?: () => RoutingSettings;
}

export interface ComposedProxy {
  services: ProxyServices;
  runtime: RuntimeRegistry;
  close(): Promise<void>;
}

const seconds = (value: number): number => Math.round(value * 1000);

export function httpSettingsFrom(settings: Settings): HttpSettings {
  return {
    keepaliveMs: settings.sseKeepaliveIntervalSeconds > 0 ? seconds(settings.sseKeepaliveIntervalSeconds) : 0,
    idleTimeoutMs: seconds(settings.streamIdleTimeoutSeconds),
    firstEventTimeoutMs: seconds(settings.streamFirstEventTimeoutSeconds),
    streamBudgetMs: seconds(settings.httpResponsesStreamRequestBudgetSeconds),
    unaryBudgetMs: seconds(settings.proxyRequestBudgetSeconds),
    compactBudgetMs: seconds(settings.compactRequestBudgetSeconds),
    socketIdleTimeoutMs: seconds(settings.proxyDownstreamWebsocketIdleTimeoutSeconds),
    headersTimeoutMs: seconds(settings.requestHeadersTimeoutSeconds),
    requestTimeoutMs: seconds(settings.requestBodyTimeoutSeconds),
    maxBodyBytes: settings.maxDecompressedBodyBytes,
    // Nothing larger than the upstream's response.create cap can be forwarded (no history slimming here).
    maxResponsesBodyBytes: Math.min(settings.maxDecompressedResponsesBodyBytes, settings.upstreamResponseCreateMaxBytes),
    websocketQueueLimit: settings.proxyDownstreamWebsocketQueueLimit,
    maxConcurrentRequests: settings.backpressureMaxConcurrentRequests,
    origins: originPolicy(settings.allowedOrigins),
    deriveCacheKey: settings.openaiPromptCacheKeyDerivationEnabled,
    promptCacheTtlSeconds: settings.openaiCacheAffinityMaxAgeSeconds,
    apiKeyAuthEnabled: settings.apiKeyAuthEnabled,
    unauthenticatedClients: blockListOf(settings.proxyUnauthenticatedClientCidrs),
    trust: { trustProxyHeaders: settings.firewallTrustProxyHeaders, trustedProxies: blockListOf(settings.firewallTrustedProxyCidrs) },
  };
}

/**
 * Connections the pool to the ChatGPT backend may open (each streaming turn holds one; more turns wait for one):
 * the per-host limit, within the overall one — the proxy's only pooled upstream is that host.
 */
export function upstreamConnections(settings: Pick<Settings, 'httpConnectorLimit' | 'httpConnectorLimitPerHost'>): number {
  return Math.min(settings.httpConnectorLimit, settings.httpConnectorLimitPerHost);
}

/** The proxy's version (package.json): the `service.version` of its traces. */

/**
 * The pool's usage from the account list routing already caches: recomputed when that list is re-read,
 * or once a second (windows expire with time), never per request.
 */
function poolUsageOf(pool: AccountPool): () => Promise<PoolUsage> {
  let memo: { views: AccountView[]; second: number; usage: PoolUsage } | undefined;
  return async () => {
    const views = await pool.list();
    const second = Math.floor(Date.now() / 1000);
    if (memo?.views !== views || memo.second !== second) memo = { views, second, usage: poolUsage(views, second) };
    return memo.usage;
  };
}

export function composeProxy(options: ComposeOptions): ComposedProxy {
  const { settings, ports, logger } = options;
  const tracing =
    settings.otelEnabled && settings.otelExporterEndpoint
      ? startTracing({ endpoint: settings.otelExporterEndpoint, instanceId: settings.sessionBridgeInstanceId, version: VERSION })
      : undefined;
  const client = new UpstreamClient({
    baseUrl: settings.upstreamBaseUrl,
    connectTimeoutMs: seconds(settings.upstreamConnectTimeoutSeconds),
    connections: upstreamConnections(settings),
    maxEventBytes: settings.maxSseEventBytes,
  });
  const runtime = new RuntimeRegistry();
  const fixedRouting: RoutingSettings = { routingStrategy: settings.routingStrategy, stickyThreadsEnabled: true, preferEarlierResetAccounts: true };
  const routing = options.routing ?? (() => fixedRouting);
  const clock = options.clock ?? Date.now;
  const ring = options.cluster?.ring ?? soloRing(settings.sessionBridgeInstanceId);
  const caps = new CapPartition(ring, {
    stream: settings.proxyAccountStreamLimit,
    create: settings.proxyAccountResponseCreateLimit,
    streamReserve: settings.proxyAccountStreamRecoveryReserve,
    scope: settings.proxyAccountCapsScope,
    growAfterMs: seconds(settings.proxyAccountCapPartitionScaleDownSeconds),
  });
  const breakers = new CircuitBreakers({ enabled: settings.circuitBreakerEnabled, now: clock });
  const upstreamSockets =
    settings.upstreamStreamTransport === 'http'
      ? undefined
      : () => new SocketTransport(client, { connectTimeoutMs: seconds(settings.upstreamConnectTimeoutSeconds), maxPayload: settings.maxSseEventBytes });
  const sessions = settings.sessionBridgeEnabled
    ? new BridgeSessions({
        settings: {
          maxSessions: settings.sessionBridgeMaxSessions,
          queueLimit: settings.sessionBridgeQueueLimit,
          codexIdleTtlMs: seconds(settings.sessionBridgeCodexIdleTtlSeconds),
          idleTtlMs: seconds(settings.sessionBridgeIdleTtlSeconds),
        },
        owners: options.cluster?.owners,
        self: settings.sessionBridgeInstanceId,
        newTransport: () => upstreamSockets?.(),
        logger,
      })
    : undefined;
  const accountCounts = options.accountCounts;
  const metrics = new ProxyMetrics({
    inflight: () => runtime.inflightTotal(),
    accounts: accountCounts ? { byStatus: accountCounts } : undefined,
    bridgeSessions: () => sessions?.size ?? 0,
    ring,
    openCircuits: () => breakers.openCount(),
  });
  const dispatcher = new Dispatcher({
    client,
    pool: ports.pool,
    pending: options.pending,
    runtime,
    usage: ports.usage,
    affinity: ports.affinity,
    owners: ports.owners,
    breakers,
    limits: () => caps.limits(),
    admission: {
      responses: new AdmissionGate(settings.proxyResponseCreateLimit),
      compact: new AdmissionGate(settings.proxyCompactResponseCreateLimit),
      waitMs: seconds(settings.proxyAdmissionWaitTimeoutSeconds),
    },
    now: clock,
    // Getters: the dispatcher reads these per selection, so a dashboard change applies to the next request.
    settings: {
      get strategy() {
        return routing().routingStrategy;
      },
      replicaSalt: settings.sessionBridgeInstanceId,
      clientVersion: settings.modelRegistryClientVersion,
      get preferEarlierReset() {
        return routing().preferEarlierResetAccounts;
      },
    },
    observer: {
      accepted() {
        metrics.upstreamRequests.inc({ outcome: 'accepted' });
      },
      attemptFailed(accountId, kind, failure) {
        metrics.upstreamRequests.inc({ outcome: 'failed' });
        metrics.upstreamErrors.inc({ class: kind, code: failure.code });
        if (kind === 'rate_limit' || kind === 'quota') metrics.rateLimitHits.inc({ kind });
        logger.info('upstream attempt failed', { accountId, class: kind, code: failure.code, status: failure.status });
      },
      refreshed() {
        metrics.tokenRefreshes.inc({ reason: 'upstream_401' });
      },
      upstreamFinished(seconds, outcome) {
        metrics.upstreamDuration.observe({ outcome }, seconds);
        // A child of the request's span (the active context): when it was sent upstream, how it ended.
        const end = Date.now();
        tracing?.tracer.startSpan('upstream attempt', { kind: SpanKind.CLIENT, startTime: end - seconds * 1000, attributes: { 'codex_lb.upstream.outcome': outcome } }).end(end);
      },
      backgroundFailed(operation, accountId, err) {
        metrics.backgroundFailures.inc({ operation });
        logger.warn('background write failed', { operation, accountId, err });
      },
    },
  });
  const cluster = options.cluster;
  const forwarder =
    cluster && sessions
      ? new Forwarder({
          self: settings.sessionBridgeInstanceId,
          signer: cluster.signer,
          connectTimeoutMs: seconds(settings.upstreamConnectTimeoutSeconds),
          maxEventBytes: settings.maxSseEventBytes,
          logger,
        })
      : undefined;
  const turns = new TurnRouter({
    dispatcher,
    sessions,
    cluster: cluster && forwarder ? { ring: cluster.ring, owners: cluster.owners, forwarder } : undefined,
    logger,
    observe: (outcome) => metrics.sessionTurns.inc({ outcome }),
  });
  const services: ProxyServices = {
    settings: httpSettingsFrom(settings),
    turns,
    processId: ring.self.processId,
    bridge: cluster && sessions ? { self: settings.sessionBridgeInstanceId, signer: cluster.signer, router: turns, sessions } : undefined,
    affinity: ports.affinity,
    owners: ports.owners,
    poolUsage: poolUsageOf(ports.pool),
    apiKeys: ports.apiKeys,
    requestLog: ports.requestLog,
    firewall: new FirewallGate(ports.firewall, seconds(settings.firewallIpCacheTtlSeconds)),
    models: new ModelCatalog({ client, pool: ports.pool, clientVersion: settings.modelRegistryClientVersion, logger }),
    drain: new DrainState(),
    memory: new MemoryGuard({ budgetBytes: settings.maxInflightBodyBytes, rssLimitBytes: settings.memoryRejectThresholdMb * 1024 * 1024 }),
    pending: options.pending,
    health: options.health,
    metrics,
    tracer: tracing?.tracer,
    logger,
    admin: options.admin,
    dashboard: options.dashboard,
    routing,
    upstreamSockets,
  };
  return {
    services,
    runtime,
    /** Call after the listeners stopped: waits for background writes, then releases the upstream pool. */
    async close() {
      sessions?.closeAll();
      await options.pending.settle();
      metrics.close();
      await forwarder?.close();
      await tracing?.shutdown();
      await client.close();
    },
  };
}
