/**
 * Where an administrator opens the dashboard (`status.endpoints.dashboard`, pure): the first Ingress host that
 * routes `/` to the proxy (https when a TLS entry names the host), else the in-cluster Service URL — reached from
 * outside with `kubectl port-forward svc/<name> 2455:<port>` (README "Dashboard"). Gateway API listeners do not say
 * their scheme, so an HTTPRoute alone does not produce a URL.
 */
import type { CodexLBSpec } from '../../api/codexlb-spec.ts';

export function dashboardUrl(spec: Pick<CodexLBSpec, 'ingress'>, serviceUrl: string): string {
  const { ingress } = spec;
  if (ingress.enabled) {
    for (const entry of ingress.hosts ?? []) {
      const routesRoot = entry.paths.some((p) => p.path === '/' && p.pathType !== 'Exact');
      if (!routesRoot) continue;
      const secure = (ingress.tls ?? []).some((tls) => (tls.hosts ?? []).includes(entry.host));
      return `${secure ? 'https' : 'http'}://${entry.host}/`;
    }
  }
  return `${serviceUrl}/`;
}
