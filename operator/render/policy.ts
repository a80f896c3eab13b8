/** PodDisruptionBudget, HorizontalPodAutoscaler, NetworkPolicy. */
import type { CodexLB } from '../api/crds.ts';
import type { KubeObject } from '../runtime/kube/types.ts';
import type { RenderInput } from './input.ts';
import { podDisruptionBudgetEnabled } from './effective.ts';
import { selectorLabels } from './labels.ts';
import { childMeta } from './meta.ts';
import { names } from './names.ts';
import { HTTP_PORT } from './workload.ts';

export function renderPodDisruptionBudget(cr: CodexLB): KubeObject | undefined {
  if (!podDisruptionBudgetEnabled(cr.spec)) return undefined;
  const { minAvailable, maxUnavailable } = cr.spec.podDisruptionBudget;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMeta(cr, names(cr.metadata.name).workload, 'server'),
    spec: {
      selector: { matchLabels: selectorLabels(cr.metadata.name) },
      ...(minAvailable !== undefined ? { minAvailable } : { maxUnavailable: maxUnavailable ?? 1 }),
    },
  };
}

export function renderAutoscaler(cr: CodexLB): KubeObject | undefined {
  const { autoscaling } = cr.spec;
  if (!autoscaling.enabled) return undefined;
  const n = names(cr.metadata.name);
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: childMeta(cr, n.workload, 'server'),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: n.workload },
      minReplicas: autoscaling.minReplicas,
      maxReplicas: autoscaling.maxReplicas,
      metrics: [
        utilization('cpu', autoscaling.targetCPUUtilizationPercentage),
        ...(autoscaling.targetMemoryUtilizationPercentage > 0 ? [utilization('memory', autoscaling.targetMemoryUtilizationPercentage)] : []),
      ],
      behavior: autoscaling.behavior,
    },
  };
}

function utilization(name: 'cpu' | 'memory', averageUtilization: number): object {
  return { type: 'Resource', resource: { name, target: { type: 'Utilization', averageUtilization } } };
}

/** Where the operator runs unless told otherwise (config/default installs it there). */
export const DEFAULT_OPERATOR_NAMESPACE = 'codex-lb-system';

/**
 * Ingress: sibling pods (owner forwarding), the operator's own pods (admin API), the listed peers,
 * scrapers on the metrics port, extraIngress. Egress: DNS, the database, the upstream, sibling pods,
 * the tracing collector, extraEgress. Nothing else in or out.
 */
export function renderNetworkPolicy(input: RenderInput): KubeObject | undefined {
  const cr = input.codexlb;
  const { networkPolicy, metrics } = cr.spec;
  if (!networkPolicy.enabled) return undefined;
  const operatorNamespace = input.operatorNamespace ?? DEFAULT_OPERATOR_NAMESPACE;
  const selector = selectorLabels(cr.metadata.name);
  const siblings = [{ podSelector: { matchLabels: selector } }];
  const api = [tcp(HTTP_PORT)];
  const ingress: object[] = [
    // Replicas forward session turns to their owner pod.
    { from: siblings, ports: api },
    // The operator calls the admin API: its own pods, in its own namespace (a pod elsewhere wearing the
    // operator's label does not qualify; the namespace name label is set by the API server).
    {
      from: [
        {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': operatorNamespace } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'codex-lb-operator' } },
        },
      ],
      ports: api,
    },
  ];
  if (networkPolicy.ingressFrom.length > 0) ingress.push({ from: networkPolicy.ingressFrom, ports: api });
  if (metrics.enabled) ingress.push({ from: [{ namespaceSelector: {} }], ports: [tcp(metrics.port)] });
  ingress.push(...(networkPolicy.extraIngress ?? []));

  const egress: object[] = [
    // Cluster DNS wherever it runs (kube-dns, NodeLocal DNSCache on a link-local address).
    { ports: [{ port: 53, protocol: 'UDP' }, tcp(53)] },
    { to: siblings, ports: api },
    { ports: upstreamPorts(cr).map(tcp) },
  ];
  const database = databaseEgress(input);
  if (database) egress.push(database);
  const tracing = cr.spec.config.tracing;
  if (tracing.enabled && tracing.endpoint) egress.push({ ports: [tcp(portOf(tracing.endpoint))] });
  egress.push(...(networkPolicy.extraEgress ?? []));

  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: childMeta(cr, names(cr.metadata.name).workload, 'server'),
    spec: { podSelector: { matchLabels: selector }, policyTypes: ['Ingress', 'Egress'], ingress, egress },
  };
}

const tcp = (port: number) => ({ port, protocol: 'TCP' });

/** The port a URL connects to. */
export function portOf(url: string): number {
  const parsed = new URL(url);
  return parsed.port ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : 80;
}

/** Ports of the upstream and OAuth token URLs (443 for the defaults). */
function upstreamPorts(cr: CodexLB): number[] {
  const { baseURL, oauthTokenURL } = cr.spec.config.upstream;
  return [...new Set([baseURL, oauthTokenURL].map((url) => (url ? portOf(url) : 443)))].sort((a, b) => a - b);
}

function databaseEgress(input: RenderInput): object | undefined {
  const cr = input.codexlb;
  const { database, networkPolicy } = cr.spec;
  if (database.type !== 'PostgreSQL') return undefined;
  if (database.postgres?.managed) {
    return { to: [{ podSelector: { matchLabels: { 'cnpg.io/cluster': names(cr.metadata.name).postgres } } }], ports: [tcp(5432)] };
  }
  const port = input.databasePort ?? database.postgres?.port ?? 5432;
  return { ...(networkPolicy.databaseTo.length > 0 ? { to: networkPolicy.databaseTo } : {}), ports: [tcp(port)] };
}
