/** CodexLB.spec.metrics: Prometheus metrics, the prometheus-operator objects and Grafana dashboards. */
import { array, boolean, embedded, integer, object, string, stringMap } from './schema.ts';

const duration = (description: string, dflt?: string) =>
  dflt === undefined
    ? string({ description, pattern: '^[0-9]+(ms|s|m|h)$' })
    : string({ description, default: dflt, pattern: '^[0-9]+(ms|s|m|h)$' });

const relabelings = (description: string) =>
  array(embedded<Record<string, unknown>>({ description: 'A prometheus-operator RelabelConfig.' }), { description, maxItems: 32 });

export const metrics = object(
  {
    enabled: boolean({ description: 'Serve Prometheus metrics and create Service <name>-metrics.', default: true }),
    port: integer({ description: 'Metrics port.', default: 9090, minimum: 1, maximum: 65535 }),
    serviceMonitor: object(
      {
        enabled: boolean({ description: 'Create a prometheus-operator ServiceMonitor (skipped when its CRD is absent).', default: false }),
        interval: duration('Scrape interval.', '30s'),
        scrapeTimeout: duration('Scrape timeout (at most the interval); Prometheus\' default when unset.'),
        labels: stringMap({ description: 'Extra labels, e.g. release: kube-prometheus-stack.' }),
        relabelings: relabelings('Relabelings applied to the target before scraping.'),
        metricRelabelings: relabelings('Relabelings applied to scraped samples.'),
      },
      { description: 'ServiceMonitor.', default: {} },
    ),
    prometheusRule: object(
      {
        enabled: boolean({ description: 'Create a PrometheusRule with codex-lb alerts (skipped when its CRD is absent).', default: false }),
        labels: stringMap({ description: 'Extra labels.' }),
        additionalRules: array(embedded<Record<string, unknown>>({ description: 'A Prometheus alerting or recording rule (alert/record, expr, for, labels, annotations).' }), {
          description: 'Rules appended to the operator\'s own group as they are.',
          maxItems: 64,
        }),
      },
      { description: 'PrometheusRule: high error rate, high latency, pods down, no active account, HPA at its maximum.', default: {} },
    ),
    grafanaDashboards: object(
      {
        enabled: boolean({
          description:
            'Create ConfigMap <name>-dashboards holding the codex-lb Grafana dashboards, labelled for the Grafana sidecar ' +
            '(grafana_dashboard: "1"). Needs metrics.enabled.',
          default: false,
        }),
        folder: string({ description: 'Grafana folder (grafana_folder annotation).', default: 'codex-lb', maxLength: 253 }),
        labels: stringMap({ description: 'Labels the Grafana sidecar selects.', default: { grafana_dashboard: '1' } }),
      },
      { description: 'Grafana dashboards as a ConfigMap for the Grafana sidecar (no CRD needed).', default: {} },
    ),
  },
  {
    description: 'Prometheus metrics.',
    default: {},
    rules: [
      {
        rule: 'self.port != 2455 && self.port != 1455',
        message: 'metrics.port must differ from the HTTP port 2455 and the OAuth port 1455',
        fieldPath: '.port',
      },
      {
        rule: 'self.enabled || !self.grafanaDashboards.enabled',
        message: 'metrics.grafanaDashboards needs metrics.enabled: every panel reads the proxy metrics',
        fieldPath: '.grafanaDashboards.enabled',
      },
    ],
  },
);
