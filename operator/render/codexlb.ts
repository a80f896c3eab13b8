/** Everything a CodexLB renders to, in apply order (credentials, config and Services before the workload). */
import type { KubeObject } from '../runtime/kube/types.ts';
import { renderDashboards } from './dashboards.ts';
import { renderExternalSecret } from './external-secret.ts';
import type { RenderInput } from './input.ts';
import { renderMigrationJob } from './migration.ts';
import { renderMonitoring } from './monitoring.ts';
import { renderAutoscaler, renderNetworkPolicy, renderPodDisruptionBudget } from './policy.ts';
import { renderPostgresCluster } from './postgres.ts';
import { renderRoutes } from './routes.ts';
import { renderServiceAccount, renderServices } from './services.ts';
import { renderDataVolume } from './storage.ts';
import { renderConfigMap } from './config.ts';
import { renderStatefulSet } from './workload.ts';

export function renderCodexLB(input: RenderInput): KubeObject[] {
  const cr = input.codexlb;
  const { capabilities } = input;
  const objects: Array<KubeObject | undefined> = [
    capabilities.externalSecrets ? renderExternalSecret(cr) : undefined,
    capabilities.cloudNativePG ? renderPostgresCluster(cr) : undefined,
    renderServiceAccount(cr),
    renderConfigMap(input),
    ...renderServices(cr),
    renderDataVolume(cr),
    renderNetworkPolicy(input),
    input.migrationJob && renderMigrationJob(input, input.migrationJob),
    input.workloadImage ? renderStatefulSet(input, input.workloadImage) : undefined,
    renderPodDisruptionBudget(cr),
    renderAutoscaler(cr),
    ...renderRoutes(cr, capabilities.gatewayAPI),
    ...(capabilities.monitoring ? renderMonitoring(cr) : []),
    renderDashboards(cr),
  ];
  return objects.filter((o): o is KubeObject => o !== undefined);
}
