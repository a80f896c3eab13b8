/**
 * CodexLB.spec: one codex-lb installation. This file composes the sections (database, config, networking,
 * observability, workload, externalSecrets each have their own file) and holds the small ones. Field-level
 * rules sit on their fields; cross-field rules that span sections live in codexlb-rules.ts. Fields whose
 * sensible default depends on the topology have no schema default: the operator resolves them and
 * reports the result in status.effective.
 */
import { config } from './codexlb-config.ts';
import { database } from './codexlb-database.ts';
import { externalSecrets } from './codexlb-externalsecrets.ts';
import { continuity, gatewayAPI, ingress, networkPolicy, oauth, service } from './codexlb-networking.ts';
import { metrics } from './codexlb-observability.ts';
import { autoscaling, podDisruptionBudget, podTemplate, resourceRequirements, scheduling, serviceAccount, updateStrategy } from './codexlb-workload.ts';
import { localObjectReference, secretKeyRef } from './common.ts';
import { envFromSource, envVar } from './env.ts';
import { proxy } from './codexlb-proxy.ts';
import { array, boolean, enumOf, integer, object, string, stringMap, type Infer } from './schema.ts';

const image = object(
  {
    repository: string({
      description:
        'Image repository. Default: ghcr.io/codex-lb/codex-lb-proxy (proxy.flavor Bundled) or ghcr.io/soju06/codex-lb (Upstream). ' +
        'The operator may restrict it (--allowed-images).',
      minLength: 1,
      maxLength: 255,
      // registry[:port]/path, lowercase path components (the OCI distribution grammar, simplified).
      pattern: '^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]+([._-]{1,2}[a-z0-9]+)*)*$',
    }),
    tag: string({
      description: 'Image tag. Default: the operator version (Bundled) or the tested upstream version, 1.24.0 (Upstream).',
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

const encryption = object(
  {
    source: enumOf(['Generated', 'SecretRef', 'PersistentFile', 'ExternalSecret'], {
      description:
        'Generated: the operator creates the Fernet key once in Secret <name>-encryption and never regenerates or deletes it. ' +
        'SecretRef: use an existing Secret (e.g. the one a Helm chart created). PersistentFile: the proxy generates the key on ' +
        'its own volume (Standalone SQLite only). ExternalSecret: externalSecrets.encryptionKey. Immutable.',
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
        resources: resourceRequirements('Compute resources of the migration container.', {
          requests: { cpu: '100m', memory: '128Mi' },
          limits: { memory: '512Mi' },
        }),
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

export const codexLBSpec = object(
  {
    proxy,
    image,
    topology,
    database,
    encryption,
    externalSecrets,
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
    updateStrategy,
    serviceAccount,
    commonLabels: stringMap({
      description: 'Labels added to every object the operator creates (the operator\'s own app.kubernetes.io labels win).',
      maxProperties: 32,
    }),
    commonAnnotations: stringMap({ description: 'Annotations added to every object the operator creates.', maxProperties: 32 }),
    restartToken: string({ description: 'Change to roll all pods without any other change.', maxLength: 63 }),
  },
  { description: 'Desired state of a codex-lb installation.', default: {} },
);

export type CodexLBSpec = Infer<typeof codexLBSpec>;
