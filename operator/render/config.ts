/** ConfigMap <name>-env: the typed spec.config rendered as CODEX_LB_* variables (envFrom). */
import type { KubeObject } from '../runtime/kube/types.ts';
import type { RenderInput } from './input.ts';
import { migrationStrategy, streamFirstEventTimeoutSeconds } from './effective.ts';
import { childMeta } from './meta.ts';
import { names } from './names.ts';

export const DATA_DIR = '/var/lib/codex-lb';

export function proxySettings(input: RenderInput): Record<string, string> {
  const { spec } = input.codexlb;
  const { config } = spec;
  const settings: Record<string, string> = {
    CODEX_LB_DATA_DIR: DATA_DIR,
    CODEX_LB_DATABASE_MIGRATE_ON_STARTUP: String(migrationStrategy(spec) === 'Startup'),
    CODEX_LB_LOG_FORMAT: config.logFormat,
    CODEX_LB_UPSTREAM_STREAM_TRANSPORT: config.upstream.streamTransport,
    CODEX_LB_UPSTREAM_CONNECT_TIMEOUT_SECONDS: String(config.upstream.connectTimeoutSeconds),
    CODEX_LB_PROXY_REQUEST_BUDGET_SECONDS: String(config.requestBudgetSeconds),
    CODEX_LB_STREAM_IDLE_TIMEOUT_SECONDS: String(config.streamIdleTimeoutSeconds),
    CODEX_LB_FIREWALL_TRUST_PROXY_HEADERS: String(config.firewall.trustProxyHeaders),
    CODEX_LB_FIREWALL_TRUSTED_PROXY_CIDRS: config.firewall.trustedProxyCIDRs.join(','),
    CODEX_LB_LEADER_ELECTION_ENABLED: String(config.leaderElection.enabled),
    CODEX_LB_LEADER_ELECTION_TTL_SECONDS: String(config.leaderElection.ttlSeconds),
    // Always explicit: a Service named <x>-metrics must never be able to inject this via service links.
    CODEX_LB_METRICS_ENABLED: String(spec.metrics.enabled),
    CODEX_LB_METRICS_PORT: String(spec.metrics.port),
    CODEX_LB_SHUTDOWN_DRAIN_TIMEOUT_SECONDS: String(spec.shutdown.drainTimeoutSeconds),
    CODEX_LB_BACKPRESSURE_MAX_CONCURRENT_REQUESTS: String(config.backpressureMaxConcurrentRequests),
    CODEX_LB_HTTP_CONNECTOR_LIMIT: String(config.httpConnector.limit),
    CODEX_LB_HTTP_CONNECTOR_LIMIT_PER_HOST: String(config.httpConnector.limitPerHost),
    CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_IDLE_TTL_SECONDS: String(config.sessionBridge.idleTTLSeconds),
    CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_CODEX_IDLE_TTL_SECONDS: String(config.sessionBridge.codexIdleTTLSeconds),
    CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_MAX_SESSIONS: String(config.sessionBridge.maxSessions),
    CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_QUEUE_LIMIT: String(config.sessionBridge.queueLimit),
    CODEX_LB_OPENAI_CACHE_AFFINITY_MAX_AGE_SECONDS: String(config.promptCache.affinityMaxAgeSeconds),
    CODEX_LB_OPENAI_PROMPT_CACHE_KEY_DERIVATION_ENABLED: String(config.promptCache.keyDerivationEnabled),
  };
  // Set only when on: the bundled proxy accepts the variable but does not prewarm, and says so in its log.
  if (config.sessionBridge.codexPrewarmEnabled) settings.CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_CODEX_PREWARM_ENABLED = 'true';
  if (config.tracing.enabled && config.tracing.endpoint) {
    settings.CODEX_LB_OTEL_ENABLED = 'true';
    settings.CODEX_LB_OTEL_EXPORTER_ENDPOINT = config.tracing.endpoint;
  }
  if (config.upstream.baseURL) settings.CODEX_LB_UPSTREAM_BASE_URL = config.upstream.baseURL;
  if (spec.database.type === 'PostgreSQL') {
    settings.CODEX_LB_DATABASE_POOL_SIZE = String(spec.database.pool.size);
    settings.CODEX_LB_DATABASE_MAX_OVERFLOW = String(spec.database.pool.maxOverflow);
  }
  if (spec.oauth.callbackService.enabled) settings.CODEX_LB_OAUTH_CALLBACK_HOST = '0.0.0.0';
  return spec.proxy.flavor === 'Bundled' ? { ...settings, ...bundledOnlySettings(input) } : { ...settings, ...upstreamOnlySettings(input) };
}

/**
 * Settings only the official application has. Telemetry is rendered off unless asked for: the application
 * reports to a third party when nobody answered its consent prompt, and a cluster-run installation has nobody
 * looking at that prompt.
 */
function upstreamOnlySettings(input: RenderInput): Record<string, string> {
  return { CODEX_LB_TELEMETRY_ENABLED: String(input.codexlb.spec.config.telemetry.enabled) };
}

/**
 * Settings the official application does not read. Under proxy.flavor Upstream their fields are rejected
 * at admission (api/codexlb-proxy.ts), or — API-key auth and the firewall allow-list, which it keeps in
 * its database — set through its dashboard API once the pods serve (controllers/pool).
 */
function bundledOnlySettings(input: RenderInput): Record<string, string> {
  const { config } = input.codexlb.spec;
  const settings: Record<string, string> = {
    CODEX_LB_STREAM_FIRST_EVENT_TIMEOUT_SECONDS: String(streamFirstEventTimeoutSeconds(input.codexlb.spec)),
    CODEX_LB_API_KEY_AUTH_ENABLED: String(config.apiKeyAuth.enabled),
  };
  if (config.upstream.oauthTokenURL) settings.CODEX_LB_OAUTH_TOKEN_URL = config.upstream.oauthTokenURL;
  if (config.firewall.allowlist?.length) settings.CODEX_LB_FIREWALL_ALLOWLIST = config.firewall.allowlist.join(',');
  return settings;
}

export function renderConfigMap(input: RenderInput): KubeObject {
  const cr = input.codexlb;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMeta(cr, names(cr.metadata.name).config, 'server'),
    data: proxySettings(input),
  };
}
