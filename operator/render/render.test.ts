/**
 * The pure render: which objects each configuration produces and the fields that matter. The
 * end-to-end behaviour of the same objects on a real cluster is in test/integration/operator.
 */
import { describe, expect, it } from 'vitest';
import { offlineInput } from './offline.ts';
import { renderCodexLB } from './codexlb.ts';
import { MANAGED_ENV } from '../api/managed-env.ts';
import { composeDatabaseUrl } from './secrets.ts';
import { NO_OPTIONAL_APIS, admitted as cr, find, ids, render, replicatedSpec } from './testing.ts';
import { configHash } from './workload.ts';

describe('renderCodexLB', () => {
  it('renders the Standalone SQLite set: no migration Job, no PDB, no continuity route', () => {
    expect(ids(render({}))).toEqual([
      'ServiceAccount/lb',
      'ConfigMap/lb-env',
      'Service/lb',
      'Service/lb-handoff',
      'Service/lb-metrics',
      'PersistentVolumeClaim/lb-data',
      'StatefulSet/lb',
    ]);
  });

  it('renders the Replicated PostgreSQL set with a migration Job and a PodDisruptionBudget', () => {
    expect(ids(render(replicatedSpec))).toEqual([
      'ServiceAccount/lb',
      'ConfigMap/lb-env',
      'Service/lb',
      'Service/lb-handoff',
      'Service/lb-metrics',
      expect.stringMatching(/^Job\/lb-migrate-[0-9a-f]{8}$/),
      'StatefulSet/lb',
      'PodDisruptionBudget/lb',
    ]);
  });

  it('holds the workload (renders no StatefulSet) while no migration has completed', () => {
    expect(ids(render(replicatedSpec, { workloadImage: undefined }))).not.toContain('StatefulSet/lb');
  });

  it('uses the operator version as the default image tag, and a digest over a tag', () => {
    const image = (spec: Record<string, unknown>) => find(render(spec), 'StatefulSet', 'lb').spec.template.spec.containers[0].image;
    expect(image({})).toBe('ghcr.io/codex-lb/codex-lb-proxy:1.2.3');
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(image({ image: { repository: 'registry.example/proxy', tag: '9', digest } })).toBe(`registry.example/proxy@${digest}`);
  });

  it('lets the HPA own the replica count', () => {
    const objects = render({ ...replicatedSpec, autoscaling: { enabled: true, minReplicas: 3, maxReplicas: 8 } });
    expect(find(objects, 'StatefulSet', 'lb').spec.replicas).toBeUndefined();
    expect(find(objects, 'HorizontalPodAutoscaler', 'lb').spec).toMatchObject({
      scaleTargetRef: { kind: 'StatefulSet', name: 'lb' },
      minReplicas: 3,
      maxReplicas: 8,
    });
  });

  it('renders only the routes that are enabled, and Gateway API routes only when the API exists', () => {
    const spec = {
      ...replicatedSpec,
      ingress: { enabled: true, hosts: [{ host: 'a.example' }], oauth: { enabled: true } },
      oauth: { callbackService: { enabled: true } },
      gatewayAPI: { enabled: true, parentRefs: [{ name: 'gw' }], oauth: { enabled: true } },
    };
    expect(ids(render(spec)).filter((id) => /Ingress|HTTPRoute/.test(id))).toEqual([
      'Ingress/lb',
      'Ingress/lb-responses',
      'Ingress/lb-oauth',
      'HTTPRoute/lb',
      'HTTPRoute/lb-responses',
      'HTTPRoute/lb-oauth',
    ]);
    const withoutGateway = render(spec, { capabilities: NO_OPTIONAL_APIS });
    expect(ids(withoutGateway).filter((id) => id.startsWith('HTTPRoute'))).toEqual([]);
    const oauth = find(render(spec), 'Ingress', 'lb-oauth');
    expect(oauth.spec.rules[0].http.paths).toEqual([{ path: '/auth/callback', pathType: 'Exact', backend: { service: { name: 'lb-oauth', port: { name: 'oauth' } } } }]);
  });

  it('turns the continuity route off when asked, even in Replicated mode', () => {
    const objects = render({ ...replicatedSpec, ingress: { enabled: true, hosts: [{ host: 'a.example' }] }, continuity: { enabled: false } });
    expect(ids(objects)).not.toContain('Ingress/lb-responses');
  });

  it('restricts ingress with a NetworkPolicy that still admits peers, the operator and scrapers', () => {
    const policy = find(render({ ...replicatedSpec, networkPolicy: { enabled: true, ingressFrom: [{ namespaceSelector: { matchLabels: { team: 'edge' } } }] } }), 'NetworkPolicy', 'lb');
    expect(policy.spec.ingress).toHaveLength(4);
    expect(policy.spec.ingress[2]).toEqual({ from: [{ namespaceSelector: { matchLabels: { team: 'edge' } } }], ports: [{ port: 2455, protocol: 'TCP' }] });
  });

  it('admits to the admin API port exactly the operator pods of the operator namespace, not look-alikes elsewhere', () => {
    const spec = { ...replicatedSpec, networkPolicy: { enabled: true } };
    const operatorRule = {
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'codex-lb-operator' } },
        },
      ],
      ports: [{ port: 2455, protocol: 'TCP' }],
    };
    expect(find(render(spec, { operatorNamespace: 'ops' }), 'NetworkPolicy', 'lb').spec.ingress).toContainEqual(operatorRule);
    const byDefault = find(render(spec), 'NetworkPolicy', 'lb').spec.ingress[1];
    expect(byDefault.from[0].namespaceSelector).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': 'codex-lb-system' } });
  });

  it('renders monitoring objects scoped to the installation, only when that API exists', () => {
    const spec = { metrics: { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } } };
    const rule = find(render(spec), 'PrometheusRule', 'lb');
    expect(rule.spec.groups[0].rules.map((r: any) => r.alert)).toEqual([
      'CodexLBHighErrorRate',
      'CodexLBHighLatency',
      'CodexLBPodDown',
      'CodexLBNoActiveAccounts',
    ]);
    expect(rule.spec.groups[0].rules[0].expr).toContain('namespace="ns",job="lb-metrics"');
    expect(ids(render(spec, { capabilities: NO_OPTIONAL_APIS })).filter((id) => /Monitor|Rule/.test(id))).toEqual([]);
  });

  it('mounts the encryption key unless the proxy keeps its own key file on the volume', () => {
    const volumes = (spec: Record<string, unknown>) =>
      find(renderCodexLB(offlineInput(cr(spec), '1')), 'StatefulSet', 'lb').spec.template.spec.volumes.map((v: any) => v.name);
    expect(volumes({})).toEqual(['data', 'tmp', 'admin-token', 'encryption-key']);
    expect(volumes({ encryption: { source: 'PersistentFile' } })).toEqual(['data', 'tmp', 'admin-token']);
  });

  it('rolls the pods (config hash) when referenced Secret content or settings change, not otherwise', () => {
    const base = offlineInput(cr(replicatedSpec), '1');
    expect(configHash(base)).toBe(configHash(offlineInput(cr(replicatedSpec), '1')));
    expect(configHash({ ...base, secretsHash: 'other' })).not.toBe(configHash(base));
    expect(configHash(offlineInput(cr({ ...replicatedSpec, config: { logFormat: 'text' } }), '1'))).not.toBe(configHash(base));
  });

  it('keeps user env after the operator env so it cannot be shadowed silently, and passes it to the migration Job', () => {
    const objects = render({ ...replicatedSpec, env: [{ name: 'CODEX_LB_ROUTING_STRATEGY', value: 'round_robin' }] });
    const podEnv = find(objects, 'StatefulSet', 'lb').spec.template.spec.containers[0].env.map((e: any) => e.name);
    expect(podEnv.at(-1)).toBe('CODEX_LB_ROUTING_STRATEGY');
    const job = objects.find((o) => o.kind === 'Job') as any;
    expect(job.spec.template.spec.containers[0].env.map((e: any) => e.name)).toContain('CODEX_LB_ROUTING_STRATEGY');
  });
});

