/**
 * CodexLB.spec: one codex-lb installation. Field-level rules live here; cross-field rules that span
 * sections live in codexlb-rules.ts. Fields whose sensible default depends on the topology have no
 * schema default: the operator resolves them and reports the result in status.effective.
 */
import { localObjectReference, secretKeyRef } from './common.ts';
import { envFromSource, envVar } from './env.ts';
import {
  array,
  boolean,
  embedded,
  enumOf,
  integer,
  intOrString,
  object,
  quantity,
  string,
  stringMap,
  type Infer,
} from './schema.ts';

export const DEFAULT_IMAGE_REPOSITORY = 'ghcr.io/codex-lb/codex-lb-proxy';

const image = object(
  {
    repository: string({
      description: 'Image repository. The default is the proxy bundled with this operator; the operator may restrict it (--allowed-images).',
      default: DEFAULT_IMAGE_REPOSITORY,
      minLength: 1,
      maxLength: 255,
      // registry[:port]/path, lowercase path components (the OCI distribution grammar, simplified).
      pattern: '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]+([._-]{1,2}[a-z0-9]+)*)*$',
    }),
    tag: string({
      description: 'Image tag. Defaults to the operator version.',
      minLength: 1,
      maxLength: 128,
      pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]*$',
    }),
    digest: string({ description: 'Image digest (sha256:...); wins over tag.', pattern: '^sha256:[a-f0-9]{64}$' }),
    pullPolicy: enumOf(['Always', 'IfNotPresent', 'Never'], { description: 'Image pull policy.', default: 'IfNotPresent' }),
    pullSecrets: array(localObjectReference, { description: 'Secrets for pulling the image.', maxItems: 8 }),
  },
  { description: 'Container image of the proxy, also used by the migration Job.', default: {} },
);

const topology = object(
  {
    mode: enumOf(['Standalone', 'Replicated'], {
      description:
        'Standalone: one pod, SQLite on a volume or PostgreSQL. Replicated: a StatefulSet of 2+ pods sharing PostgreSQL, ' +
        'with a headless handoff Service so replicas can forward session turns to their owner. Immutable.',
      default: 'Standalone',
      rules: [{ rule: 'self == oldSelf', message: 'topology.mode is immutable; create a new CodexLB and migrate the data' }],
    }),
    replicas: integer({
      description: 'Number of proxy pods: exactly 1 in Standalone, at least 2 in Replicated (ignored while autoscaling is on).',
      default: 1,
      minimum: 0,
      maximum: 100,
    }),
    clusterDomain: string({ description: 'Cluster DNS domain used in the handoff advertise URL.', default: 'cluster.local', minLength: 1 }),
    handoffAdvertiseURL: string({
      description:
        'Overrides the per-pod URL other replicas use to reach this pod, e.g. http://$(POD_IP):2455. ' +
        'Its host must start with $(POD_NAME) or $(POD_IP): a shared hostname would make every replica claim the same identity, ' +
        'and a foreign host would receive forwarded requests.',
      maxLength: 512,
      rules: [
        {
          rule: "self.matches('^https?://([$][(]POD_IP[)]|[$][(]POD_NAME[)])([.:/]|$)')",
          message: 'topology.handoffAdvertiseURL must be an http(s) URL whose host starts with $(POD_NAME) or $(POD_IP)',
        },
      ],
    }),
  },
  { description: 'How many pods run and how they find each other.', default: {} },
);

