/**
 * An installation made by the official Helm chart (Soju06/codex-lb 1.24.0-beta.3, external-database mode,
 * release `codex-lb`): the objects its templates render, by name, labels, Secret keys and wiring
 * (shared/reference/helm-charts-and-crd-design.md §1.1). Nothing can be pulled here, so the chart's app image
 * is played by the bundled proxy image; that is the only stand-in, and the few settings it needs are marked.
 * What a takeover test needs from "the chart" is exactly this: its object names, its Secret (database URL and
 * Fernet key) and the data its pods wrote with that key.
 */
import type { KubeObject } from '../../../../operator/runtime/kube/types.ts';

export const RELEASE = 'codex-lb';
const CHART = 'codex-lb-1.24.0-beta.3';

export interface ChartInstall {
  namespace: string;
  /** The bundled proxy image, standing in for ghcr.io/soju06/codex-lb. */
  image: string;
  databaseUrl: string;
  /** The chart generates it (randBytes 32, URL-safe base64): a Fernet key. */
  encryptionKey: string;
  /** Stand-in only: the fake upstream playing chatgpt.com and auth.openai.com. */
  upstreamUrl: string;
  /** Stand-in only: a Secret holding an admin token, so the test can add accounts and keys as a user would in the dashboard. */
  seedTokenSecret: string;
}

function labels(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'helm.sh/chart': CHART,
    'app.kubernetes.io/name': 'codex-lb',
    'app.kubernetes.io/instance': RELEASE,
    'app.kubernetes.io/version': '1.24.0-beta.3',
    'app.kubernetes.io/managed-by': 'Helm',
    ...extra,
  };
}

function meta(namespace: string, name: string, extraLabels?: Record<string, string>) {
  return { name, namespace, labels: labels(extraLabels), annotations: { 'meta.helm.sh/release-name': RELEASE, 'meta.helm.sh/release-namespace': namespace } };
}

const selector = { 'app.kubernetes.io/name': 'codex-lb', 'app.kubernetes.io/instance': RELEASE, 'codex-lb.soju.dev/traffic': 'workload' };

