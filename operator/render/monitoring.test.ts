/** prometheus-operator objects and the Grafana dashboards ConfigMap. */
import { describe, expect, it } from 'vitest';
import { renderCodexLB } from './codexlb.ts';
import { offlineInput } from './offline.ts';
import { admitted, find, render, replicatedSpec } from './testing.ts';
import { DASHBOARDS } from './dashboards.ts';

describe('ServiceMonitor', () => {
  it('carries the scrape timeout and relabelings', () => {
    const relabelings = [{ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' }];
    const metricRelabelings = [{ action: 'drop', regex: 'nodejs_gc_.*', sourceLabels: ['__name__'] }];
    const monitor = find(render({ metrics: { serviceMonitor: { enabled: true, scrapeTimeout: '10s', relabelings, metricRelabelings } } }), 'ServiceMonitor', 'lb');
    expect(monitor.spec.endpoints[0]).toMatchObject({ port: 'metrics', interval: '30s', scrapeTimeout: '10s', relabelings, metricRelabelings });
  });
});

describe('PrometheusRule', () => {
  const alerts = (spec: Record<string, unknown>) => find(render(spec), 'PrometheusRule', 'lb').spec.groups[0].rules as Array<Record<string, any>>;

  it('warns when the autoscaler sits at its maximum, scoped to this HPA', () => {
    const rules = alerts({ ...replicatedSpec, autoscaling: { enabled: true }, metrics: { prometheusRule: { enabled: true } } });
    expect(rules.find((r) => r.alert === 'CodexLBHPAAtMax')).toMatchObject({
      expr: expect.stringContaining('kube_horizontalpodautoscaler_spec_max_replicas{namespace="ns",horizontalpodautoscaler="lb"}'),
      for: '15m',
    });
    expect(alerts({ metrics: { prometheusRule: { enabled: true } } }).map((r) => r.alert)).not.toContain('CodexLBHPAAtMax');
  });

  it('appends additional rules as they are', () => {
    const extra = { alert: 'CodexLBSlowRefresh', expr: 'rate(codex_lb_token_refreshes_total[5m]) > 1', for: '10m' };
    expect(alerts({ metrics: { prometheusRule: { enabled: true, additionalRules: [extra] } } }).at(-1)).toEqual(extra);
  });
});

describe('Grafana dashboards', () => {
  const configMap = (spec: Record<string, unknown>) => find(render(spec), 'ConfigMap', 'lb-dashboards');

  it('are a ConfigMap the Grafana sidecar picks up, filed in the folder', () => {
    const cm = configMap({ metrics: { grafanaDashboards: { enabled: true } } });
    expect(cm.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    expect(cm.metadata.annotations).toMatchObject({ grafana_folder: 'codex-lb' });
    expect(Object.keys(cm.data)).toEqual(Object.keys(DASHBOARDS));
    expect(configMap({})).toBeUndefined();
  });

  it("query only this installation's metrics, with a uid and title of its own", () => {
    const cm = configMap({ metrics: { grafanaDashboards: { enabled: true } } });
    for (const json of Object.values(cm.data as Record<string, string>)) {
      const dashboard = JSON.parse(json);
      expect(json).not.toContain('__SELECTOR__');
      expect(dashboard.uid).toMatch(/^codexlb-[0-9a-f]{16}$/);
      expect(dashboard.title).toContain('(ns/lb)');
      for (const panel of dashboard.panels) {
        for (const target of panel.targets) expect(target.expr, panel.title).toContain('namespace="ns",job="lb-metrics"');
      }
    }
    const other = renderCodexLB(offlineInput(admitted({ metrics: { grafanaDashboards: { enabled: true } } }, 'other'), '1')).find((o) => o.metadata.name === 'other-dashboards') as any;
    const uid = (data: Record<string, string>) => JSON.parse(data['codex-lb.json']!).uid;
    expect(uid(other.data)).not.toBe(uid(cm.data));
  });
});
