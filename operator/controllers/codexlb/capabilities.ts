/**
 * Optional APIs a CodexLB may use. Objects of absent APIs are not rendered: routes and monitoring are
 * skipped and reported; credentials from ESO and a CloudNativePG database block the pass with a
 * condition naming what to install (providers.ts), and their CRDs' arrival reconciles at once.
 */
import type { CodexLB } from '../../api/crds.ts';
import type { Capabilities as ClusterCapabilities } from '../../render/input.ts';
import { wantsMonitoring } from '../../render/monitoring.ts';
import { wantsGatewayAPI } from '../../render/routes.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';

export type { ClusterCapabilities };

export interface Capabilities {
  detect(): Promise<ClusterCapabilities>;
}

/** The kinds whose presence decides each capability (also the CRDs whose arrival re-reconciles). */
export const OPTIONAL_KINDS = {
  gatewayAPI: { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' },
  monitoring: { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' },
  externalSecrets: { apiVersion: 'external-secrets.io/v1', kind: 'ExternalSecret' },
  cloudNativePG: { apiVersion: 'postgresql.cnpg.io/v1', kind: 'Cluster' },
} as const satisfies Record<keyof ClusterCapabilities, { apiVersion: string; kind: string }>;

export class DiscoveryCapabilities implements Capabilities {
  readonly #client: KubeClient;
  constructor(client: KubeClient) {
    this.#client = client;
  }
  async detect(): Promise<ClusterCapabilities> {
    const entries = await Promise.all(
      Object.entries(OPTIONAL_KINDS).map(async ([name, { apiVersion, kind }]) => [name, (await this.#client.resource(apiVersion, kind)) !== undefined] as const),
    );
    return Object.fromEntries(entries) as unknown as ClusterCapabilities;
  }
}

export function routesSkipped(cr: CodexLB, caps: ClusterCapabilities): boolean {
  return wantsGatewayAPI(cr) && !caps.gatewayAPI;
}

export function monitoringSkipped(cr: CodexLB, caps: ClusterCapabilities): boolean {
  return wantsMonitoring(cr) && !caps.monitoring;
}