/** `helm template codex-lb … --set externalDatabase.url=… --set replicaCount=2`, as objects. */
export function officialChartRelease(o: ChartInstall): KubeObject[] {
  const ns = o.namespace;
  const restricted = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } };
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(ns, RELEASE), automountServiceAccountToken: false },
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(ns, RELEASE),
      type: 'Opaque',
      stringData: { 'database-url': o.databaseUrl, 'encryption-key': o.encryptionKey },
    },
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(ns, RELEASE),
      data: {
        CODEX_LB_DATABASE_POOL_SIZE: '3',
        CODEX_LB_DATABASE_MAX_OVERFLOW: '1',
        CODEX_LB_LOG_FORMAT: 'json',
        CODEX_LB_METRICS_ENABLED: 'true',
        CODEX_LB_METRICS_PORT: '9090',
        CODEX_LB_SHUTDOWN_DRAIN_TIMEOUT_SECONDS: '30',
        // values-dev.yaml's startup migration instead of the chart's hook Job.
        CODEX_LB_DATABASE_MIGRATE_ON_STARTUP: 'true',
        // Stand-in only: the fake upstream, and API keys required (the chart's dashboard setting).
        CODEX_LB_UPSTREAM_BASE_URL: `${o.upstreamUrl}/backend-api`,
        CODEX_LB_OAUTH_TOKEN_URL: `${o.upstreamUrl}/oauth/token`,
        CODEX_LB_API_KEY_AUTH_ENABLED: 'true',
      },
    },
    service(ns, RELEASE, { type: 'ClusterIP', selector, ports: [{ name: 'http', port: 2455, targetPort: 'http', protocol: 'TCP' }] }),
    service(ns, `${RELEASE}-bridge`, { clusterIP: 'None', publishNotReadyAddresses: true, selector, ports: [{ name: 'http', port: 2455, targetPort: 'http', protocol: 'TCP' }] }),
    service(ns, `${RELEASE}-metrics`, {
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': 'codex-lb', 'app.kubernetes.io/instance': RELEASE },
      ports: [{ name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' }],
    }),
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(ns, RELEASE),
      spec: { maxUnavailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'codex-lb', 'app.kubernetes.io/instance': RELEASE } } },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: meta(ns, `${RELEASE}-workload`),
      spec: {
        serviceName: `${RELEASE}-bridge`,
        replicas: 2,
        podManagementPolicy: 'Parallel',
        revisionHistoryLimit: 3,
        selector: { matchLabels: selector },
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        template: {
          metadata: { labels: { ...labels(), ...selector } },
          spec: {
            serviceAccountName: RELEASE,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
            terminationGracePeriodSeconds: 65,
            containers: [
              {
                name: 'codex-lb',
                image: o.image,
                imagePullPolicy: 'IfNotPresent',
                // The chart runs `python -m app.cli --host 0.0.0.0 --port 2455`; the stand-in image's own command.
                args: ['serve'],
                ports: [
                  { name: 'http', containerPort: 2455, protocol: 'TCP' },
                  { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
                ],
                envFrom: [{ configMapRef: { name: RELEASE } }],
                env: [
                  { name: 'CODEX_LB_DATABASE_URL', valueFrom: { secretKeyRef: { name: RELEASE, key: 'database-url' } } },
                  { name: 'CODEX_LB_ENCRYPTION_KEY_FILE', value: '/var/lib/codex-lb/encryption.key' },
                  { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                  { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                  { name: 'CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_ID', value: '$(POD_NAME)' },
                  {
                    name: 'CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_ADVERTISE_BASE_URL',
                    value: `http://$(POD_NAME).${RELEASE}-bridge.$(POD_NAMESPACE).svc.cluster.local:2455`,
                  },
                  // Stand-in only (see seedTokenSecret).
                  { name: 'CODEX_LB_ADMIN_TOKEN_FILE', value: '/etc/seed/token' },
                ],
                volumeMounts: [
                  // Stand-in only: the bundled proxy keeps its data directory here; the chart mounts nothing at it.
                  { name: 'data', mountPath: '/var/lib/codex-lb' },
                  // The chart's subPath mount of the key file.
                  { name: 'encryption-key', mountPath: '/var/lib/codex-lb/encryption.key', subPath: 'encryption.key', readOnly: true },
                  { name: 'tmp', mountPath: '/tmp' },
                  { name: 'seed', mountPath: '/etc/seed', readOnly: true },
                ],
                securityContext: restricted,
                readinessProbe: { httpGet: { path: '/health/ready', port: 'http' }, initialDelaySeconds: 2, periodSeconds: 2 },
              },
            ],
            volumes: [
              { name: 'encryption-key', secret: { secretName: RELEASE, items: [{ key: 'encryption-key', path: 'encryption.key' }], defaultMode: 0o444 } },
              { name: 'tmp', emptyDir: {} },
              { name: 'data', emptyDir: {} },
              { name: 'seed', secret: { secretName: o.seedTokenSecret, defaultMode: 0o444 } },
            ],
          },
        },
      },
    },
  ] as KubeObject[];
}

function service(namespace: string, name: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: meta(namespace, name), spec } as KubeObject;
}

/**
 * `helm uninstall codex-lb`: deletes every object of the release, except those annotated
 * `helm.sh/resource-policy: keep` (the Secret, per docs/migrate-from-helm.md).
 */
export async function helmUninstall(kubectl: (...args: string[]) => Promise<string>, namespace: string): Promise<string[]> {
  const list = JSON.parse(
    await kubectl('get', 'statefulsets,services,configmaps,secrets,serviceaccounts,poddisruptionbudgets', '-n', namespace, '-l', `app.kubernetes.io/managed-by=Helm,app.kubernetes.io/instance=${RELEASE}`, '-o', 'json'),
  ) as { items: KubeObject[] };
  const deleted: string[] = [];
  for (const obj of list.items) {
    if (obj.metadata.annotations?.['helm.sh/resource-policy'] === 'keep') continue;
    await kubectl('delete', obj.kind.toLowerCase(), obj.metadata.name, '-n', namespace, '--wait=false');
    deleted.push(`${obj.kind}/${obj.metadata.name}`);
  }
  return deleted;
}
