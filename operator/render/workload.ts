/**
 * The proxy StatefulSet <name> and its pod template (both topologies: a one-replica StatefulSet
 * deletes the old pod before starting the new one, so a ReadWriteOnce volume never multi-attaches).
 */
import type { CodexLB } from '../api/crds.ts';
import type { KubeObject } from '../runtime/kube/types.ts';
import { DATA_DIR, proxySettings } from './config.ts';
import { migrationStrategy, schemaGateEnabled } from './effective.ts';
import { hashOf } from './hash.ts';
import type { RenderInput } from './input.ts';
import { selectorLabels } from './labels.ts';
import { childMeta } from './meta.ts';
import { names } from './names.ts';
import { PROGRAMS, type ProxyProgram } from './program.ts';

export const HTTP_PORT = 2455;
export const OAUTH_PORT = 1455;
export const ANNOTATION_CONFIG_HASH = 'codexlb.io/config-hash';
export const ANNOTATION_RESTART_TOKEN = 'codexlb.io/restart-token';

const ENCRYPTION_DIR = '/etc/codex-lb/encryption';
const ADMIN_DIR = '/etc/codex-lb/admin';
const UID = 1000;

/** How this CodexLB's flavor is run (render/program.ts). */
export function programOf(cr: CodexLB): ProxyProgram {
  return PROGRAMS[cr.spec.proxy.flavor];
}

export const podSecurityContext = {
  runAsNonRoot: true,
  runAsUser: UID,
  runAsGroup: UID,
  fsGroup: UID,
  seccompProfile: { type: 'RuntimeDefault' },
};

export const containerSecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  runAsNonRoot: true,
  capabilities: { drop: ['ALL'] },
};

/** Volumes every proxy container may mount (data, /tmp, encryption key, admin token). */
export function podVolumes(input: RenderInput): object[] {
  const cr = input.codexlb;
  const n = names(cr.metadata.name);
  const { database } = cr.spec;
  const volumes: object[] = [
    database.type === 'SQLite'
      ? { name: 'data', persistentVolumeClaim: { claimName: database.sqlite?.storage.existingClaim || n.data } }
      : { name: 'data', emptyDir: {} },
    { name: 'tmp', emptyDir: {} },
  ];
  if (programOf(cr).adminTokenAsFile) {
    volumes.push({ name: 'admin-token', secret: { secretName: input.adminTokenSecret, items: [{ key: 'token', path: 'token' }], defaultMode: 0o440 } });
  }
  if (input.encryptionKey) {
    volumes.push({
      name: 'encryption-key',
      secret: { secretName: input.encryptionKey.name, items: [{ key: input.encryptionKey.key, path: 'encryption.key' }], defaultMode: 0o440 },
    });
  }
  return [...volumes, ...(cr.spec.podTemplate.extraVolumes ?? [])];
}

export function volumeMounts(input: RenderInput): object[] {
  const mounts: object[] = [
    { name: 'data', mountPath: DATA_DIR },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  if (programOf(input.codexlb).adminTokenAsFile) mounts.push({ name: 'admin-token', mountPath: ADMIN_DIR, readOnly: true });
  if (input.encryptionKey) mounts.push({ name: 'encryption-key', mountPath: ENCRYPTION_DIR, readOnly: true });
  return [...mounts, ...(input.codexlb.spec.podTemplate.extraVolumeMounts ?? [])];
}

/** Environment shared by the proxy, the schema gate and the migration Job; user env comes last. */
export function proxyEnv(input: RenderInput): object[] {
  const env: object[] = [];
  if (input.databaseUrl) {
    env.push({ name: 'CODEX_LB_DATABASE_URL', valueFrom: { secretKeyRef: { name: input.databaseUrl.name, key: input.databaseUrl.key } } });
  }
  if (input.encryptionKey) env.push({ name: 'CODEX_LB_ENCRYPTION_KEY_FILE', value: `${ENCRYPTION_DIR}/encryption.key` });
  env.push(programOf(input.codexlb).adminTokenEnv({ name: input.adminTokenSecret, key: 'token' }, ADMIN_DIR));
  return env;
}

function userEnv(cr: CodexLB): object[] {
  return cr.spec.env ?? [];
}

export function envFrom(input: RenderInput): object[] {
  return [{ configMapRef: { name: names(input.codexlb.metadata.name).config } }, ...(input.codexlb.spec.envFrom ?? [])];
}

/**
 * Who this server pod is among the replicas. Only the server container gets it: the official application
 * refuses to start when a static ring is set and its instance is not in it, which a migration Job's pod
 * never is.
 */
function identityEnv(cr: CodexLB): object[] {
  const n = names(cr.metadata.name);
  const advertise =
    cr.spec.topology.handoffAdvertiseURL ??
    `http://$(POD_NAME).${n.handoff}.$(POD_NAMESPACE).svc.${cr.spec.topology.clusterDomain}:${HTTP_PORT}`;
  const env: object[] = [
    { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
    { name: 'CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_ID', value: '$(POD_NAME)' },
    { name: 'CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_ADVERTISE_BASE_URL', value: advertise },
  ];
  if (cr.spec.config.sessionBridge.staticRing) {
    // Exactly the StatefulSet's pod names, so no pod is left out (CEL forbids autoscaling with it).
    const pods = Array.from({ length: cr.spec.topology.replicas }, (_, i) => `${n.workload}-${i}`);
    env.push({ name: 'CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_RING', value: pods.join(',') });
  }
  return env;
}

function probes(cr: CodexLB): Record<string, object> {
  const http = (path: string) => ({ httpGet: { path, port: 'http' } });
  // Startup migrations of SQLite can take minutes; give them ~5 min instead of ~1.
  const startupFailures = migrationStrategy(cr.spec) === 'Startup' ? 150 : 30;
  return {
    startupProbe: { ...http('/health/startup'), initialDelaySeconds: 2, periodSeconds: 2, failureThreshold: startupFailures },
    readinessProbe: { ...http('/health/ready'), periodSeconds: 5, failureThreshold: 3 },
    livenessProbe: { ...http('/health/live'), periodSeconds: 10, failureThreshold: 3 },
  };
}

function ports(cr: CodexLB): object[] {
  const list: object[] = [{ name: 'http', containerPort: HTTP_PORT, protocol: 'TCP' }];
  if (cr.spec.oauth.callbackService.enabled) list.push({ name: 'oauth', containerPort: OAUTH_PORT, protocol: 'TCP' });
  if (cr.spec.metrics.enabled) list.push({ name: 'metrics', containerPort: cr.spec.metrics.port, protocol: 'TCP' });
  return list;
}

function affinity(cr: CodexLB): object | undefined {
  const { scheduling } = cr.spec;
  if (scheduling.affinity) return scheduling.affinity;
  if (scheduling.podAntiAffinity === 'none' || cr.spec.topology.mode === 'Standalone') return undefined;
  const term = { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selectorLabels(cr.metadata.name) } };
  return scheduling.podAntiAffinity === 'hard'
    ? { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } }
    : { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] } };
}