describe('operator-managed environment', () => {
  it('is listed in operator/api (the list admission and the envFrom check use): nothing rendered escapes it', () => {
    const everything = {
      ...replicatedSpec,
      database: { type: 'PostgreSQL', postgres: { host: 'db', passwordSecretRef: { name: 'pw' } } },
      config: {
        upstream: { baseURL: 'https://chatgpt.com/backend-api', oauthTokenURL: 'https://auth.openai.com/oauth/token' },
        firewall: { allowlist: ['10.0.0.0/8'] },
      },
      oauth: { callbackService: { enabled: true } },
      env: [{ name: 'CODEX_LB_ROUTING_STRATEGY', value: 'round_robin' }],
    };
    const objects = render(everything);
    const sts = find(objects, 'StatefulSet', 'lb').spec.template.spec;
    const job = (objects.find((o) => o.kind === 'Job') as any).spec.template.spec;
    const containers = [...sts.containers, ...sts.initContainers, ...job.containers];
    const rendered = new Set<string>([
      ...Object.keys(find(objects, 'ConfigMap', 'lb-env').data),
      ...containers.flatMap((c: any) => c.env.map((e: any) => e.name as string)),
    ]);
    rendered.delete('CODEX_LB_ROUTING_STRATEGY'); // the user's own
    expect([...rendered].filter((name) => !(name in MANAGED_ENV))).toEqual([]);
  });
});

describe('composeDatabaseUrl', () => {
  it('percent-encodes credentials and appends parameters', () => {
    expect(composeDatabaseUrl({ host: 'db', port: 5432, database: 'codex lb', user: 'app@corp', parameters: { sslmode: 'require' } }, 'p@ss/w:rd')).toBe(
      'postgresql://app%40corp:p%40ss%2Fw%3Ard@db:5432/codex%20lb?sslmode=require',
    );
  });
  it('brackets IPv6 hosts', () => {
    expect(composeDatabaseUrl({ host: 'fd00::1', port: 5432, database: 'd', user: 'u' }, 'p')).toBe('postgresql://u:p@[fd00::1]:5432/d');
  });

  it('lets a quiet stream live as long as upstream does (7200 s), and no nginx ingress cuts it earlier', () => {
    const objects = render({ ...replicatedSpec, ingress: { enabled: true, className: 'nginx', hosts: [{ host: 'lb.example.com' }], nginx: { enabled: true } } });
    const env = find(objects, 'ConfigMap', 'lb-env').data;
    expect(env.CODEX_LB_STREAM_IDLE_TIMEOUT_SECONDS).toBe('7200');
    // A stalled upstream is abandoned long before that: 20 s per attempt (README "Stalled and slow upstreams").
    expect(env.CODEX_LB_STREAM_FIRST_EVENT_TIMEOUT_SECONDS).toBe('20');
    for (const ingress of objects.filter((o) => o.kind === 'Ingress')) {
      const annotations = ingress.metadata.annotations ?? {};
      expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout']), ingress.metadata.name).toBeGreaterThanOrEqual(7200);
      expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout']), ingress.metadata.name).toBeGreaterThanOrEqual(7200);
    }
  });
});
