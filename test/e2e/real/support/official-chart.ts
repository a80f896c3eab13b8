/**
 * An installation made by the official Helm chart (Soju06/codex-lb 1.24.0-beta.3, release `codex-lb`) in its
 * external-database mode (`values-external-db.yaml`: `externalDatabase.url`, the chart-made Secret), running the
 * official application image: the objects `helm install` creates, by name, labels, Secret keys, commands and
 * wiring (shared/reference/helm-charts-and-crd-design.md §1.1). The image is ghcr.io/soju06/codex-lb, tag 1.24.0
 * (`image.tag`: the release the harness builds offline; the chart's appVersion is 1.24.0-beta.3).
 *
 * Migrations, as the chart does them in this mode: `config.databaseMigrateOnStartup` is false, so each pod waits
 * in the `wait-for-schema-head` init container, and the hook Job `<fn>-migrate` (`post-install,pre-upgrade`: the
 * chart made the Secret itself) runs `python -m app.db.migrate upgrade` once the release's objects exist. Helm does
 * not track hook objects: `helm uninstall` leaves that Job behind.
 */
import type { KubeObject } from '../../../../operator/runtime/kube/types.ts';

export const RELEASE = 'codex-lb';
const CHART_VERSION = '1.24.0-beta.3';
const PORT = 2455;
export const MIGRATION_HOOK_JOB = `${RELEASE}-migrate`;

type EnvVar = { name: string; value?: string; valueFrom?: Record<string, unknown> };

export interface ChartInstall {
  namespace: string;
  /** `image.repository:image.tag`. */
  image: string;
  /** `externalDatabase.url`: the chart stores it in its Secret as is (`postgresql+asyncpg://…`). */
  databaseUrl: string;
  /** `auth.encryptionKey`, else the chart generates one (randBytes 32, URL-safe base64: a Fernet key). */
  encryptionKey: string;
  /** `config.upstreamBaseUrl`. */
  upstreamBaseUrl: string;
  /** `extraEnv`: appended to the server container's and the migration Job's environment. */
  extraEnv: EnvVar[];
}

function labels(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'helm.sh/chart': `codex-lb-${CHART_VERSION}`,
    'app.kubernetes.io/name': 'codex-lb',
    'app.kubernetes.io/instance': RELEASE,
    'app.kubernetes.io/version': CHART_VERSION,
    'app.kubernetes.io/managed-by': 'Helm',
    ...extra,
  };
}

function meta(namespace: string, name: string, annotations: Record<string, string> = {}) {
  return { name, namespace, labels: labels(), annotations: { 'meta.helm.sh/release-name': RELEASE, 'meta.helm.sh/release-namespace': namespace, ...annotations } };
}

const instance = { 'app.kubernetes.io/name': 'codex-lb', 'app.kubernetes.io/instance': RELEASE };
/** The workload lane label: STS selector and the main and headless Services' selectors. */
const workload = { ...instance, 'codex-lb.soju.dev/traffic': 'workload' };
const podSecurityContext = { runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } };
const containerSecurityContext = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } };
const KEY_FILE = '/var/lib/codex-lb/encryption.key';
const keyMount = { name: 'encryption-key', mountPath: KEY_FILE, subPath: 'encryption.key', readOnly: true };
const keyVolume = { name: 'encryption-key', secret: { secretName: RELEASE, items: [{ key: 'encryption-key', path: 'encryption.key' }], defaultMode: 0o444 } };
const databaseUrlFromSecret = { name: 'CODEX_LB_DATABASE_URL', valueFrom: { secretKeyRef: { name: RELEASE, key: 'database-url' } } };

