/**
 * CodexLB.spec.config: typed proxy settings, rendered into the <name>-env ConfigMap as the CODEX_LB_*
 * variables of the same meaning (proxy/config/variables.ts). Defaults are the official chart's where it
 * sets one (it tunes a few of upstream's for Kubernetes), else upstream's.
 */
import { array, boolean, enumOf, integer, object, string } from './schema.ts';

const upstream = object(
  {
    baseURL: string({
      description:
        'ChatGPT backend root (CODEX_LB_UPSTREAM_BASE_URL); default https://chatgpt.com/backend-api. Account access tokens are ' +
        'sent here: the operator refuses hosts outside --allowed-upstream-hosts and plain http unless --allow-insecure-upstream.',
      pattern: '^https?://',
      maxLength: 2048,
    }),
    oauthTokenURL: string({
      description:
        'OAuth token endpoint used to refresh account tokens (CODEX_LB_OAUTH_TOKEN_URL); default https://auth.openai.com/oauth/token. ' +
        'Refresh tokens are sent here: the same host and https rules as baseURL apply.',
      pattern: '^https?://',
      maxLength: 2048,
    }),
    streamTransport: enumOf(['auto', 'http', 'websocket'], {
      description: 'Upstream streaming transport (CODEX_LB_UPSTREAM_STREAM_TRANSPORT).',
      default: 'auto',
    }),
    connectTimeoutSeconds: integer({ description: 'Upstream connect timeout.', default: 10, minimum: 1, maximum: 300 }),
  },
  { description: 'The ChatGPT Codex backend the proxy talks to.', default: {} },
);

const httpConnector = object(
  {
    limit: integer({
      description:
        'Upstream connections one proxy pod may hold in all (CODEX_LB_HTTP_CONNECTOR_LIMIT; 100, upstream codex-lb\'s default). ' +
        'The pod uses at most the smaller of limit and limitPerHost for the ChatGPT backend.',
      default: 100,
      minimum: 1,
      maximum: 10000,
    }),
    limitPerHost: integer({
      description:
        'Upstream connections one proxy pod may hold to the ChatGPT backend (CODEX_LB_HTTP_CONNECTOR_LIMIT_PER_HOST; 50, upstream codex-lb\'s default). ' +
        'Every streaming turn holds one for its whole length, so at most this many turns stream at once per pod: the next one waits ' +
        'for a free connection, and that wait counts against its first-event deadline (streamFirstEventTimeoutSeconds). ' +
        'Raise it (and limit) when one pod serves more concurrent turns (backpressureMaxConcurrentRequests allows 200).',
      default: 50,
      minimum: 1,
      maximum: 10000,
    }),
  },
  {
    description: 'Upstream connection pool: how many turns one pod can stream to the ChatGPT backend at once.',
    default: {},
    rules: [{ rule: 'self.limitPerHost <= self.limit', message: 'config.httpConnector.limitPerHost must be <= config.httpConnector.limit' }],
  },
);

const sessionBridge = object(
  {
    idleTTLSeconds: integer({
      description: 'Idle time after which a bridged session is closed (CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_IDLE_TTL_SECONDS).',
      default: 120,
      minimum: 1,
    }),
    codexIdleTTLSeconds: integer({
      description: 'Idle time of a Codex CLI session (CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_CODEX_IDLE_TTL_SECONDS).',
      default: 900,
      minimum: 1,
    }),
    maxSessions: integer({ description: 'Bridged sessions per pod (CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_MAX_SESSIONS).', default: 256, minimum: 1 }),
    queueLimit: integer({ description: 'Requests queued per session (CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_QUEUE_LIMIT).', default: 8, minimum: 0 }),
    codexPrewarmEnabled: boolean({
      description:
        'Warm a new Codex session upstream before its first turn (CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_CODEX_PREWARM_ENABLED). ' +
        'Upstream images honour it; the bundled proxy accepts it and logs that it does not prewarm.',
      default: false,
    }),
    staticRing: boolean({
      description:
        'Give the pods a static ring (CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_RING = <name>-0 … <name>-<replicas-1>, ' +
        'computed by the operator) instead of ring discovery through the database. Rules out autoscaling: a pod missing ' +
        'from the ring cannot start.',
      default: false,
    }),
  },
  { description: 'The Responses session bridge (per-session upstream connections owned by one pod).', default: {} },
);

const promptCache = object(
  {
    affinityMaxAgeSeconds: integer({
      description: 'How long a prompt-cache key stays bound to one account (CODEX_LB_OPENAI_CACHE_AFFINITY_MAX_AGE_SECONDS).',
      default: 1800,
      minimum: 1,
    }),
    keyDerivationEnabled: boolean({
      description: 'Derive a prompt_cache_key for OpenAI-style clients that send none (CODEX_LB_OPENAI_PROMPT_CACHE_KEY_DERIVATION_ENABLED).',
      default: true,
    }),
  },
  { description: 'Prompt-cache affinity: requests sharing a cache key go to the same account.', default: {} },
);