const sqliteStorage = object(
  {
    size: quantity({
      description: 'Volume size; can only grow (needs an expandable StorageClass).',
      default: '5Gi',
    }),
    storageClassName: string({
      description: 'StorageClass of the volume; the cluster default when unset. Immutable.',
    }),
    existingClaim: string({ description: 'Use this existing PersistentVolumeClaim instead of creating one. Immutable.' }),
    retainOnDelete: boolean({
      description: 'Keep the volume (and the SQLite database on it) when the CodexLB is deleted.',
      default: true,
    }),
  },
  {
    description: 'Volume holding the SQLite database.',
    default: {},
    rules: [
      {
        rule: 'quantity(self.size).compareTo(quantity(oldSelf.size)) >= 0',
        message: 'database.sqlite.storage.size can only grow',
      },
      {
        rule: "(has(self.storageClassName) ? self.storageClassName : '') == (has(oldSelf.storageClassName) ? oldSelf.storageClassName : '')",
        message: 'database.sqlite.storage.storageClassName is immutable',
      },
      {
        rule: "(has(self.existingClaim) ? self.existingClaim : '') == (has(oldSelf.existingClaim) ? oldSelf.existingClaim : '')",
        message: 'database.sqlite.storage.existingClaim is immutable',
      },
    ],
  },
);

const postgres = object(
  {
    urlSecretRef: secretKeyRef('the full PostgreSQL URL (postgresql://user:password@host:5432/db)', 'database-url'),
    host: string({ description: 'PostgreSQL host, when not using urlSecretRef.', maxLength: 253 }),
    port: integer({ description: 'PostgreSQL port.', default: 5432, minimum: 1, maximum: 65535 }),
    database: string({ description: 'Database name.', default: 'codexlb', minLength: 1 }),
    user: string({ description: 'Database user.', default: 'codexlb', minLength: 1 }),
    passwordSecretRef: secretKeyRef('the database password', 'password'),
    parameters: stringMap({ description: 'Connection parameters appended to the URL, e.g. sslmode: require.', maxProperties: 16 }),
  },
  {
    description: 'External PostgreSQL: either a URL Secret, or host/user/database plus a password Secret.',
    rules: [
      {
        rule: 'has(self.urlSecretRef) != has(self.host)',
        message: 'database.postgres needs exactly one of urlSecretRef or host',
      },
      {
        rule: '!has(self.host) || has(self.passwordSecretRef)',
        message: 'database.postgres.host requires passwordSecretRef',
        fieldPath: '.passwordSecretRef',
      },
    ],
  },
);

const database = object(
  {
    type: enumOf(['SQLite', 'PostgreSQL'], {
      description: 'SQLite (embedded, Standalone only) or an external PostgreSQL. Immutable.',
      default: 'SQLite',
      rules: [{ rule: 'self == oldSelf', message: 'database.type is immutable' }],
    }),
    sqlite: object({ storage: sqliteStorage }, { description: 'SQLite settings (database.type SQLite).' }),
    postgres,
    pool: object(
      {
        size: integer({ description: 'Connections kept open per pod.', default: 3, minimum: 1, maximum: 100 }),
        maxOverflow: integer({ description: 'Extra connections per pod under load.', default: 1, minimum: 0, maximum: 100 }),
      },
      { description: 'PostgreSQL connection pool per pod.', default: {} },
    ),
  },
  { description: 'Where the proxy stores accounts, API keys and usage.', default: {} },
);

const encryption = object(
  {
    source: enumOf(['Generated', 'SecretRef', 'PersistentFile'], {
      description:
        'Generated: the operator creates the Fernet key once in Secret <name>-encryption and never regenerates or deletes it. ' +
        'SecretRef: use an existing Secret. PersistentFile: the proxy generates the key on its own volume (Standalone SQLite only). Immutable.',
      default: 'Generated',
      rules: [{ rule: 'self == oldSelf', message: 'encryption.source is immutable: a different key cannot decrypt stored tokens' }],
    }),
    secretRef: secretKeyRef('the Fernet key (32 bytes, URL-safe base64)', 'encryption-key'),
  },
  {
    description: 'The key that encrypts account tokens at rest. Losing it means re-authenticating every account.',
    default: {},
    rules: [
      {
        rule: "self.source != 'SecretRef' || has(self.secretRef)",
        message: 'encryption.secretRef is required when encryption.source is SecretRef',
      },
    ],
  },
);

