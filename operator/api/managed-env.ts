/**
 * Environment variable names a CodexLB's `env` and `envFrom` may not set. One list serves the CRD's
 * admission rules (codexlb-spec.ts), the reconcile-time check of `envFrom` sources (whose keys are
 * only known in the cluster) and a render test that keeps this list a superset of what the operator
 * actually renders.
 *
 * Two groups:
 * - operator-managed: set from a typed spec field or fixed by the operator. An explicit `env` entry
 *   would win over the operator's ConfigMap in the pod while the spec and status say otherwise.
 * - runtime switches: Node.js and dynamic-loader variables that change the code the proxy runs
 *   (`NODE_OPTIONS=--import=data:…`, `LD_PRELOAD`) or disable TLS verification
 *   (`NODE_TLS_REJECT_UNAUTHORIZED`). Allowing them would make `--allowed-images` meaningless.
 */

/** Operator-managed variable → the spec field (or fixed choice) that controls it. */
export const MANAGED_ENV: Readonly<Record<string, string>> = {
  PORT: 'fixed: the container port is 2455',
  POD_NAME: 'fixed: downward API',
  POD_NAMESPACE: 'fixed: downward API',
  POD_IP: 'fixed: downward API',
  CODEX_LB_DATA_DIR: 'fixed: the data volume',
  CODEX_LB_DATABASE_URL: 'spec.database',
  CODEX_LB_DATABASE_MIGRATE_ON_STARTUP: 'spec.migration.strategy',
  CODEX_LB_DATABASE_POOL_SIZE: 'spec.database.pool.size',
  CODEX_LB_DATABASE_MAX_OVERFLOW: 'spec.database.pool.maxOverflow',
  CODEX_LB_ENCRYPTION_KEY_FILE: 'spec.encryption',
  CODEX_LB_ADMIN_TOKEN_FILE: 'fixed: the generated admin token',
  CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN: 'fixed: the generated admin token',
  CODEX_LB_TELEMETRY_ENABLED: 'spec.config.telemetry.enabled',
  CODEX_LB_LOG_FORMAT: 'spec.config.logFormat',
  CODEX_LB_UPSTREAM_BASE_URL: 'spec.config.upstream.baseURL',
  CODEX_LB_OAUTH_TOKEN_URL: 'spec.config.upstream.oauthTokenURL',
  CODEX_LB_UPSTREAM_STREAM_TRANSPORT: 'spec.config.upstream.streamTransport',
  CODEX_LB_UPSTREAM_CONNECT_TIMEOUT_SECONDS: 'spec.config.upstream.connectTimeoutSeconds',
  CODEX_LB_PROXY_REQUEST_BUDGET_SECONDS: 'spec.config.requestBudgetSeconds',
  CODEX_LB_STREAM_IDLE_TIMEOUT_SECONDS: 'spec.config.streamIdleTimeoutSeconds',
  CODEX_LB_STREAM_FIRST_EVENT_TIMEOUT_SECONDS: 'spec.config.streamFirstEventTimeoutSeconds',
  CODEX_LB_FIREWALL_TRUST_PROXY_HEADERS: 'spec.config.firewall.trustProxyHeaders',
  CODEX_LB_FIREWALL_TRUSTED_PROXY_CIDRS: 'spec.config.firewall.trustedProxyCIDRs',
  CODEX_LB_FIREWALL_ALLOWLIST: 'spec.config.firewall.allowlist',
  CODEX_LB_API_KEY_AUTH_ENABLED: 'spec.config.apiKeyAuth.enabled',
  CODEX_LB_LEADER_ELECTION_ENABLED: 'spec.config.leaderElection.enabled',
  CODEX_LB_LEADER_ELECTION_TTL_SECONDS: 'spec.config.leaderElection.ttlSeconds',
  CODEX_LB_METRICS_ENABLED: 'spec.metrics.enabled',
  CODEX_LB_METRICS_PORT: 'spec.metrics.port',
  CODEX_LB_SHUTDOWN_DRAIN_TIMEOUT_SECONDS: 'spec.shutdown.drainTimeoutSeconds',
  CODEX_LB_OAUTH_CALLBACK_HOST: 'spec.oauth.callbackService.enabled',
  CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_ID: 'fixed: the pod name',
  CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_ADVERTISE_BASE_URL: 'spec.topology.handoffAdvertiseURL',
  CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_IDLE_TTL_SECONDS: 'spec.config.sessionBridge.idleTTLSeconds',
  CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_CODEX_IDLE_TTL_SECONDS: 'spec.config.sessionBridge.codexIdleTTLSeconds',
  CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_MAX_SESSIONS: 'spec.config.sessionBridge.maxSessions',
  CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_QUEUE_LIMIT: 'spec.config.sessionBridge.queueLimit',
  CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_CODEX_PREWARM_ENABLED: 'spec.config.sessionBridge.codexPrewarmEnabled',
  CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_RING: 'spec.config.sessionBridge.staticRing',
  CODEX_LB_BACKPRESSURE_MAX_CONCURRENT_REQUESTS: 'spec.config.backpressureMaxConcurrentRequests',
  CODEX_LB_HTTP_CONNECTOR_LIMIT: 'spec.config.httpConnector.limit',
  CODEX_LB_HTTP_CONNECTOR_LIMIT_PER_HOST: 'spec.config.httpConnector.limitPerHost',
  CODEX_LB_OPENAI_CACHE_AFFINITY_MAX_AGE_SECONDS: 'spec.config.promptCache.affinityMaxAgeSeconds',
  CODEX_LB_OPENAI_PROMPT_CACHE_KEY_DERIVATION_ENABLED: 'spec.config.promptCache.keyDerivationEnabled',
  CODEX_LB_OTEL_ENABLED: 'spec.config.tracing.enabled',
  CODEX_LB_OTEL_EXPORTER_ENDPOINT: 'spec.config.tracing.endpoint',
};

/** Prefixes of runtime switches (see above). */
export const RUNTIME_ENV_PREFIXES: readonly string[] = ['NODE_', 'LD_'];

/** Why `name` may not be set through env/envFrom, or undefined when it may. */
export function forbiddenEnvName(name: string): string | undefined {
  const field = MANAGED_ENV[name];
  if (field !== undefined) return field.startsWith('fixed:') ? `it is managed by the operator (${field.slice(7)})` : `it is managed by the operator; use ${field}`;
  const prefix = RUNTIME_ENV_PREFIXES.find((p) => name.startsWith(p));
  return prefix ? `${prefix}* variables change the code the proxy runs` : undefined;
}

/** A CEL list literal of the managed names. */
export function managedEnvCelList(): string {
  return `[${Object.keys(MANAGED_ENV)
    .map((n) => `'${n}'`)
    .join(', ')}]`;
}

/** A CEL expression: `expr` (a string) starts with one of the runtime prefixes. */
export function runtimePrefixCel(expr: string): string {
  return RUNTIME_ENV_PREFIXES.map((p) => `${expr}.startsWith('${p}')`).join(' || ');
}
