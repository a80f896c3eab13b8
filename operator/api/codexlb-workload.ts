/**
 * CodexLB.spec fields that shape the proxy pods and their controllers: the pod template, scheduling,
 * rollout partition, autoscaling, disruption budget and ServiceAccount.
 */
import { array, boolean, embedded, enumOf, integer, intOrString, object, string, stringMap } from './schema.ts';

/** core/v1 ResourceRequirements as requests/limits maps, with optional defaults. */
export function resourceRequirements(description: string, defaults?: { requests: Record<string, string>; limits: Record<string, string> }) {
  return object(
    {
      requests: stringMap({ description: 'Resource requests, e.g. cpu: 200m, memory: 256Mi.', default: defaults?.requests }),
      limits: stringMap({ description: 'Resource limits, e.g. memory: 1Gi.', default: defaults?.limits }),
    },
    { description, default: {} },
  );
}

/** Resource requirements without defaults (the consumer's own defaults apply). */
export function embeddedResources(description: string) {
  return object(
    {
      requests: stringMap({ description: 'Resource requests.' }),
      limits: stringMap({ description: 'Resource limits.' }),
    },
    { description },
  );
}

const keyToPath = object(
  {
    key: string({ description: 'Key in the ConfigMap or Secret.', required: true }),
    path: string({ description: 'Relative file path inside the volume.', required: true }),
    mode: integer({ description: 'File mode.', minimum: 0, maximum: 511 }),
  },
  { description: 'A key projected to a file.' },
);
const items = array(keyToPath, { description: 'Keys to project (all when unset).', maxItems: 64 });
const defaultMode = integer({ description: 'Mode of the projected files.', minimum: 0, maximum: 511 });

const configMapSource = object(
  {
    name: string({ description: 'ConfigMap name.', required: true }),
    items,
    defaultMode,
    optional: boolean({ description: 'Start the pod even when the ConfigMap is missing.' }),
  },
  { description: 'A ConfigMap volume (e.g. a CA bundle).' },
);
const secretSource = object(
  {
    secretName: string({ description: 'Secret name; it must carry the codexlb.io/secret-access: "true" label.', required: true }),
    items,
    defaultMode,
    optional: boolean({ description: 'Start the pod even when the Secret is missing.' }),
  },
  { description: 'A Secret volume.' },
);

/**
 * The volume kinds extraVolumes accepts: files a proxy may need (CA bundles, client certificates) and
 * scratch space. No hostPath, PVC or CSI: a CodexLB editor must not reach node files, other apps' data
 * or a secret store's contents through the operator. Unknown sources are pruned by the API server, so
 * the exactly-one rule below also rejects them.
 */
const volume = object(
  {
    name: string({ description: 'Volume name (must not be data, tmp, admin-token or encryption-key).', required: true, maxLength: 63 }),
    configMap: configMapSource,
    secret: secretSource,
    emptyDir: object(
      {
        medium: enumOf(['', 'Memory'], { description: 'Storage medium.' }),
        sizeLimit: string({ description: 'Size limit, e.g. 64Mi.' }),
      },
      { description: 'Scratch space.' },
    ),
    projected: object(
      {
        sources: array(
          object(
            {
              configMap: object({ name: string({ description: 'ConfigMap name.', required: true }), items, optional: boolean({ description: 'Allow it to be missing.' }) }, { description: 'ConfigMap projection.' }),
              secret: object(
                {
                  name: string({ description: 'Secret name; it must carry the codexlb.io/secret-access: "true" label.', required: true }),
                  items,
                  optional: boolean({ description: 'Allow it to be missing.' }),
                },
                { description: 'Secret projection.' },
              ),
            },
            { description: 'One projection source.' },
          ),
          { description: 'Projected sources.', required: true, maxItems: 16 },
        ),
        defaultMode,
      },
      { description: 'Several ConfigMaps and Secrets in one directory.' },
    ),
  },
  {
    description: 'A pod volume: configMap, secret, emptyDir or projected.',
    rules: [
      {
        rule: '[has(self.configMap), has(self.secret), has(self.emptyDir), has(self.projected)].filter(x, x).size() == 1',
        message: 'each podTemplate.extraVolumes entry needs exactly one of configMap, secret, emptyDir or projected',
      },
      {
        rule: "!(self.name in ['data', 'tmp', 'admin-token', 'encryption-key'])",
        messageExpression: "'podTemplate.extraVolumes name ' + self.name + ' is used by the operator'",
      },
    ],
  },
);

const volumeMount = object(
  {
    name: string({ description: 'Name of an extraVolumes entry.', required: true }),
    mountPath: string({ description: 'Where to mount it in the proxy container.', required: true, pattern: '^/' }),
    subPath: string({ description: 'A file or directory of the volume to mount instead of its root.' }),
    readOnly: boolean({ description: 'Mount read-only.' }),
  },
  {
    description: 'A mount of an extraVolumes entry into the proxy and migration containers.',
    rules: [
      {
        rule: "!(self.mountPath in ['/var/lib/codex-lb', '/tmp', '/etc/codex-lb/admin', '/etc/codex-lb/encryption'])",
        messageExpression: "'podTemplate.extraVolumeMounts mountPath ' + self.mountPath + ' is used by the operator'",
      },
    ],
  },
);

