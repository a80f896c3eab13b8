/**
 * Every environment variable the proxy reads, with its default.
 *
 * Names and defaults are upstream codex-lb's (reference/proxy-contract.md §12) unless marked "ours". Dashboard-only
 * settings upstream (routing strategy, API-key auth switch) are environment variables here because the proxy has no
 * settings table the operator could write to; they are marked "ours" too.
 */
import {
  boolean,
  cidrList,
  integer,
  list,
  number,
  oneOf,
  optionalNumber,
  optionalText,
  optionalUrl,
  text,
  url,
} from './variable.ts';

export const ROUTING_STRATEGIES = [
  'capacity_weighted',
  'usage_weighted',
  'round_robin',
  'relative_availability',
  'fill_first',
  'sequential_drain',
  'reset_drain',
  'single_account',
] as const;

const POSITIVE = { exclusiveMinimum: 0 } as const;
const NON_NEGATIVE = { minimum: 0 } as const;
const PORT = { minimum: 1, maximum: 65535 } as const;

export const VARIABLES = {
  // --- process -------------------------------------------------------------------------------------------------
  /** Bare `PORT` as upstream: the API + dashboard listener. */
  port: integer('PORT', 2455, PORT),
  /** Empty → `$HOME/.codex-lb` (resolved in settings.ts). */
  dataDir: optionalText('CODEX_LB_DATA_DIR'),
  logFormat: oneOf('CODEX_LB_LOG_FORMAT', ['text', 'json'], 'text'),
  shutdownDrainTimeoutSeconds: number('CODEX_LB_SHUTDOWN_DRAIN_TIMEOUT_SECONDS', 30, NON_NEGATIVE),
  metricsEnabled: boolean('CODEX_LB_METRICS_ENABLED', false),
  metricsPort: integer('CODEX_LB_METRICS_PORT', 9090, PORT),
  /** Ours: bearer token file for /internal/admin/*; unset → the admin API is off (OPERATOR-CONTRACT.md). */
  adminTokenFile: optionalText('CODEX_LB_ADMIN_TOKEN_FILE'),

  // --- database ------------------------------------------------------------------------------------------------
  /** Unset → SQLite at `<data dir>/store.db`. Secret: may carry a password. */
  databaseUrl: optionalText('CODEX_LB_DATABASE_URL', { secret: true }),
  databaseMigrateOnStartup: boolean('CODEX_LB_DATABASE_MIGRATE_ON_STARTUP', true),
  databaseMigrationsFailFast: boolean('CODEX_LB_DATABASE_MIGRATIONS_FAIL_FAST', true),
  databaseMigrationLockTimeoutSeconds: number('CODEX_LB_DATABASE_MIGRATION_LOCK_TIMEOUT_SECONDS', 300, POSITIVE),
  /** PostgreSQL: a process opens at most poolSize + maxOverflow connections. */
  databasePoolSize: integer('CODEX_LB_DATABASE_POOL_SIZE', 25, { minimum: 1 }),
  databaseMaxOverflow: integer('CODEX_LB_DATABASE_MAX_OVERFLOW', 15, NON_NEGATIVE),

  // --- encryption ----------------------------------------------------------------------------------------------
  /** Empty → `<data dir>/encryption.key`, generated once if missing. */
  encryptionKeyFile: optionalText('CODEX_LB_ENCRYPTION_KEY_FILE'),
  encryptionKeyFingerprintMode: oneOf('CODEX_LB_ENCRYPTION_KEY_FINGERPRINT_MODE', ['enforce', 'warn', 'off'], 'enforce'),

  // --- upstream ------------------------------------------------------------------------------------------------
  upstreamBaseUrl: url('CODEX_LB_UPSTREAM_BASE_URL', 'https://chatgpt.com/backend-api'),
  upstreamConnectTimeoutSeconds: number('CODEX_LB_UPSTREAM_CONNECT_TIMEOUT_SECONDS', 8, POSITIVE),
  upstreamStreamTransport: oneOf('CODEX_LB_UPSTREAM_STREAM_TRANSPORT', ['http', 'websocket', 'auto'], 'auto'),
  upstreamResponseCreateMaxBytes: integer('CODEX_LB_UPSTREAM_RESPONSE_CREATE_MAX_BYTES', 15_728_640, { minimum: 1 }),
  upstreamCompactTimeoutSeconds: optionalNumber('CODEX_LB_UPSTREAM_COMPACT_TIMEOUT_SECONDS', POSITIVE),
  httpDownstreamTransportPolicy: oneOf(
    'CODEX_LB_HTTP_DOWNSTREAM_TRANSPORT_POLICY',
    ['smart', 'always_http', 'always_websocket', 'pinned'],
    'smart',
  ),
  httpConnectorLimit: integer('CODEX_LB_HTTP_CONNECTOR_LIMIT', 100, { minimum: 1 }),
  httpConnectorLimitPerHost: integer('CODEX_LB_HTTP_CONNECTOR_LIMIT_PER_HOST', 50, { minimum: 1 }),

  // --- budgets, keepalive, body caps ---------------------------------------------------------------------------
  proxyRequestBudgetSeconds: number('CODEX_LB_PROXY_REQUEST_BUDGET_SECONDS', 600, POSITIVE),
  httpResponsesStreamRequestBudgetSeconds: number('CODEX_LB_HTTP_RESPONSES_STREAM_REQUEST_BUDGET_SECONDS', 7200, POSITIVE),
  compactRequestBudgetSeconds: number('CODEX_LB_COMPACT_REQUEST_BUDGET_SECONDS', 180, POSITIVE),
  streamIdleTimeoutSeconds: number('CODEX_LB_STREAM_IDLE_TIMEOUT_SECONDS', 7200, POSITIVE),
  /**
   * Ours: how long one upstream attempt may stay silent between sending the request and its first response
   * event before it is abandoned, counted against its account, and the turn fails over. The real upstream
   * sends `response.created` within a second or two; 20 s × three accounts stays far under the Codex CLI's
   * own 300 s stream idle timeout (README "Stalled upstreams").
   */
  streamFirstEventTimeoutSeconds: number('CODEX_LB_STREAM_FIRST_EVENT_TIMEOUT_SECONDS', 20, POSITIVE),
  /** ≤ 0 disables keepalives. */
  sseKeepaliveIntervalSeconds: number('CODEX_LB_SSE_KEEPALIVE_INTERVAL_SECONDS', 10),
  maxSseEventBytes: integer('CODEX_LB_MAX_SSE_EVENT_BYTES', 16_777_216, { minimum: 1 }),
  maxDecompressedBodyBytes: integer('CODEX_LB_MAX_DECOMPRESSED_BODY_BYTES', 33_554_432, { minimum: 1 }),
  /**
   * Responses routes (HTTP bodies and WebSocket `response.create` frames) are also held to
   * `CODEX_LB_UPSTREAM_RESPONSE_CREATE_MAX_BYTES`: without upstream's history slimming, a larger request could never be
   * forwarded, so it is refused at the door instead of after buffering it (README "The proxy: what it trusts").
   */
  maxDecompressedResponsesBodyBytes: integer('CODEX_LB_MAX_DECOMPRESSED_RESPONSES_BODY_BYTES', 134_217_728, { minimum: 1 }),
  /** Ours: request bodies (and queued WebSocket frames) held at once by the process; more → 503 + Retry-After. */
  maxInflightBodyBytes: integer('CODEX_LB_MAX_INFLIGHT_BODY_BYTES', 134_217_728, { minimum: 1 }),
  /** Process RSS at or above this → new requests get 503 `proxy_unavailable` + Retry-After. 0 = off (upstream). */
  memoryRejectThresholdMb: integer('CODEX_LB_MEMORY_REJECT_THRESHOLD_MB', 0, NON_NEGATIVE),
  /** Ours: the request line and headers must arrive within this (slow-header clients are cut off). */
  requestHeadersTimeoutSeconds: number('CODEX_LB_REQUEST_HEADERS_TIMEOUT_SECONDS', 60, POSITIVE),
  /** Ours: the whole request, body included, must arrive within this; answers (streams) are not limited by it. */
  requestBodyTimeoutSeconds: number('CODEX_LB_REQUEST_BODY_TIMEOUT_SECONDS', 300, POSITIVE),

  // --- session bridge and replica identity ---------------------------------------------------------------------
  sessionBridgeEnabled: boolean('CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_ENABLED', true),
  /** Empty → `HOSTNAME` (the pod name in Kubernetes). */
  sessionBridgeInstanceId: optionalText('CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_ID'),
  sessionBridgeAdvertiseBaseUrl: optionalUrl('CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_ADVERTISE_BASE_URL'),
  sessionBridgeInstanceRing: list('CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_RING', []),
  sessionBridgeIdleTtlSeconds: number('CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_IDLE_TTL_SECONDS', 120, POSITIVE),
  sessionBridgeCodexIdleTtlSeconds: number('CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_CODEX_IDLE_TTL_SECONDS', 900, POSITIVE),
  sessionBridgeMaxSessions: integer('CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_MAX_SESSIONS', 256, { minimum: 1 }),
  sessionBridgeQueueLimit: integer('CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_QUEUE_LIMIT', 8, NON_NEGATIVE),
  sessionBridgeRequestBudgetSeconds: number('CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_REQUEST_BUDGET_SECONDS', 7200, POSITIVE),
  leaderElectionEnabled: boolean('CODEX_LB_LEADER_ELECTION_ENABLED', true),
  leaderElectionTtlSeconds: number('CODEX_LB_LEADER_ELECTION_TTL_SECONDS', 60, { minimum: 5 }),

  // --- routing, admission, affinity ----------------------------------------------------------------------------
  /** Ours (upstream: dashboard `routingStrategy`). */
  routingStrategy: oneOf('CODEX_LB_ROUTING_STRATEGY', ROUTING_STRATEGIES, 'capacity_weighted'),
  /** Cluster-wide per-account caps (each replica enforces its share, §7.5); 0 = unlimited. */
  proxyAccountResponseCreateLimit: integer('CODEX_LB_PROXY_ACCOUNT_RESPONSE_CREATE_LIMIT', 4, NON_NEGATIVE),
  proxyAccountStreamLimit: integer('CODEX_LB_PROXY_ACCOUNT_STREAM_LIMIT', 8, NON_NEGATIVE),
  proxyAccountStreamRecoveryReserve: integer('CODEX_LB_PROXY_ACCOUNT_STREAM_RECOVERY_RESERVE', 1, NON_NEGATIVE),
  proxyAccountCapsScope: oneOf('CODEX_LB_PROXY_ACCOUNT_CAPS_SCOPE', ['partitioned', 'replica'], 'partitioned'),
  proxyAccountCapPartitionScaleDownSeconds: number('CODEX_LB_PROXY_ACCOUNT_CAP_PARTITION_SCALE_DOWN_SECONDS', 60, NON_NEGATIVE),
  proxyAccountInflightPenaltyPct: number('CODEX_LB_PROXY_ACCOUNT_INFLIGHT_PENALTY_PCT', 2.5, NON_NEGATIVE),
  proxyAccountLeaseTokenWeight: number('CODEX_LB_PROXY_ACCOUNT_LEASE_TOKEN_WEIGHT', 1.0, NON_NEGATIVE),
  proxyAccountLeaseTtlSeconds: number('CODEX_LB_PROXY_ACCOUNT_LEASE_TTL_SECONDS', 900, POSITIVE),
  /** 0 turns API-key fair share off. */
  proxyApiKeyFairShareCongestionThresholdPct: number('CODEX_LB_PROXY_API_KEY_FAIR_SHARE_CONGESTION_THRESHOLD_PCT', 0, {
    minimum: 0,
    maximum: 100,
  }),
  proxyResponseCreateLimit: integer('CODEX_LB_PROXY_RESPONSE_CREATE_LIMIT', 256, { minimum: 1 }),
  proxyCompactResponseCreateLimit: integer('CODEX_LB_PROXY_COMPACT_RESPONSE_CREATE_LIMIT', 64, { minimum: 1 }),
  proxyUpstreamWebsocketConnectLimit: integer('CODEX_LB_PROXY_UPSTREAM_WEBSOCKET_CONNECT_LIMIT', 128, { minimum: 1 }),
  proxyTokenRefreshLimit: integer('CODEX_LB_PROXY_TOKEN_REFRESH_LIMIT', 64, { minimum: 1 }),
  proxyAdmissionWaitTimeoutSeconds: number('CODEX_LB_PROXY_ADMISSION_WAIT_TIMEOUT_SECONDS', 10, NON_NEGATIVE),
  proxyDownstreamWebsocketIdleTimeoutSeconds: number('CODEX_LB_PROXY_DOWNSTREAM_WEBSOCKET_IDLE_TIMEOUT_SECONDS', 120, POSITIVE),
  /** Ours: `response.create` frames one client socket may queue behind its running turn (upstream's bridge queue limit). */
  proxyDownstreamWebsocketQueueLimit: integer('CODEX_LB_PROXY_DOWNSTREAM_WEBSOCKET_QUEUE_LIMIT', 8, NON_NEGATIVE),
  proxyRefreshFailureCooldownSeconds: number('CODEX_LB_PROXY_REFRESH_FAILURE_COOLDOWN_SECONDS', 5, NON_NEGATIVE),
  /** Per-account circuit breaker (§7.6, §11.6); thresholds are fixed constants, as upstream. */
  circuitBreakerEnabled: boolean('CODEX_LB_CIRCUIT_BREAKER_ENABLED', false),
  softDrainEnabled: boolean('CODEX_LB_SOFT_DRAIN_ENABLED', true),
  deterministicFailoverEnabled: boolean('CODEX_LB_DETERMINISTIC_FAILOVER_ENABLED', true),
  stickySessionCleanupEnabled: boolean('CODEX_LB_STICKY_SESSION_CLEANUP_ENABLED', true),
  openaiCacheAffinityMaxAgeSeconds: number('CODEX_LB_OPENAI_CACHE_AFFINITY_MAX_AGE_SECONDS', 1800, POSITIVE),
  openaiPromptCacheKeyDerivationEnabled: boolean('CODEX_LB_OPENAI_PROMPT_CACHE_KEY_DERIVATION_ENABLED', true),
  /** 0 = no global cap. */
  backpressureMaxConcurrentRequests: integer('CODEX_LB_BACKPRESSURE_MAX_CONCURRENT_REQUESTS', 0, NON_NEGATIVE),
  bulkheadProxyLimit: integer('CODEX_LB_BULKHEAD_PROXY_LIMIT', 512, { minimum: 1 }),
  bulkheadDashboardLimit: integer('CODEX_LB_BULKHEAD_DASHBOARD_LIMIT', 50, { minimum: 1 }),
  modelRegistryEnabled: boolean('CODEX_LB_MODEL_REGISTRY_ENABLED', true),
  modelRegistryClientVersion: text('CODEX_LB_MODEL_REGISTRY_CLIENT_VERSION', '0.144.0'),
  modelRegistrySnapshotMaxAgeSeconds: number('CODEX_LB_MODEL_REGISTRY_SNAPSHOT_MAX_AGE_SECONDS', 86_400, POSITIVE),

  // --- API keys and firewall -----------------------------------------------------------------------------------
  /** Ours (upstream: dashboard `apiKeyAuthEnabled`). false: loopback clients need no key, remote ones are refused. */
  apiKeyAuthEnabled: boolean('CODEX_LB_API_KEY_AUTH_ENABLED', false),
  proxyUnauthenticatedClientCidrs: cidrList('CODEX_LB_PROXY_UNAUTHENTICATED_CLIENT_CIDRS', []),
  firewallTrustProxyHeaders: boolean('CODEX_LB_FIREWALL_TRUST_PROXY_HEADERS', false),
  firewallTrustedProxyCidrs: cidrList('CODEX_LB_FIREWALL_TRUSTED_PROXY_CIDRS', ['127.0.0.1/32', '::1/128']),
  firewallIpCacheTtlSeconds: number('CODEX_LB_FIREWALL_IP_CACHE_TTL_SECONDS', 30, NON_NEGATIVE),
  /**
   * Ours: client IPs/CIDRs allowed on proxy routes. When set it replaces the allow-list the dashboard edits (upstream's
   * table, `/api/firewall/ips`), which then shows it read-only; empty = the dashboard's list (itself empty = all).
   */
  firewallAllowlist: cidrList('CODEX_LB_FIREWALL_ALLOWLIST', []),
  /**
   * Ours: browser origins (`https://app.example.com`) allowed to open WebSockets and send POST/PUT/PATCH/DELETE;
   * a request carrying any other `Origin` is refused (cross-site WebSocket hijacking, CSRF). `*` allows every origin.
   * Clients that send no `Origin` (Codex CLI, SDKs, curl) are not affected.
   */
  allowedOrigins: list('CODEX_LB_ALLOWED_ORIGINS', [], { type: 'string', format: 'origin' }),

  // --- dashboard -------------------------------------------------------------------------------------------------
  /**
   * `standard`: a password, or (before one is set) no login for callers on this machine and the bootstrap token for
   * the first remote password setup; `trusted_header`: the user named by a header a trusted reverse proxy sets;
   * `disabled`: no login (anyone who reaches the port administers the pool). proxy/dashboard/README.md.
   */
  dashboardAuthMode: oneOf('CODEX_LB_DASHBOARD_AUTH_MODE', ['standard', 'trusted_header', 'disabled'], 'standard'),
  /** `trusted_header` mode: the header naming the user, honoured only from `CODEX_LB_FIREWALL_TRUSTED_PROXY_CIDRS`. */
  dashboardAuthProxyHeader: text('CODEX_LB_DASHBOARD_AUTH_PROXY_HEADER', 'Remote-User'),
  /** Lets a remote caller set the first dashboard password. Upstream generates and logs one; we never log secrets. */
  dashboardBootstrapToken: optionalText('CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN', { secret: true }),

  // --- OAuth and token refresh ---------------------------------------------------------------------------------
  oauthCallbackHost: text('CODEX_LB_OAUTH_CALLBACK_HOST', '127.0.0.1'),
  oauthTimeoutSeconds: number('CODEX_LB_OAUTH_TIMEOUT_SECONDS', 30, POSITIVE),
  /**
   * Ours: the OAuth token endpoint. Upstream hard-codes it (and removed CODEX_LB_AUTH_BASE_URL); we keep it
   * configurable so tests and air-gapped mirrors can point refreshes at another server.
   */
  oauthTokenUrl: url('CODEX_LB_OAUTH_TOKEN_URL', 'https://auth.openai.com/oauth/token'),
  authGuardianEnabled: boolean('CODEX_LB_AUTH_GUARDIAN_ENABLED', true),
  tokenRefreshIntervalDays: number('CODEX_LB_TOKEN_REFRESH_INTERVAL_DAYS', 8, POSITIVE),
  tokenRefreshTimeoutSeconds: number('CODEX_LB_TOKEN_REFRESH_TIMEOUT_SECONDS', 8, POSITIVE),
  tokenRefreshClaimTtlSeconds: number('CODEX_LB_TOKEN_REFRESH_CLAIM_TTL_SECONDS', 30, POSITIVE),

  // --- tracing -------------------------------------------------------------------------------------------------
  otelEnabled: boolean('CODEX_LB_OTEL_ENABLED', false),
  /** OTLP/HTTP collector base URL (spans go to `<url>/v1/traces`); required when tracing is on. */
  otelExporterEndpoint: optionalUrl('CODEX_LB_OTEL_EXPORTER_ENDPOINT'),

  // --- usage ---------------------------------------------------------------------------------------------------
  usageRefreshEnabled: boolean('CODEX_LB_USAGE_REFRESH_ENABLED', true),
  usageRefreshIntervalSeconds: number('CODEX_LB_USAGE_REFRESH_INTERVAL_SECONDS', 60, POSITIVE),
  usageFetchTimeoutSeconds: number('CODEX_LB_USAGE_FETCH_TIMEOUT_SECONDS', 10, POSITIVE),
  usageFetchMaxRetries: integer('CODEX_LB_USAGE_FETCH_MAX_RETRIES', 2, NON_NEGATIVE),
  usageRefreshAuthFailureCooldownSeconds: number('CODEX_LB_USAGE_REFRESH_AUTH_FAILURE_COOLDOWN_SECONDS', 300, NON_NEGATIVE),
  liveUsageIngestionEnabled: boolean('CODEX_LB_LIVE_USAGE_INGESTION_ENABLED', true),
  /** 0 keeps rows forever. */
  requestLogRetentionDays: integer('CODEX_LB_REQUEST_LOG_RETENTION_DAYS', 0, NON_NEGATIVE),
  usageHistoryRetentionDays: integer('CODEX_LB_USAGE_HISTORY_RETENTION_DAYS', 0, NON_NEGATIVE),
} as const;

