/** prometheus-operator ServiceMonitor and PrometheusRule (only when those CRDs are installed). */
import type { CodexLB } from '../api/crds.ts';
import type { KubeObject } from '../runtime/kube/types.ts';
import { selectorLabels } from './labels.ts';
import { childMeta } from './meta.ts';
import { names } from './names.ts';

export function wantsMonitoring(cr: CodexLB): boolean {
  const { metrics } = cr.spec;
  return metrics.enabled && (metrics.serviceMonitor.enabled || metrics.prometheusRule.enabled);
}

export function renderMonitoring(cr: CodexLB): KubeObject[] {
  const { metrics } = cr.spec;
  if (!metrics.enabled) return [];
  const n = names(cr.metadata.name);
  const out: KubeObject[] = [];
  if (metrics.serviceMonitor.enabled) {
    out.push({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: childMeta(cr, n.workload, 'metrics', { labels: metrics.serviceMonitor.labels }),
      spec: {
        selector: { matchLabels: selectorLabels(cr.metadata.name, 'metrics') },
        endpoints: [
          {
            port: 'metrics',
            path: '/metrics',
            interval: metrics.serviceMonitor.interval,
            scrapeTimeout: metrics.serviceMonitor.scrapeTimeout,
            relabelings: metrics.serviceMonitor.relabelings,
            metricRelabelings: metrics.serviceMonitor.metricRelabelings,
          },
        ],
      },
    });
  }
  if (metrics.prometheusRule.enabled) {
    const ns = cr.metadata.namespace ?? 'default';
    // Scoped to this installation: prometheus-operator sets `job` to the Service name.
    const sel = `namespace="${ns}",job="${n.metrics}"`;
    out.push({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: childMeta(cr, n.workload, 'metrics', { labels: metrics.prometheusRule.labels }),
      spec: {
        groups: [
          {
            name: `codex-lb.${cr.metadata.name}.rules`,
            rules: [
              {
                alert: 'CodexLBHighErrorRate',
                expr: `sum(rate(codex_lb_requests_total{${sel},status=~"5.."}[5m])) / sum(rate(codex_lb_requests_total{${sel}}[5m])) > 0.05`,
                for: '5m',
                labels: { severity: 'warning' },
                annotations: { summary: 'More than 5% of codex-lb requests fail with 5xx.' },
              },
              {
                alert: 'CodexLBHighLatency',
                expr: `histogram_quantile(0.99, sum by (le) (rate(codex_lb_request_duration_seconds_bucket{${sel}}[5m]))) > 10`,
                for: '5m',
                labels: { severity: 'warning' },
                annotations: { summary: 'p99 codex-lb request latency is above 10 s.' },
              },
              {
                alert: 'CodexLBPodDown',
                expr: `kube_statefulset_status_replicas_ready{namespace="${ns}",statefulset="${n.workload}"} < kube_statefulset_replicas{namespace="${ns}",statefulset="${n.workload}"}`,
                for: '5m',
                labels: { severity: 'critical' },
                annotations: { summary: 'Not all codex-lb pods are ready.' },
              },
              {
                alert: 'CodexLBNoActiveAccounts',
                expr: `max(codex_lb_accounts_total{${sel},status="active"}) == 0`,
                for: '5m',
                labels: { severity: 'critical' },
                annotations: { summary: 'No ChatGPT account in the pool can serve requests.' },
              },
              ...(cr.spec.autoscaling.enabled ? [hpaAtMax(ns, n.workload)] : []),
              ...(metrics.prometheusRule.additionalRules ?? []),
            ],
          },
        ],
      },
    });
  }
  return out;
}

/** The autoscaler has been at its ceiling for a while: load may be going unserved (kube-state-metrics series). */
function hpaAtMax(namespace: string, hpa: string): object {
  const sel = `namespace="${namespace}",horizontalpodautoscaler="${hpa}"`;
  return {
    alert: 'CodexLBHPAAtMax',
    expr: `kube_horizontalpodautoscaler_status_current_replicas{${sel}} >= kube_horizontalpodautoscaler_spec_max_replicas{${sel}}`,
    for: '15m',
    labels: { severity: 'warning' },
    annotations: { summary: 'The codex-lb autoscaler has been at maxReplicas for 15 minutes.' },
  };
}
