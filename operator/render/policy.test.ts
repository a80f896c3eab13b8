/** PodDisruptionBudget, HorizontalPodAutoscaler and NetworkPolicy as each spec field shapes them. */
import { describe, expect, it } from 'vitest';
import { find, render, replicatedSpec } from './testing.ts';

describe('HorizontalPodAutoscaler', () => {
  const autoscaled = { ...replicatedSpec, autoscaling: { enabled: true } };

  it('scales on CPU, and on memory when a memory target is set', () => {
    expect(find(render(autoscaled), 'HorizontalPodAutoscaler', 'lb').spec.metrics.map((m: any) => m.resource.name)).toEqual(['cpu']);
    const both = find(render({ ...autoscaled, autoscaling: { enabled: true, targetMemoryUtilizationPercentage: 80 } }), 'HorizontalPodAutoscaler', 'lb');
    expect(both.spec.metrics[1]).toEqual({ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } });
  });

  it("scales down slowly by default (the chart's behaviour) and takes a behaviour of its own", () => {
    expect(find(render(autoscaled), 'HorizontalPodAutoscaler', 'lb').spec.behavior).toEqual({
      scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }] },
      scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] },
    });
    const behavior = { scaleDown: { stabilizationWindowSeconds: 600, policies: [{ type: 'Percent', value: 10, periodSeconds: 300 }] } };
    const tuned = find(render({ ...autoscaled, autoscaling: { enabled: true, behavior } }), 'HorizontalPodAutoscaler', 'lb').spec.behavior;
    expect(tuned.scaleDown).toEqual(behavior.scaleDown);
    expect(tuned.scaleUp.policies).toEqual([{ type: 'Pods', value: 2, periodSeconds: 60 }]);
  });
});

describe('NetworkPolicy', () => {
  const policy = (spec: Record<string, unknown>, databasePort?: number) =>
    find(render({ ...replicatedSpec, networkPolicy: { enabled: true }, ...spec }, databasePort ? { databasePort } : {}), 'NetworkPolicy', 'lb').spec;

  it('restricts egress to DNS, sibling pods, the upstream and the database port', () => {
    const spec = policy({});
    expect(spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(spec.egress).toEqual([
      { ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
      { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'codex-lb', 'app.kubernetes.io/instance': 'lb', 'app.kubernetes.io/component': 'server' } } }], ports: [{ port: 2455, protocol: 'TCP' }] },
      { ports: [{ port: 443, protocol: 'TCP' }] },
      { ports: [{ port: 5432, protocol: 'TCP' }] },
    ]);
  });

  it("follows the database URL's port, the upstream URLs' ports and the tracing collector", () => {
    const spec = policy(
      {
        config: {
          upstream: { baseURL: 'https://mirror.example:8443/backend-api', oauthTokenURL: 'https://auth.openai.com/oauth/token' },
          tracing: { enabled: true, endpoint: 'http://otel.observability:4318' },
        },
        networkPolicy: { enabled: true, databaseTo: [{ ipBlock: { cidr: '10.9.0.0/16' } }] },
      },
      6432,
    );
    expect(spec.egress).toContainEqual({ ports: [{ port: 443, protocol: 'TCP' }, { port: 8443, protocol: 'TCP' }] });
    expect(spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: '10.9.0.0/16' } }], ports: [{ port: 6432, protocol: 'TCP' }] });
    expect(spec.egress).toContainEqual({ ports: [{ port: 4318, protocol: 'TCP' }] });
  });

  it('lets the pods reach the managed CloudNativePG cluster only', () => {
    const managed = { database: { type: 'PostgreSQL', postgres: { managed: {} } } };
    expect(policy(managed).egress).toContainEqual({ to: [{ podSelector: { matchLabels: { 'cnpg.io/cluster': 'lb-postgres' } } }], ports: [{ port: 5432, protocol: 'TCP' }] });
  });

  it('has no database rule on SQLite', () => {
    const standalone = find(render({ networkPolicy: { enabled: true } }), 'NetworkPolicy', 'lb').spec;
    expect(standalone.egress.flatMap((r: any) => r.ports.map((p: any) => p.port))).toEqual([53, 53, 2455, 443]);
  });

  it('appends extraIngress and extraEgress as they are', () => {
    const extraIngress = [{ from: [{ namespaceSelector: { matchLabels: { team: 'probe' } } }], ports: [{ port: 2455 }] }];
    const extraEgress = [{ to: [{ ipBlock: { cidr: '10.0.0.10/32' } }], ports: [{ port: 3128 }] }];
    const spec = policy({ networkPolicy: { enabled: true, extraIngress, extraEgress } });
    expect(spec.ingress.at(-1)).toEqual(extraIngress[0]);
    expect(spec.egress.at(-1)).toEqual(extraEgress[0]);
  });
});