/** The chart's ConfigMap `<fn>` with its default values (§1.1.4) and `config.upstreamBaseUrl`. */
function configMapData(upstreamBaseUrl: string): Record<string, string> {
  const bridge = 'CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE';
  return {
    CODEX_LB_DATABASE_MIGRATE_ON_STARTUP: 'false',
    CODEX_LB_DATABASE_POOL_SIZE: '3',
    CODEX_LB_DATABASE_MAX_OVERFLOW: '1',
    CODEX_LB_UPSTREAM_BASE_URL: upstreamBaseUrl,
    CODEX_LB_UPSTREAM_CONNECT_TIMEOUT_SECONDS: '10',
    CODEX_LB_UPSTREAM_STREAM_TRANSPORT: 'auto',
    CODEX_LB_LOG_FORMAT: 'json',
    CODEX_LB_METRICS_ENABLED: 'true',
    CODEX_LB_METRICS_PORT: '9090',
    CODEX_LB_LEADER_ELECTION_ENABLED: 'true',
    CODEX_LB_LEADER_ELECTION_TTL_SECONDS: '30',
    CODEX_LB_CIRCUIT_BREAKER_ENABLED: 'true',
    CODEX_LB_BACKPRESSURE_MAX_CONCURRENT_REQUESTS: '200',
    CODEX_LB_SHUTDOWN_DRAIN_TIMEOUT_SECONDS: '30',
    CODEX_LB_HTTP_CONNECTOR_LIMIT: '100',
    CODEX_LB_HTTP_CONNECTOR_LIMIT_PER_HOST: '50',
    CODEX_LB_OPENAI_CACHE_AFFINITY_MAX_AGE_SECONDS: '1800',
    CODEX_LB_OPENAI_PROMPT_CACHE_KEY_DERIVATION_ENABLED: 'true',
    [`${bridge}_ENABLED`]: 'true',
    [`${bridge}_IDLE_TTL_SECONDS`]: '120',
    [`${bridge}_CODEX_IDLE_TTL_SECONDS`]: '900',
    [`${bridge}_CODEX_PREWARM_ENABLED`]: 'true',
    [`${bridge}_MAX_SESSIONS`]: '256',
    [`${bridge}_QUEUE_LIMIT`]: '8',
    [`${bridge}_INSTANCE_RING`]: '',
    CODEX_LB_STICKY_SESSION_CLEANUP_ENABLED: 'true',
  };
}

/**
 * `helm install codex-lb … -f values-external-db.yaml --set externalDatabase.url=… --set image.tag=1.24.0`: the
 * release's own objects (everything but hooks), as Helm applies them before its post-install hooks.
 */
