/** CodexLB.status: what the operator observed and decided. Never contains secret values. */
import { PROXY_FLAVORS } from './codexlb-proxy.ts';
import { conditions } from './common.ts';
import { boolean, enumOf, integer, object, string, type Infer } from './schema.ts';

export const codexLBStatus = object(
  {
    observedGeneration: integer({ description: 'The .metadata.generation this status reflects.', minimum: 0 }),
    conditions,
    replicas: integer({ description: 'Pods of the workload (scale subresource).', minimum: 0 }),
    readyReplicas: integer({ description: 'Ready pods.', minimum: 0 }),
    updatedReplicas: integer({ description: 'Pods running the current template.', minimum: 0 }),
    selector: string({ description: 'Label selector of the pods (scale subresource).' }),
    proxy: object(
      {
        flavor: enumOf(PROXY_FLAVORS, { description: 'The application that answered the operator (spec.proxy.flavor).' }),
        version: string({ description: 'The version the running application reports.' }),
        settingsApplied: boolean({
          description:
            'Upstream only: whether the API-key auth and firewall allow-list of spec.config are in force in the application\'s ' +
            'database (a Warning Event SettingsNotApplied says why not).',
        }),
      },
      { description: 'The application the pods run, as it answers the operator; refreshed with the pool totals.' },
    ),
    image: object(
      {
        desired: string({ description: 'Image the spec asks for.' }),
        current: string({ description: 'Image the workload template runs now (lags desired while a migration runs).' }),
      },
      { description: 'Proxy image.' },
    ),
    schema: object(
      {
        migratedImage: string({ description: 'Newest image whose migrations completed against the database.' }),
        migratedTarget: string({ description: 'Hash of the database target and run token those migrations ran for.' }),
        revision: string({ description: 'Schema revision reported by the last migration.' }),
        job: string({ description: 'Name of the most recent migration Job.' }),
      },
      { description: 'Database schema migrations.' },
    ),
    effective: object(
      {
        migrationStrategy: enumOf(['Job', 'Startup'], { description: 'Resolved migration strategy.' }),
        continuity: boolean({ description: 'Whether the continuity route is rendered.' }),
        podDisruptionBudget: boolean({ description: 'Whether a PodDisruptionBudget is rendered.' }),
        encryptionKeySecret: string({ description: 'Secret holding the encryption key (empty with PersistentFile).' }),
        configHash: string({ description: 'Hash of the rendered configuration and referenced Secret content (rollout trigger).' }),
      },
      { description: 'Mode-dependent settings as resolved by the operator.' },
    ),
    endpoints: object(
      {
        service: string({ description: 'In-cluster URL of the API.' }),
        dashboard: string({
          description: 'Where to open the dashboard: the Ingress URL when one routes /, else the in-cluster Service URL (kubectl port-forward to it).',
        }),
        handoffService: string({ description: 'Headless handoff Service DNS name (Replicated).' }),
        metrics: string({ description: 'Metrics URL.' }),
        oauthCallback: string({ description: 'OAuth callback Service address.' }),
      },
      { description: 'Where to reach the installation.' },
    ),
    accounts: object(
      {
        total: integer({ description: 'Accounts in the pool.', minimum: 0 }),
        managed: integer({ description: 'Accounts managed by a ChatGPTAccount.', minimum: 0 }),
        active: integer({ description: 'Accounts requests are routed to.', minimum: 0 }),
        rateLimited: integer({ description: 'Accounts waiting for a short rate-limit window to reset.', minimum: 0 }),
        quotaExceeded: integer({ description: 'Accounts waiting for a long quota window to reset.', minimum: 0 }),
        paused: integer({ description: 'Accounts paused by an administrator.', minimum: 0 }),
        reauthRequired: integer({ description: 'Accounts that need a new login (codex login, then update the Secret).', minimum: 0 }),
        deactivated: integer({ description: 'Accounts deactivated upstream.', minimum: 0 }),
      },
      { description: 'Pool totals by state, refreshed from the admin API on the account status period.' },
    ),
    apiKeys: object(
      {
        total: integer({ description: 'API keys in the pool.', minimum: 0 }),
        managed: integer({ description: 'API keys managed by a CodexLBAPIKey.', minimum: 0 }),
      },
      { description: 'API key totals, refreshed with the pool totals.' },
    ),
    skipped: object(
      {
        gatewayAPI: boolean({ description: 'Routes were requested but the Gateway API CRDs are not installed.' }),
        monitoring: boolean({ description: 'Monitoring objects were requested but the prometheus-operator CRDs are not installed.' }),
      },
      { description: 'Requested objects whose API is absent from the cluster.' },
    ),
  },
  { description: 'Observed state of a codex-lb installation.' },
);

export type CodexLBStatus = Infer<typeof codexLBStatus>;
