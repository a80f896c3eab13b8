/** Optional APIs a CodexLB may use; objects of absent APIs are skipped and reported, not retried. */
import type { CodexLB } from '../../api/crds.ts';
import { wantsMonitoring } from '../../render/monitoring.ts';
import { wantsGatewayAPI } from '../../render/routes.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';

export interface ClusterCapabilities {
  gatewayAPI: boolean;
  monitoring: boolean;
}

export interface Capabilities {
  detect(): Promise<ClusterCapabilities>;
}

export class DiscoveryCapabilities implements Capabilities {
  readonly #client: KubeClient;
  constructor(client: KubeClient) {
    this.#client = client;
  }
  async detect(): Promise<ClusterCapabilities> {
    const [route, monitor] = await Promise.all([
      this.#client.resource('gateway.networking.k8s.io/v1', 'HTTPRoute'),
      this.#client.resource('monitoring.coreos.com/v1', 'ServiceMonitor'),
    ]);
    return { gatewayAPI: route !== undefined, monitoring: monitor !== undefined };
  }
}

export function routesSkipped(cr: CodexLB, caps: ClusterCapabilities): boolean {
  return wantsGatewayAPI(cr) && !caps.gatewayAPI;
}

export function monitoringSkipped(cr: CodexLB, caps: ClusterCapabilities): boolean {
  return wantsMonitoring(cr) && !caps.monitoring;
}