export function officialChartRelease(o: ChartInstall): KubeObject[] {
  const ns = o.namespace;
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(ns, RELEASE), automountServiceAccountToken: false },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(ns, RELEASE),
      type: 'Opaque',
      stringData: { 'database-url': o.databaseUrl, 'encryption-key': o.encryptionKey },
    },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(ns, RELEASE), data: configMapData(o.upstreamBaseUrl) },
    service(ns, RELEASE, { type: 'ClusterIP', selector: workload, ports: [{ name: 'http', port: PORT, targetPort: 'http', protocol: 'TCP' }] }),
    service(ns, `${RELEASE}-bridge`, { clusterIP: 'None', publishNotReadyAddresses: true, selector: workload, ports: [{ name: 'http', port: PORT, targetPort: 'http', protocol: 'TCP' }] }),
    service(ns, `${RELEASE}-metrics`, { type: 'ClusterIP', selector: instance, ports: [{ name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' }] }),
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(ns, RELEASE), spec: { maxUnavailable: 1, selector: { matchLabels: instance } } },
    workloadStatefulSet(o),
  ] as KubeObject[];
}

function workloadStatefulSet(o: ChartInstall): KubeObject {
  const ns = o.namespace;
  const appEnv = [databaseUrlFromSecret, { name: 'CODEX_LB_ENCRYPTION_KEY_FILE', value: KEY_FILE }];
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta(ns, `${RELEASE}-workload`),
    spec: {
      serviceName: `${RELEASE}-bridge`,
      replicas: 2,
      podManagementPolicy: 'Parallel',
      revisionHistoryLimit: 3,
      selector: { matchLabels: workload },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      template: {
        metadata: { labels: { ...labels(), ...workload } },
        spec: {
          serviceAccountName: RELEASE,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurityContext,
          terminationGracePeriodSeconds: 65,
          initContainers: [
            {
              name: 'wait-for-schema-head',
              image: o.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['python', '-m', 'app.db.migrate', 'wait-for-head', '--timeout-seconds', '300', '--interval-seconds', '2'],
              env: appEnv,
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              securityContext: containerSecurityContext,
            },
          ],
          containers: [
            {
              name: 'codex-lb',
              image: o.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['python', '-m', 'app.cli', '--host', '0.0.0.0', '--port', String(PORT)],
              ports: [
                { name: 'http', containerPort: PORT, protocol: 'TCP' },
                { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
              ],
              envFrom: [{ configMapRef: { name: RELEASE } }],
              env: [
                ...appEnv,
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
                { name: 'CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_ID', value: '$(POD_NAME)' },
                {
                  name: 'CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_ADVERTISE_BASE_URL',
                  value: `http://$(POD_NAME).${RELEASE}-bridge.$(POD_NAMESPACE).svc.cluster.local:${PORT}`,
                },
                ...o.extraEnv,
              ],
              volumeMounts: [keyMount, { name: 'tmp', mountPath: '/tmp' }, { name: 'cache', mountPath: '/app/.cache' }],
              securityContext: containerSecurityContext,
              resources: { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1000m', memory: '1Gi' } },
              lifecycle: {
                preStop: {
                  exec: {
                    command: ['python', '-m', 'app.core.prestop', '--base-url', `http://127.0.0.1:${PORT}`, '--routing-dwell-seconds', '15', '--drain-timeout-seconds', '30'],
                  },
                },
              },
              startupProbe: { httpGet: { path: '/health/startup', port: 'http' }, initialDelaySeconds: 5, periodSeconds: 2, failureThreshold: 30 },
              readinessProbe: { httpGet: { path: '/health/ready', port: 'http' }, initialDelaySeconds: 10, periodSeconds: 5, failureThreshold: 3 },
              livenessProbe: { httpGet: { path: '/health/live', port: 'http' }, initialDelaySeconds: 15, periodSeconds: 10, failureThreshold: 3 },
            },
          ],
          volumes: [keyVolume, { name: 'tmp', emptyDir: {} }, { name: 'cache', emptyDir: {} }],
        },
      },
    },
  } as KubeObject;
}

/**
 * The chart's migration hook Job in this mode (§1.1.7): `post-install,pre-upgrade`, run by Helm after the release's
 * objects; the URL is written into the Job itself (the chart does so unless the URL comes from an existing Secret).
 */
export function migrationHookJob(o: ChartInstall): KubeObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      ...meta(o.namespace, MIGRATION_HOOK_JOB, {
        'helm.sh/hook': 'post-install,pre-upgrade',
        'helm.sh/hook-weight': '-5',
        'helm.sh/hook-delete-policy': 'before-hook-creation,hook-failed',
      }),
    },
    spec: {
      backoffLimit: 3,
      activeDeadlineSeconds: 300,
      template: {
        metadata: { labels: { ...instance, 'app.kubernetes.io/component': 'migration' } },
        spec: {
          restartPolicy: 'OnFailure',
          serviceAccountName: 'default',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          securityContext: podSecurityContext,
          containers: [
            {
              name: 'migrate',
              image: o.image,
              imagePullPolicy: 'IfNotPresent',
              command: ['python', '-m', 'app.db.migrate', 'upgrade'],
              env: [{ name: 'CODEX_LB_DATABASE_URL', value: o.databaseUrl }, { name: 'CODEX_LB_ENCRYPTION_KEY_FILE', value: KEY_FILE }, ...o.extraEnv],
              volumeMounts: [keyMount, { name: 'tmp', mountPath: '/tmp' }],
              securityContext: containerSecurityContext,
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
            },
          ],
          volumes: [keyVolume, { name: 'tmp', emptyDir: {} }],
        },
      },
    },
  } as KubeObject;
}

function service(namespace: string, name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: meta(namespace, name), spec } as KubeObject;
}

/**
 * `helm uninstall codex-lb`: deletes every object of the release, except those annotated
 * `helm.sh/resource-policy: keep` (the Secret, per docs/migrate-from-helm.md). Hook objects (the migration
 * Job) are not part of the release and stay.
 */
export async function helmUninstall(kubectl: (...args: string[]) => Promise<string>, namespace: string): Promise<string[]> {
  const list = JSON.parse(
    await kubectl('get', 'statefulsets,services,configmaps,secrets,serviceaccounts,poddisruptionbudgets,jobs', '-n', namespace, '-l', `app.kubernetes.io/managed-by=Helm,app.kubernetes.io/instance=${RELEASE}`, '-o', 'json'),
  ) as { items: KubeObject[] };
  const deleted: string[] = [];
  for (const obj of list.items) {
    const annotations = obj.metadata.annotations ?? {};
    if (annotations['helm.sh/resource-policy'] === 'keep' || annotations['helm.sh/hook'] !== undefined) continue;
    await kubectl('delete', obj.kind.toLowerCase(), obj.metadata.name, '-n', namespace, '--wait=false');
    deleted.push(`${obj.kind}/${obj.metadata.name}`);
  }
  return deleted;
}
