/**
 * ConfigMap <name>-dashboards: the codex-lb Grafana dashboards (dashboards/*.json), labelled for the Grafana
 * sidecar (grafana_dashboard: "1" by default) and filed under metrics.grafanaDashboards.folder. Every query is
 * scoped to this installation (its namespace and metrics Service, which prometheus-operator uses as `job`), and
 * each installation's dashboards get their own uid and title, so several CodexLBs share one Grafana.
 */
import type { CodexLB } from '../api/crds.ts';
import type { KubeObject } from '../runtime/kube/types.ts';
import overview from './dashboards/codex-lb.json' with { type: 'json' };
import ttft from './dashboards/ttft-breakdown.json' with { type: 'json' };
import { hashOf } from './hash.ts';
import { childMeta } from './meta.ts';
import { names } from './names.ts';

/** Dashboard file name → its JSON, with __SELECTOR__ in every query and __UID__ as its uid. */
export const DASHBOARDS: Readonly<Record<string, unknown>> = { 'codex-lb.json': overview, 'ttft-breakdown.json': ttft };

function substitute(value: unknown, replace: (s: string) => string): unknown {
  if (typeof value === 'string') return replace(value);
  if (Array.isArray(value)) return value.map((v) => substitute(v, replace));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, replace)]));
  return value;
}

export function renderDashboards(cr: CodexLB): KubeObject | undefined {
  const { metrics } = cr.spec;
  if (!metrics.enabled || !metrics.grafanaDashboards.enabled) return undefined;
  const ns = cr.metadata.namespace ?? 'default';
  const n = names(cr.metadata.name);
  const selector = `namespace="${ns}",job="${n.metrics}"`;
  const data: Record<string, string> = {};
  for (const [file, dashboard] of Object.entries(DASHBOARDS)) {
    // Grafana uids are at most 40 characters.
    const uid = `codexlb-${hashOf({ ns, name: cr.metadata.name, file }, 16)}`;
    const filled = substitute(dashboard, (s) => s.replaceAll('__SELECTOR__', selector).replaceAll('__UID__', uid)) as { title: string };
    filled.title = `${filled.title} (${ns}/${cr.metadata.name})`;
    data[file] = JSON.stringify(filled);
  }
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMeta(cr, n.dashboards, 'metrics', {
      labels: metrics.grafanaDashboards.labels,
      annotations: { grafana_folder: metrics.grafanaDashboards.folder },
    }),
    data,
  };
}
