/**
 * Everything the HTTP app needs, assembled once by the serve command (or a test) and passed in:
 * no module below reaches for globals or the environment.
 */
import type { BlockList } from 'node:net';
import type { DrainState } from '../cluster/drain.ts';
import type { PendingWork } from '../cluster/pending-work.ts';
import type { Logger } from '../observability/logger.ts';
import type { ProxyMetrics } from '../observability/metrics.ts';
import type { TurnRouter } from '../cluster/bridge/turn-router.ts';
import type { PoolUsage } from '../routing/pool-usage.ts';
import type { AffinityStore, ResponseOwners } from '../routing/ports.ts';
import type { SocketTransport } from '../upstream/transport.ts';
import type { ProxyTrust } from './client-ip.ts';
import type { ModelCatalog } from './models/catalog.ts';
import type { Tracer } from '@opentelemetry/api';
import type { MemoryGuard } from './memory-guard.ts';
import type { FirewallGate } from './middleware/firewall.ts';
import type { OriginPolicy } from './middleware/origin-guard.ts';
import type { ApiKeys, RequestLog } from './ports.ts';
import type { AdminApi } from './routes/admin.ts';
import type { BridgeReceiver } from './routes/bridge.ts';
import type { DashboardServices } from '../dashboard/services.ts';
import type { RoutingSettings } from '../routing/routing-settings.ts';

export interface HttpSettings {
  /** ≤ 0 disables keepalives (also those sent while an accepted upstream has not produced its first event). */
  keepaliveMs: number;
  idleTimeoutMs: number;
  /** One attempt's wait for its first upstream event; past it the attempt is a stall and the turn fails over. */
  firstEventTimeoutMs: number;
  /** Request budgets by answer kind. */
  streamBudgetMs: number;
  unaryBudgetMs: number;
  compactBudgetMs: number;
  /** Slow clients: headers, and the whole request, must arrive within these. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Downstream WebSockets idle this long between turns are closed. */
  socketIdleTimeoutMs: number;
  maxBodyBytes: number;
  /** Responses routes and WebSocket `response.create` frames (decoded bytes). */
  maxResponsesBodyBytes: number;
  /** `response.create` frames a client socket may queue behind its running turn. */
  websocketQueueLimit: number;
  /** Proxy requests served at once; 0 = unlimited. */
  maxConcurrentRequests: number;
  /** Browser origins allowed to open WebSockets and send state-changing requests. */
  origins: OriginPolicy;
  deriveCacheKey: boolean;
  promptCacheTtlSeconds: number;
  apiKeyAuthEnabled: boolean;
  /** Socket peers allowed without a key when key auth is off (besides local requests). */
  unauthenticatedClients: BlockList;
  trust: ProxyTrust;
}

export interface HealthProbes {
  /** `SELECT 1` succeeds. */
  database(): Promise<boolean>;
  /** The schema is at this build's head. */
  schemaAtHead(): Promise<boolean>;
  /** Startup finished (migrations, listeners). */
  started(): boolean;
  /** Live replicas in the ring (a view at most a few seconds old); reported by readiness, never failing it. */
  ringMembers?(): Promise<number>;
}

export interface ProxyServices {
  settings: HttpSettings;
  /** Where each turn runs: dispatched here, through this replica's session bridge, or on the session's owner. */
  turns: TurnRouter;
  /** This process's id in the ring (answered on `/health/live` for the advertise-URL self-check). */
  processId: string;
  /** Receives turns other replicas forward (`/internal/bridge/responses`); absent when the bridge is off. */
  bridge: BridgeReceiver | undefined;
  affinity: AffinityStore;
  owners: ResponseOwners;
  /** The pool's usage for the answers' usage headers (as fresh as the account list routing reads). */
  poolUsage(): Promise<PoolUsage>;
  apiKeys: ApiKeys;
  requestLog: RequestLog;
  firewall: FirewallGate;
  models: ModelCatalog;
  drain: DrainState;
  /** RSS threshold and in-flight body budget. */
  memory: MemoryGuard;
  /** Background writes that shutdown waits for. */
  pending: PendingWork;
  health: HealthProbes;
  metrics: ProxyMetrics;
  /** Set when tracing is on (CODEX_LB_OTEL_ENABLED). */
  tracer?: Tracer;
  logger: Logger;
  /** The operator's admin API; absent when `CODEX_LB_ADMIN_TOKEN_FILE` is unset (every call 404s). */
  admin: AdminApi | undefined;
  /** The dashboard (`/api/*` and the UI); absent in compositions without one (e.g. some server tests). */
  dashboard: DashboardServices | undefined;
  /** Routing settings in force now (the environment's, or the dashboard's run-time values). */
  routing: () => RoutingSettings;
  /**
   * Upstream sockets for one client WebSocket (`CODEX_LB_UPSTREAM_STREAM_TRANSPORT` websocket or
   * auto); undefined when the upstream is reached over HTTP only.
   */
  upstreamSockets: (() => SocketTransport) | undefined;
}