const migration = object(
  {
    strategy: enumOf(['Job', 'Startup'], {
      description:
        'Job: a migration Job runs `migrate upgrade` with the new image before any pod rolls, and pods wait for the schema ' +
        'in an init container. Startup: the proxy migrates itself when it starts. Unset: Startup for SQLite, Job for PostgreSQL.',
    }),
    schemaGate: object(
      {
        enabled: boolean({ description: 'Pods wait in an init container until the schema is at head.', default: true }),
        timeoutSeconds: integer({ description: 'How long the init container waits.', default: 300, minimum: 1 }),
        intervalSeconds: integer({ description: 'Polling interval of the init container.', default: 2, minimum: 1 }),
      },
      { description: 'The wait-for-head init container (strategy Job).', default: {} },
    ),
    job: object(
      {
        backoffLimit: integer({ description: 'Retries of the migration Job.', default: 3, minimum: 0, maximum: 20 }),
        activeDeadlineSeconds: integer({ description: 'Deadline of one migration Job.', default: 600, minimum: 1 }),
        ttlSecondsAfterFinished: integer({ description: 'Finished Jobs are deleted after this long.', default: 86400, minimum: 0 }),
        databaseWaitSeconds: integer({
          description:
            'How long one attempt waits for the database to accept connections before it fails as DatabaseUnreachable ' +
            '(`migrate upgrade --wait-for-connection-seconds`).',
          default: 120,
          minimum: 0,
          maximum: 3600,
        }),
      },
      { description: 'Migration Job settings (strategy Job).', default: {} },
    ),
    runToken: string({ description: 'Change to run the migration Job again without changing the image.', maxLength: 63 }),
  },
  { description: 'Database schema migrations, ordered before every rollout.', default: {} },
);

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

