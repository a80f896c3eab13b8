/**
 * Where the operator reaches an installation's admin API.
 *
 * In a cluster: the CodexLB's own Service by its DNS name (`http://<n>.<ns>.svc.<clusterDomain>:<port>`),
 * which kube-proxy sends to a ready pod; the NetworkPolicy the operator renders admits exactly the
 * operator's pods on that port. Out of a cluster (`codex-lb-operator run` on a laptop, the integration
 * tests, where pods are simulated) ClusterIPs are unreachable, so the installer maps installations to
 * URLs explicitly (`--admin-endpoint ns/name=URL`, e.g. a `kubectl port-forward`), and may turn the
 * in-cluster fallback off so nothing else is called. Only the operator's installer sets these: a field
 * on a CodexLB would let its editor send the admin token anywhere.
 */
import type { CodexLB } from '../../api/crds.ts';
import { names } from '../../render/names.ts';

export type EndpointFallback = 'in-cluster' | 'none';

export interface AdminEndpoints {
  /** Base URL of the installation's admin API, or undefined when none is configured. */
  resolve(cr: CodexLB): string | undefined;
}

/** The Service URL a pod in the cluster uses. */
export function inClusterEndpoint(cr: CodexLB): string {
  const ns = cr.metadata.namespace ?? 'default';
  return `http://${names(cr.metadata.name).service}.${ns}.svc.${cr.spec.topology.clusterDomain}:${cr.spec.service.port}`;
}

/** `overrides`: `namespace/name` → base URL; installations not listed use `fallback`. */
export function adminEndpoints(overrides: ReadonlyMap<string, string> = new Map(), fallback: EndpointFallback = 'in-cluster'): AdminEndpoints {
  return {
    resolve(cr) {
      const override = overrides.get(`${cr.metadata.namespace ?? 'default'}/${cr.metadata.name}`);
      if (override !== undefined) return override.replace(/\/$/, '');
      return fallback === 'in-cluster' ? inClusterEndpoint(cr) : undefined;
    },
  };
}

/** Parses one `--admin-endpoint namespace/name=URL` flag value. */
export function parseEndpointFlag(value: string): [string, string] {
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)=(https?:\/\/\S+)$/.exec(value.trim());
  if (!match) throw new Error(`expected namespace/name=http(s)://host:port, got "${value}"`);
  return [`${match[1]}/${match[3]}`, match[5] as string];
}
