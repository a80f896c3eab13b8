/** The pod template: scheduling and what each field of spec.scheduling / spec.podTemplate becomes. */
import { describe, expect, it } from 'vitest';
import { find, render, replicatedSpec } from './testing.ts';

const podSpec = (spec: Record<string, unknown>) => find(render(spec), 'StatefulSet', 'lb').spec.template.spec;
const ours = { matchLabels: { 'app.kubernetes.io/name': 'codex-lb', 'app.kubernetes.io/instance': 'lb', 'app.kubernetes.io/component': 'server' } };

describe('topology spread constraints', () => {
  const zone = { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' };

  it('get the instance selector when theirs is missing or empty, which would count every pod in the namespace (defect 7)', () => {
    const constraints = podSpec({
      ...replicatedSpec,
      scheduling: { topologySpreadConstraints: [zone, { ...zone, labelSelector: { matchLabels: {} } }, { ...zone, labelSelector: {} }] },
    }).topologySpreadConstraints;
    expect(constraints).toEqual([1, 2, 3].map(() => ({ ...zone, labelSelector: ours })));
  });

  it('keep a selector that selects something', () => {
    const own = { matchExpressions: [{ key: 'tier', operator: 'In', values: ['api'] }] };
    const [constraint] = podSpec({ ...replicatedSpec, scheduling: { topologySpreadConstraints: [{ ...zone, labelSelector: own }] } }).topologySpreadConstraints;
    expect(constraint.labelSelector).toEqual(own);
  });
});

describe('extra volumes', () => {
  const podTemplate = {
    extraVolumes: [
      { name: 'corp-ca', configMap: { name: 'corp-ca-bundle' } },
      { name: 'client-cert', secret: { secretName: 'mtls', defaultMode: 0o440 } },
    ],
    extraVolumeMounts: [{ name: 'corp-ca', mountPath: '/etc/ssl/corp', readOnly: true }],
  };

  it('are mounted into the proxy, the schema gate and the migration Job', () => {
    const objects = render({ ...replicatedSpec, podTemplate });
    const pod = find(objects, 'StatefulSet', 'lb').spec.template.spec;
    const job = (objects.find((o) => o.kind === 'Job') as any).spec.template.spec;
    for (const spec of [pod, job]) expect(spec.volumes.slice(-2)).toEqual(podTemplate.extraVolumes);
    for (const container of [pod.containers[0], pod.initContainers[0], job.containers[0]]) {
      expect(container.volumeMounts.at(-1)).toEqual(podTemplate.extraVolumeMounts[0]);
    }
  });
});

describe('rollout partition', () => {
  it('sets rollingUpdate.partition only when asked (a canary)', () => {
    expect(find(render(replicatedSpec), 'StatefulSet', 'lb').spec.updateStrategy).toEqual({ type: 'RollingUpdate' });
    expect(find(render({ ...replicatedSpec, updateStrategy: { partition: 2 } }), 'StatefulSet', 'lb').spec.updateStrategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { partition: 2 },
    });
  });
});

describe('migration Job resources', () => {
  it('default to a small container and follow migration.job.resources', () => {
    const job = (spec: Record<string, unknown>) => (render(spec).find((o) => o.kind === 'Job') as any).spec.template.spec.containers[0].resources;
    expect(job(replicatedSpec)).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } });
    const resources = { requests: { cpu: '500m', memory: '256Mi' }, limits: { memory: '1Gi' } };
    expect(job({ ...replicatedSpec, migration: { job: { resources } } })).toEqual(resources);
  });
});

describe('ServiceAccount and Service', () => {
  it('carry cloud IAM annotations and the load balancer settings', () => {
    const objects = render({
      ...replicatedSpec,
      serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/codex' } },
      service: { type: 'LoadBalancer', loadBalancerIP: '203.0.113.7', loadBalancerSourceRanges: ['198.51.100.0/24'] },
    });
    expect(find(objects, 'ServiceAccount', 'lb').metadata.annotations).toMatchObject({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::1:role/codex' });
    expect(find(objects, 'Service', 'lb').spec).toMatchObject({ type: 'LoadBalancer', loadBalancerIP: '203.0.113.7', loadBalancerSourceRanges: ['198.51.100.0/24'] });
  });
});

describe('commonLabels and commonAnnotations', () => {
  it('are on every object and pod template, and never replace the operator labels', () => {
    const everything = {
      ...replicatedSpec,
      commonLabels: { 'cost-center': 'ai', 'app.kubernetes.io/instance': 'hijacked' },
      commonAnnotations: { 'owner.example/team': 'platform' },
      ingress: { enabled: true, hosts: [{ host: 'lb.example.com' }] },
      networkPolicy: { enabled: true },
      autoscaling: { enabled: true },
      metrics: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true }, grafanaDashboards: { enabled: true } },
    };
    const objects = render(everything);
    for (const obj of objects) {
      expect(obj.metadata.labels, `${obj.kind} ${obj.metadata.name}`).toMatchObject({ 'cost-center': 'ai', 'app.kubernetes.io/instance': 'lb' });
      expect(obj.metadata.annotations, `${obj.kind} ${obj.metadata.name}`).toMatchObject({ 'owner.example/team': 'platform' });
      const template = (obj as any).spec?.template?.metadata;
      if (template) expect(template.labels).toMatchObject({ 'cost-center': 'ai', 'app.kubernetes.io/instance': 'lb' });
    }
  });
});