/**
 * A spread constraint without a selector, or with an empty one (`labelSelector: {matchLabels: {}}`,
 * as the official chart's production values ship it), counts every pod in the namespace; give it ours.
 */
function topologySpread(cr: CodexLB): object[] | undefined {
  const constraints = cr.spec.scheduling.topologySpreadConstraints;
  if (!constraints?.length) return undefined;
  return constraints.map((c) => (selectsSomething(c.labelSelector) ? c : { ...c, labelSelector: { matchLabels: selectorLabels(cr.metadata.name) } }));
}

function selectsSomething(selector: unknown): boolean {
  const { matchLabels, matchExpressions } = (selector ?? {}) as { matchLabels?: object; matchExpressions?: unknown[] };
  return Object.keys(matchLabels ?? {}).length > 0 || (matchExpressions?.length ?? 0) > 0;
}

/** What must roll the pods when it changes but is not otherwise part of the template. */
export function configHash(input: RenderInput): string {
  return hashOf({ settings: proxySettings(input), secrets: input.secretsHash });
}

function schemaGate(input: RenderInput, image: string): object[] {
  const cr = input.codexlb;
  if (!schemaGateEnabled(cr.spec)) return [];
  const gate = cr.spec.migration.schemaGate;
  return [
    {
      name: 'wait-for-schema',
      image,
      imagePullPolicy: cr.spec.image.pullPolicy,
      ...programOf(cr).waitForSchema(gate.timeoutSeconds, gate.intervalSeconds),
      envFrom: envFrom(input),
      env: [...proxyEnv(input), ...userEnv(cr)],
      volumeMounts: volumeMounts(input),
      securityContext: containerSecurityContext,
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
    },
  ];
}

export function podTemplate(input: RenderInput, image: string): object {
  const cr = input.codexlb;
  const { spec } = cr;
  const n = names(cr.metadata.name);
  const program = programOf(cr);
  const annotations: Record<string, string> = {
    ...spec.commonAnnotations,
    ...spec.podTemplate.annotations,
    [ANNOTATION_CONFIG_HASH]: configHash(input),
  };
  if (spec.restartToken) annotations[ANNOTATION_RESTART_TOKEN] = spec.restartToken;
  return {
    metadata: { labels: { ...spec.commonLabels, ...spec.podTemplate.labels, ...selectorLabels(cr.metadata.name) }, annotations },
    spec: {
      serviceAccountName: n.serviceAccount,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: podSecurityContext,
      terminationGracePeriodSeconds: spec.shutdown.terminationGracePeriodSeconds,
      imagePullSecrets: spec.image.pullSecrets,
      initContainers: schemaGate(input, image),
      containers: [
        {
          name: 'codex-lb',
          image,
          imagePullPolicy: spec.image.pullPolicy,
          ...program.serve(HTTP_PORT),
          ports: ports(cr),
          envFrom: envFrom(input),
          env: [...identityEnv(cr), ...proxyEnv(input), ...userEnv(cr)],
          volumeMounts: volumeMounts(input),
          resources: spec.podTemplate.resources,
          securityContext: containerSecurityContext,
          ...probes(cr),
          lifecycle: {
            preStop: { exec: { command: program.preStop(HTTP_PORT, spec.shutdown.preStopSleepSeconds, spec.shutdown.drainTimeoutSeconds) } },
          },
        },
      ],
      volumes: podVolumes(input),
      affinity: affinity(cr),
      topologySpreadConstraints: topologySpread(cr),
      nodeSelector: spec.scheduling.nodeSelector,
      tolerations: spec.scheduling.tolerations,
      priorityClassName: spec.scheduling.priorityClassName,
    },
  };
}

export function renderStatefulSet(input: RenderInput, image: string): KubeObject {
  const cr = input.codexlb;
  const { spec } = cr;
  const n = names(cr.metadata.name);
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: childMeta(cr, n.workload, 'server'),
    spec: {
      serviceName: n.handoff,
      // The HPA owns the replica count while autoscaling is on.
      replicas: spec.autoscaling.enabled ? undefined : spec.topology.replicas,
      podManagementPolicy: 'Parallel',
      revisionHistoryLimit: 3,
      updateStrategy: { type: 'RollingUpdate', ...(spec.updateStrategy.partition > 0 ? { rollingUpdate: { partition: spec.updateStrategy.partition } } : {}) },
      selector: { matchLabels: selectorLabels(cr.metadata.name) },
      template: podTemplate(input, image),
    },
  };
}