/**
 * Upstream settings this proxy accepts but does not implement (features listed as "can wait" in proxy-contract.md
 * §14c). Setting one is not a mistake in an upstream-compatible environment, so it warns instead of failing.
 */
export const UNIMPLEMENTED_UPSTREAM_VARIABLES: readonly string[] = [
  'CODEX_LB_UPSTREAM_WEBSOCKET_TRUST_ENV',
  'CODEX_LB_UPSTREAM_ROUTE_CACHE_TTL_SECONDS',
  'CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_CODEX_PREWARM_ENABLED',
  'CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_GATEWAY_SAFE_MODE',
  'CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_AMBIGUOUS_CONTINUATION_RECOVERY_MODE',
  'CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_OPERATION_LEDGER_ENABLED',
  'CODEX_LB_MODEL_CONTEXT_WINDOW_OVERRIDES',
  'CODEX_LB_IMAGE_INLINE_FETCH_ENABLED',
  'CODEX_LB_IMAGE_INLINE_ALLOWED_HOSTS',
  'CODEX_LB_WORKERS_PER_INSTANCE',
  'CODEX_LB_CONVERSATION_ARCHIVE_ENABLED',
  'CODEX_LB_CONVERSATION_ARCHIVE_DIR',
  'CODEX_LB_WARMUP_MODEL',
  'CODEX_LB_TELEMETRY_ENABLED',
  'CODEX_LB_TELEMETRY_ENDPOINT',
];

/**
 * Settings upstream removed and turned into fixed constants (upstream `_REMOVED_SETTINGS`, proxy-contract.md §12,
 * helm-charts-and-crd-design.md): upstream ignores them with a warning, and so do we.
 */
export const REMOVED_UPSTREAM_VARIABLES: readonly string[] = [
  'CODEX_LB_AUTH_BASE_URL',
  'CODEX_LB_OAUTH_CLIENT_ID',
  'CODEX_LB_OAUTH_REDIRECT_URI',
  'CODEX_LB_OAUTH_CALLBACK_PORT',
  'CODEX_LB_CIRCUIT_BREAKER_FAILURE_THRESHOLD',
  'CODEX_LB_CIRCUIT_BREAKER_RECOVERY_TIMEOUT_SECONDS',
  'CODEX_LB_DATABASE_POOL_TIMEOUT_SECONDS',
  'CODEX_LB_DATABASE_POOL_RECYCLE_SECONDS',
  'CODEX_LB_DATABASE_BACKGROUND_POOL_SIZE',
  'CODEX_LB_DATABASE_BACKGROUND_MAX_OVERFLOW',
];