const tracing = object(
  {
    enabled: boolean({ description: 'Export OpenTelemetry traces of proxied requests (CODEX_LB_OTEL_ENABLED).', default: false }),
    endpoint: string({
      description:
        'OTLP/HTTP collector base URL (CODEX_LB_OTEL_EXPORTER_ENDPOINT), e.g. http://otel-collector.observability:4318; ' +
        'spans go to <endpoint>/v1/traces. The NetworkPolicy admits egress to its port.',
      pattern: '^https?://[^/:]+(:[0-9]+)?(/.*)?$',
      maxLength: 2048,
    }),
  },
  {
    description: 'Distributed tracing.',
    default: {},
    rules: [{ rule: '!self.enabled || has(self.endpoint)', message: 'config.tracing.endpoint is required when config.tracing.enabled is true', fieldPath: '.endpoint' }],
  },
);

export const config = object(
  {
    logFormat: enumOf(['json', 'text'], { description: 'Proxy log format.', default: 'json' }),
    upstream,
    requestBudgetSeconds: integer({
      description: 'Total budget of one non-streaming request (CODEX_LB_PROXY_REQUEST_BUDGET_SECONDS).',
      default: 600,
      minimum: 1,
    }),
    streamIdleTimeoutSeconds: integer({
      description:
        'Longest silence between upstream stream events before the proxy ends the stream ' +
        '(CODEX_LB_STREAM_IDLE_TIMEOUT_SECONDS; upstream default 7200: long reasoning turns are quiet for minutes). ' +
        'Rendered nginx ingress timeouts follow it.',
      default: 7200,
      minimum: 1,
    }),
    streamFirstEventTimeoutSeconds: integer({
      description:
        'Longest wait for an upstream attempt\'s first response event before it counts as a stall against its account and ' +
        'the turn moves to another account (CODEX_LB_STREAM_FIRST_EVENT_TIMEOUT_SECONDS). Three stalled accounts then give ' +
        'the client an error within three times this, far inside the Codex CLI\'s own 300 s idle timeout. Default 20 ' +
        '(bundled proxy only: rejected with proxy.flavor Upstream).',
      minimum: 1,
      maximum: 600,
    }),
    backpressureMaxConcurrentRequests: integer({
      description:
        'Requests one pod serves at once (CODEX_LB_BACKPRESSURE_MAX_CONCURRENT_REQUESTS); more get 429 proxy_overloaded with ' +
        'Retry-After, so a load balancer moves them to another pod. 0 = unlimited. The official chart sets 200.',
      default: 200,
      minimum: 0,
      maximum: 100000,
    }),
    httpConnector,
    sessionBridge,
    promptCache,
    tracing,
    firewall: object(
      {
        trustProxyHeaders: boolean({ description: 'Honour X-Forwarded-For from trusted proxies.', default: false }),
        trustedProxyCIDRs: array(string({ description: 'CIDR.', pattern: '^[0-9a-fA-F:.]+/[0-9]{1,3}$' }), {
          description: 'Proxies whose X-Forwarded-For is trusted.',
          default: ['127.0.0.1/32', '::1/128'],
          maxItems: 32,
        }),
        allowlist: array(string({ description: 'An IP address or CIDR.', pattern: '^[0-9a-fA-F:.]+(/[0-9]{1,3})?$', maxLength: 43 }), {
          description: 'When set, only clients in these IPs/CIDRs may call the API (CODEX_LB_FIREWALL_ALLOWLIST).',
          maxItems: 256,
        }),
      },
      {
        description: 'Client IP handling.',
        default: {},
        rules: [
          {
            rule: '!self.trustProxyHeaders || self.trustedProxyCIDRs.size() > 0',
            message: 'config.firewall.trustProxyHeaders requires at least one trustedProxyCIDR',
          },
        ],
      },
    ),
    apiKeyAuth: object(
      {
        enabled: boolean({
          description:
            'Require an sk-clb-... API key from every client (CODEX_LB_API_KEY_AUTH_ENABLED). Off, only callers on the ' +
            "pod's own loopback are served, so other pods are refused.",
          default: true,
        }),
      },
      { description: 'Client authentication.', default: {} },
    ),
    telemetry: object(
      {
        enabled: boolean({
          description:
            'proxy.flavor Upstream only: let the official application send its usage reports to telemetry.tokmaxxing.com ' +
            '(CODEX_LB_TELEMETRY_ENABLED). Off by default: the application counts an unanswered consent prompt as yes. ' +
            'The bundled proxy sends none.',
          default: false,
        }),
      },
      { description: 'Usage reports of the official application.', default: {} },
    ),
    leaderElection: object(
      {
        enabled: boolean({ description: 'Elect one replica to run singleton jobs (usage polling, refresh guardian).', default: true }),
        ttlSeconds: integer({ description: 'Lease TTL.', default: 30, minimum: 5 }),
      },
      { description: 'Leader election among proxy replicas.', default: {} },
    ),
  },
  { description: 'Typed proxy settings, rendered into the <name>-env ConfigMap as CODEX_LB_* variables.', default: {} },
);
