/** PodDisruptionBudget, HorizontalPodAutoscaler, NetworkPolicy. */
import type { CodexLB } from '../api/crds.ts';
import type { KubeObject } from '../runtime/kube/types.ts';
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
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: autoscaling.targetCPUUtilizationPercentage } } }],
      // Long-lived streams: scale down slowly, one pod at a time (official chart defaults).
      behavior: {
        scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }] },
        scaleUp: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] },
      },
    },
  };
}

/** Where the operator runs unless told otherwise (config/default installs it there). */
export const DEFAULT_OPERATOR_NAMESPACE = 'codex-lb-system';

export function renderNetworkPolicy(cr: CodexLB, operatorNamespace = DEFAULT_OPERATOR_NAMESPACE): KubeObject | undefined {
  const { networkPolicy, metrics } = cr.spec;
  if (!networkPolicy.enabled) return undefined;
  const selector = selectorLabels(cr.metadata.name);
  const api = [{ port: HTTP_PORT, protocol: 'TCP' }];
  const ingress: object[] = [
    // Replicas forward session turns to their owner pod.
    { from: [{ podSelector: { matchLabels: selector } }], ports: api },
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
  if (metrics.enabled) ingress.push({ from: [{ namespaceSelector: {} }], ports: [{ port: metrics.port, protocol: 'TCP' }] });
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: childMeta(cr, names(cr.metadata.name).workload, 'server'),
    spec: { podSelector: { matchLabels: selector }, policyTypes: ['Ingress'], ingress },
  };
}