export const podTemplate = object(
  {
    labels: stringMap({ description: 'Extra pod labels.' }),
    annotations: stringMap({ description: 'Extra pod annotations.' }),
    resources: resourceRequirements('Compute resources of the proxy container.', { requests: { cpu: '200m', memory: '256Mi' }, limits: { memory: '1Gi' } }),
    extraVolumes: array(volume, {
      description: 'Extra volumes of the proxy pods (e.g. a CA bundle); Secrets named here need the codexlb.io/secret-access label.',
      maxItems: 16,
      listType: 'map',
      listMapKeys: ['name'],
    }),
    extraVolumeMounts: array(volumeMount, { description: 'Mounts of extraVolumes into the proxy, schema-gate and migration containers.', maxItems: 16 }),
  },
  {
    description: 'Pod template additions.',
    default: {},
    rules: [
      {
        rule: '!has(self.extraVolumeMounts) || self.extraVolumeMounts.all(m, has(self.extraVolumes) && self.extraVolumes.exists(v, v.name == m.name))',
        message: 'every podTemplate.extraVolumeMounts entry must name a podTemplate.extraVolumes entry',
        fieldPath: '.extraVolumeMounts',
      },
    ],
  },
);

export const scheduling = object(
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
      description: 'Topology spread constraints (the operator adds the pod label selector when it is omitted or empty).',
      maxItems: 8,
    }),
    priorityClassName: string({ description: 'PriorityClass of the pods.' }),
  },
  { description: 'Where pods run.', default: {} },
);

export const updateStrategy = object(
  {
    partition: integer({
      description:
        'StatefulSet rollingUpdate.partition: only pods with an ordinal >= partition get a new template (a canary); ' +
        'lower it to finish the rollout. Ready does not wait for the partitioned pods.',
      default: 0,
      minimum: 0,
      maximum: 100,
    }),
  },
  { description: 'How template changes roll out.', default: {} },
);

interface ScalingDefaults {
  window: number;
  pods: number;
  periodSeconds: number;
}

/** autoscaling/v2 HPAScalingRules with defaults. */
function scalingRules(direction: string, d: ScalingDefaults) {
  return object(
    {
      stabilizationWindowSeconds: integer({ description: 'Window over which past recommendations are considered.', default: d.window, minimum: 0, maximum: 3600 }),
      selectPolicy: enumOf(['Max', 'Min', 'Disabled'], { description: 'Which policy applies when several do.' }),
      policies: array(
        object(
          {
            type: enumOf(['Pods', 'Percent'], { description: 'Pods or Percent.', required: true }),
            value: integer({ description: 'Amount of change.', required: true, minimum: 1 }),
            periodSeconds: integer({ description: 'Window the amount applies to.', required: true, minimum: 1, maximum: 1800 }),
          },
          { description: 'A scaling policy.' },
        ),
        { description: 'Scaling policies.', default: [{ type: 'Pods', value: d.pods, periodSeconds: d.periodSeconds }], maxItems: 8 },
      ),
    },
    { description: `Scale-${direction} rules (autoscaling/v2 HPAScalingRules).`, default: {} },
  );
}

export const autoscaling = object(
  {
    enabled: boolean({ description: 'Create a HorizontalPodAutoscaler (Replicated only).', default: false }),
    minReplicas: integer({ description: 'Minimum replicas.', default: 2, minimum: 2 }),
    maxReplicas: integer({ description: 'Maximum replicas.', default: 10, minimum: 2, maximum: 100 }),
    targetCPUUtilizationPercentage: integer({ description: 'CPU target.', default: 70, minimum: 1, maximum: 100 }),
    targetMemoryUtilizationPercentage: integer({ description: 'Memory target; 0 leaves memory out.', default: 0, minimum: 0, maximum: 100 }),
    behavior: object(
      {
        scaleDown: scalingRules('down', { window: 300, pods: 1, periodSeconds: 120 }),
        scaleUp: scalingRules('up', { window: 0, pods: 2, periodSeconds: 60 }),
      },
      {
        description:
          'Scaling behaviour (autoscaling/v2 HorizontalPodAutoscalerBehavior). Long-lived streams favour slow scale-down: ' +
          'by default one pod per 2 minutes after a 5-minute window, and up to 2 pods per minute up.',
        default: {},
      },
    ),
  },
  {
    description: 'Horizontal autoscaling.',
    default: {},
    rules: [{ rule: 'self.minReplicas <= self.maxReplicas', message: 'autoscaling.minReplicas must be <= autoscaling.maxReplicas' }],
  },
);

export const podDisruptionBudget = object(
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

export const serviceAccount = object(
  {
    annotations: stringMap({
      description: 'Annotations of the pods\' ServiceAccount, e.g. eks.amazonaws.com/role-arn or iam.gke.io/gcp-service-account (cloud IAM).',
    }),
  },
  { description: 'The ServiceAccount <name> the proxy pods run as (no API token is mounted).', default: {} },
);