const config = object(
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
    firewall: object(
      {
        trustProxyHeaders: boolean({ description: 'Honour X-Forwarded-For from trusted proxies.', default: false }),
        trustedProxyCIDRs: array(string({ description: 'CIDR.', pattern: '^[0-9a-fA-F:.]+/[0-9]{1,3}$' }), {
          description: 'Proxies whose X-Forwarded-For is trusted.',
          default: ['127.0.0.1/32', '::1/128'],
          maxItems: 32,
        }),
        allowlist: array(string({ description: 'An IP address or CIDR.', pattern: '^[0-9a-fA-F:.]+(/[0-9]{1,3})?$' }), {
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


const shutdown = object(
  {
    drainTimeoutSeconds: integer({
      description: 'Deadline for in-flight requests and streams to finish once a pod starts draining.',
      default: 30,
      minimum: 1,
      maximum: 3600,
    }),
    preStopSleepSeconds: integer({
      description: 'Routing dwell: how long a draining pod keeps answering while load balancers stop sending to it.',
      default: 15,
      minimum: 0,
      maximum: 3600,
    }),
    terminationGracePeriodSeconds: integer({
      description: 'Pod termination grace; must cover drainTimeoutSeconds + 32 (preStop start fallback and post-drain cleanup).',
      default: 65,
      minimum: 1,
      maximum: 7200,
    }),
  },
  {
    description: 'Graceful shutdown timing.',
    default: {},
    rules: [
      {
        rule: 'self.preStopSleepSeconds <= self.drainTimeoutSeconds',
        message: 'shutdown.preStopSleepSeconds must be <= shutdown.drainTimeoutSeconds so the routing dwell fits inside the drain deadline',
        fieldPath: '.preStopSleepSeconds',
      },
      {
        rule: 'self.terminationGracePeriodSeconds >= self.drainTimeoutSeconds + 32',
        message:
          'shutdown.terminationGracePeriodSeconds must be >= shutdown.drainTimeoutSeconds + 32 (2 s preStop start fallback + 30 s post-drain cleanup)',
        fieldPath: '.terminationGracePeriodSeconds',
      },
    ],
  },
);

const service = object(
  {
    type: enumOf(['ClusterIP', 'NodePort', 'LoadBalancer'], { description: 'Type of the main Service.', default: 'ClusterIP' }),
    port: integer({ description: 'Port of the main Service (the container always listens on 2455).', default: 80, minimum: 1, maximum: 65535 }),
    nodePort: integer({ description: 'Node port (NodePort/LoadBalancer only).', minimum: 30000, maximum: 32767 }),
    annotations: stringMap({ description: 'Annotations of the main Service.' }),
  },
  {
    description: 'The main Service (API and dashboard).',
    default: {},
    rules: [
      {
        rule: "!has(self.nodePort) || self.type in ['NodePort', 'LoadBalancer']",
        message: 'service.nodePort is only valid for service.type NodePort or LoadBalancer',
      },
    ],
  },
);

const oauth = object(
  {
    callbackService: object(
      {
        enabled: boolean({ description: 'Create Service <name>-oauth on port 1455 (e.g. for kubectl port-forward).', default: false }),
        type: enumOf(['ClusterIP', 'NodePort', 'LoadBalancer'], { description: 'Service type.', default: 'ClusterIP' }),
      },
      { description: 'OAuth callback Service.', default: {} },
    ),
  },
  { description: 'The OAuth login callback (port 1455).', default: {} },
);

const metrics = object(
  {
    enabled: boolean({ description: 'Serve Prometheus metrics and create Service <name>-metrics.', default: true }),
    port: integer({ description: 'Metrics port.', default: 9090, minimum: 1, maximum: 65535 }),
    serviceMonitor: object(
      {
        enabled: boolean({ description: 'Create a prometheus-operator ServiceMonitor (skipped when its CRD is absent).', default: false }),
        interval: string({ description: 'Scrape interval.', default: '30s', pattern: '^[0-9]+(ms|s|m|h)$' }),
        labels: stringMap({ description: 'Extra labels, e.g. release: kube-prometheus-stack.' }),
      },
      { description: 'ServiceMonitor.', default: {} },
    ),
    prometheusRule: object(
      {
        enabled: boolean({ description: 'Create a PrometheusRule with codex-lb alerts (skipped when its CRD is absent).', default: false }),
        labels: stringMap({ description: 'Extra labels.' }),
      },
      { description: 'PrometheusRule.', default: {} },
    ),
  },
  {
    description: 'Prometheus metrics.',
    default: {},
    rules: [
      {
        rule: 'self.port != 2455 && self.port != 1455',
        message: 'metrics.port must differ from the HTTP port 2455 and the OAuth port 1455',
        fieldPath: '.port',
      },
    ],
  },
);

const ingressPath = object(
  {
    path: string({ description: 'URL path.', default: '/', pattern: '^/' }),
    pathType: enumOf(['Prefix', 'Exact', 'ImplementationSpecific'], { description: 'Path match type.', default: 'Prefix' }),
  },
  { description: 'An Ingress path.' },
);
const ingressHost = object(
  {
    host: string({ description: 'Host name.', required: true, minLength: 1 }),
    paths: array(ingressPath, { description: 'Paths routed to the proxy.', default: [{ path: '/', pathType: 'Prefix' }], maxItems: 16 }),
  },
  { description: 'An Ingress host.' },
);
const ingressTLS = object(
  {
    secretName: string({ description: 'TLS Secret.', required: true }),
    hosts: array(string({ description: 'Host.' }), { description: 'Hosts covered by the certificate.', maxItems: 16 }),
  },
  { description: 'Ingress TLS.' },
);
const ingress = object(
  {
    enabled: boolean({ description: 'Create Ingress <name>.', default: false }),
    className: string({ description: 'IngressClass name.' }),
    annotations: stringMap({ description: 'Extra Ingress annotations (win over the nginx set).' }),
    hosts: array(ingressHost, { description: 'Hosts.', maxItems: 16 }),
    tls: array(ingressTLS, { description: 'TLS.', maxItems: 16 }),
    nginx: object(
      {
        enabled: boolean({
          description: 'Add the ingress-nginx annotation set for long-lived streams (no buffering, 1 h timeouts).',
          default: false,
        }),
      },
      { description: 'ingress-nginx tuning.', default: {} },
    ),
    oauth: object(
      {
        enabled: boolean({ description: 'Create Ingress <name>-oauth for /auth/callback (needs oauth.callbackService).', default: false }),
        hosts: array(ingressHost, { description: 'Hosts.', maxItems: 16 }),
      },
      { description: 'OAuth callback Ingress.', default: {} },
    ),
  },
  { description: 'Ingress routes.', default: {} },
);

const parentRef = object(
  {
    name: string({ description: 'Gateway name.', required: true }),
    namespace: string({ description: 'Gateway namespace (defaults to the route namespace).' }),
    sectionName: string({ description: 'Listener name.' }),
  },
  { description: 'A Gateway API parentRef.' },
);
const gatewayAPI = object(
  {
    enabled: boolean({ description: 'Create HTTPRoute <name> (skipped when the Gateway API CRDs are absent).', default: false }),
    parentRefs: array(parentRef, { description: 'Gateways the routes attach to.', default: [], maxItems: 8 }),
    hostnames: array(string({ description: 'Hostname.' }), { description: 'Route hostnames.', maxItems: 16 }),
    oauth: object(
      { enabled: boolean({ description: 'Create HTTPRoute <name>-oauth for /auth/callback.', default: false }) },
      { description: 'OAuth callback route.', default: {} },
    ),
  },
  {
    description: 'Gateway API routes.',
    default: {},
    rules: [
      {
        rule: '!self.enabled || self.parentRefs.size() > 0',
        message: 'gatewayAPI.parentRefs is required when gatewayAPI.enabled is true',
        fieldPath: '.parentRefs',
      },
    ],
  },
);

const continuity = object(
  {
    enabled: boolean({
      description:
        'Route /v1/responses and /backend-api/codex/responses through a dedicated Ingress/HTTPRoute that keeps a session on ' +
        'one pod. Unset: on in Replicated mode, off in Standalone.',
    }),
    nginx: object(
      {
        upstreamHashBy: string({
          description: 'ingress-nginx hash key; sessions without x-codex-session-id fall back to the Authorization header.',
          default: '$http_x_codex_session_id$http_authorization',
        }),
        proxyNextUpstream: string({
          description: 'Retry conditions.',
          default: 'error timeout http_502 http_503 http_504 invalid_header',
        }),
        proxyNextUpstreamTries: integer({ description: 'Retry count.', default: 2, minimum: 1, maximum: 10 }),
      },
      { description: 'ingress-nginx affinity and retry settings of the continuity Ingress.', default: {} },
    ),
  },
  { description: 'Session continuity routing for the Responses API.', default: {} },
);

const autoscaling = object(
  {
    enabled: boolean({ description: 'Create a HorizontalPodAutoscaler (Replicated only).', default: false }),
    minReplicas: integer({ description: 'Minimum replicas.', default: 2, minimum: 2 }),
    maxReplicas: integer({ description: 'Maximum replicas.', default: 10, minimum: 2, maximum: 100 }),
    targetCPUUtilizationPercentage: integer({ description: 'CPU target.', default: 70, minimum: 1, maximum: 100 }),
  },
  {
    description: 'Horizontal autoscaling.',
    default: {},
    rules: [{ rule: 'self.minReplicas <= self.maxReplicas', message: 'autoscaling.minReplicas must be <= autoscaling.maxReplicas' }],
  },
);

const podDisruptionBudget = object(
  {
    enabled: boolean({ description: 'Create a PodDisruptionBudget. Unset: on in Replicated mode, off in Standalone.' }),
    maxUnavailable: intOrString({ description: 'Max unavailable pods (default 1).' }),
    minAvailable: intOrString({ description: 'Min available pods.' }),
  },
  {
    description: 'Voluntary disruption budget.',
    default: {},
    rules: [
      {
        rule: '!(has(self.minAvailable) && has(self.maxUnavailable))',
        message: 'podDisruptionBudget: set either minAvailable or maxUnavailable, not both',
      },
    ],
  },
);

const networkPolicy = object(
  {
    enabled: boolean({ description: 'Create a NetworkPolicy that only admits the listed peers.', default: false }),
    ingressFrom: array(embedded<Record<string, unknown>>({ description: 'A NetworkPolicyPeer.' }), {
      description: 'Peers allowed to reach the API port (e.g. the ingress controller namespace).',
      default: [],
      maxItems: 16,
    }),
  },
  { description: 'Network isolation of the proxy pods.', default: {} },
);

const scheduling = object(
  {
    podAntiAffinity: enumOf(['soft', 'hard', 'none'], {
      description: 'Spread replicas across nodes: preferred (soft), required (hard) or not at all.',
      default: 'soft',
    }),
    affinity: embedded<Record<string, unknown>>({ description: 'Full core/v1 Affinity; replaces podAntiAffinity.' }),
    nodeSelector: stringMap({ description: 'Node selector.' }),
    tolerations: array(embedded<Record<string, unknown>>({ description: 'A core/v1 Toleration.' }), {
      description: 'Tolerations.',
      maxItems: 32,
    }),
    topologySpreadConstraints: array(embedded<Record<string, unknown>>({ description: 'A core/v1 TopologySpreadConstraint.' }), {
      description: 'Topology spread constraints (the operator adds the pod label selector when omitted).',
      maxItems: 8,
    }),
    priorityClassName: string({ description: 'PriorityClass of the pods.' }),
  },
  { description: 'Where pods run.', default: {} },
);

const resources = object(
  {
    requests: stringMap({ description: 'Resource requests.', default: { cpu: '200m', memory: '256Mi' } }),
    limits: stringMap({ description: 'Resource limits.', default: { memory: '1Gi' } }),
  },
  { description: 'Compute resources of the proxy container.', default: {} },
);

const podTemplate = object(
  {
    labels: stringMap({ description: 'Extra pod labels.' }),
    annotations: stringMap({ description: 'Extra pod annotations.' }),
    resources,
  },
  { description: 'Pod template additions.', default: {} },
);

export const codexLBSpec = object(
  {
    image,
    topology,
    database,
    encryption,
    migration,
    config,
    env: array(envVar, {
      description:
        'Extra environment variables for the proxy and migration containers. Operator-managed names (set them through the typed ' +
        'spec fields) and Node.js / dynamic-loader switches (NODE_*, LD_*) are rejected; Secrets referenced through valueFrom ' +
        'must carry the codexlb.io/secret-access: "true" label.',
      maxItems: 64,
      listType: 'map',
      listMapKeys: ['name'],
    }),
    envFrom: array(envFromSource, {
      description:
        'Extra environment sources (ConfigMaps, Secrets); Secret content is hashed into rollouts. A source whose keys would set an ' +
        'operator-managed variable is refused at reconcile time (Degraded, reason ManagedEnvOverride).',
      maxItems: 16,
    }),
    shutdown,
    service,
    oauth,
    metrics,
    ingress,
    gatewayAPI,
    continuity,
    autoscaling,
    podDisruptionBudget,
    networkPolicy,
    scheduling,
    podTemplate,
    restartToken: string({ description: 'Change to roll all pods without any other change.', maxLength: 63 }),
  },
  { description: 'Desired state of a codex-lb installation.', default: {} },
);

export type CodexLBSpec = Infer<typeof codexLBSpec>;
