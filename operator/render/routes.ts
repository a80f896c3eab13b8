/**
 * Ingress and Gateway API routes: main, OAuth callback, and the continuity route that keeps the
 * Responses API paths of one session on one pod (ingress-nginx consistent hashing on
 * x-codex-session-id, falling back to the Authorization header; retries on connect errors and 502-504).
 */
import type { CodexLB } from '../api/crds.ts';
import type { KubeObject } from '../runtime/kube/types.ts';
import { continuityEnabled } from './effective.ts';
import { childMeta } from './meta.ts';
import { names } from './names.ts';
import { OAUTH_PORT } from './workload.ts';

export const CONTINUITY_PATHS = ['/v1/responses', '/backend-api/codex/responses'];
const OAUTH_CALLBACK_PATH = '/auth/callback';
const NGINX = 'nginx.ingress.kubernetes.io/';

/**
 * Streams must not be buffered (the official chart's coherent set), and nginx must never be the first to cut a
 * quiet stream or a slow request: its read/send timeouts follow the proxy's own stream idle timeout and request
 * budget, whichever is longer.
 */
export function nginxStreaming(cr: CodexLB): Record<string, string> {
  const { streamIdleTimeoutSeconds, requestBudgetSeconds } = cr.spec.config;
  const timeout = String(Math.max(streamIdleTimeoutSeconds, requestBudgetSeconds));
  return {
    [`${NGINX}proxy-http-version`]: '1.1',
    [`${NGINX}proxy-buffering`]: 'off',
    [`${NGINX}proxy-request-buffering`]: 'off',
    [`${NGINX}proxy-body-size`]: cr.spec.ingress.nginx.proxyBodySize,
    [`${NGINX}proxy-read-timeout`]: timeout,
    [`${NGINX}proxy-send-timeout`]: timeout,
  };
}

/**
 * The main route's set (the official chart's): a client (its API key) hashed onto one pod, a per-IP
 * request rate limit, and a single try, since a streamed answer cannot be replayed elsewhere.
 */
function nginxMainRoute(cr: CodexLB): Record<string, string> {
  const { nginx } = cr.spec.ingress;
  return {
    ...nginxStreaming(cr),
    ...(nginx.upstreamHashBy ? { [`${NGINX}upstream-hash-by`]: nginx.upstreamHashBy } : {}),
    ...(nginx.limitRPS > 0 ? { [`${NGINX}limit-rps`]: String(nginx.limitRPS) } : {}),
    [`${NGINX}proxy-next-upstream`]: nginx.proxyNextUpstream,
    [`${NGINX}proxy-next-upstream-tries`]: String(nginx.proxyNextUpstreamTries),
  };
}

function ingressSpec(cr: CodexLB, hosts: Array<{ host: string; paths: Array<{ path: string; pathType: string }> }>, backend: { service: string; port: string }) {
  const { ingress } = cr.spec;
  return {
    ingressClassName: ingress.className,
    tls: ingress.tls?.length ? ingress.tls : undefined,
    rules: hosts.map((h) => ({
      host: h.host,
      http: {
        paths: h.paths.map((p) => ({
          path: p.path,
          pathType: p.pathType,
          backend: { service: { name: backend.service, port: { name: backend.port } } },
        })),
      },
    })),
  };
}

function renderIngresses(cr: CodexLB): KubeObject[] {
  const { ingress, continuity } = cr.spec;
  if (!ingress.enabled && !ingress.oauth.enabled) return [];
  const n = names(cr.metadata.name);
  const hosts = ingress.hosts ?? [];
  const base = ingress.nginx.enabled ? nginxMainRoute(cr) : {};
  const out: KubeObject[] = [];
  if (ingress.enabled) {
    out.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: childMeta(cr, n.service, 'routing', { annotations: { ...base, ...ingress.annotations } }),
      spec: ingressSpec(cr, hosts, { service: n.service, port: 'http' }),
    });
  }
  if (ingress.enabled && continuityEnabled(cr.spec)) {
    // ingress-nginx annotations mean nothing to other controllers (and some reject unknown ones): the
    // continuity route carries them only with ingress.nginx.enabled, like the main route.
    const affinity = ingress.nginx.enabled
      ? {
          ...nginxStreaming(cr),
          ...(ingress.nginx.limitRPS > 0 ? { [`${NGINX}limit-rps`]: String(ingress.nginx.limitRPS) } : {}),
          [`${NGINX}upstream-hash-by`]: continuity.nginx.upstreamHashBy,
          [`${NGINX}proxy-next-upstream`]: continuity.nginx.proxyNextUpstream,
          [`${NGINX}proxy-next-upstream-tries`]: String(continuity.nginx.proxyNextUpstreamTries),
        }
      : {};
    const continuityHosts = hosts.map((h) => ({ host: h.host, paths: CONTINUITY_PATHS.map((path) => ({ path, pathType: 'Exact' })) }));
    out.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: childMeta(cr, n.continuity, 'routing', { annotations: { ...affinity, ...ingress.annotations } }),
      spec: ingressSpec(cr, continuityHosts, { service: n.service, port: 'http' }),
    });
  }
  if (ingress.oauth.enabled) {
    const oauthHosts = (ingress.oauth.hosts ?? hosts).map((h) => ({ host: h.host, paths: [{ path: OAUTH_CALLBACK_PATH, pathType: 'Exact' }] }));
    out.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: childMeta(cr, n.oauth, 'routing', { annotations: ingress.annotations }),
      spec: ingressSpec(cr, oauthHosts, { service: n.oauth, port: 'oauth' }),
    });
  }
  return out;
}

function httpRoute(cr: CodexLB, name: string, rules: object[]): KubeObject {
  const { gatewayAPI } = cr.spec;
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: childMeta(cr, name, 'routing', { annotations: gatewayAPI.annotations }),
    spec: { parentRefs: gatewayAPI.parentRefs, hostnames: gatewayAPI.hostnames, rules },
  };
}

function renderHTTPRoutes(cr: CodexLB): KubeObject[] {
  const { gatewayAPI, service } = cr.spec;
  if (!gatewayAPI.enabled) return [];
  const n = names(cr.metadata.name);
  const backend = { backendRefs: [{ name: n.service, port: service.port }] };
  // The user's rules (matches, filters) all lead to the main Service, as in the official chart.
  const mainRules = gatewayAPI.rules?.length ? gatewayAPI.rules.map((rule) => ({ ...rule, ...backend })) : [backend];
  const out = [httpRoute(cr, n.service, mainRules)];
  if (continuityEnabled(cr.spec)) {
    // A dedicated route so the Responses paths can carry session affinity where the Gateway supports it.
    out.push(httpRoute(cr, n.continuity, [{ matches: CONTINUITY_PATHS.map((value) => ({ path: { type: 'Exact', value } })), ...backend }]));
  }
  if (gatewayAPI.oauth.enabled && cr.spec.oauth.callbackService.enabled) {
    out.push(
      httpRoute(cr, n.oauth, [
        { matches: [{ path: { type: 'Exact', value: OAUTH_CALLBACK_PATH } }], backendRefs: [{ name: n.oauth, port: OAUTH_PORT }] },
      ]),
    );
  }
  return out;
}

export function renderRoutes(cr: CodexLB, gatewayAPIAvailable: boolean): KubeObject[] {
  return [...renderIngresses(cr), ...(gatewayAPIAvailable ? renderHTTPRoutes(cr) : [])];
}

/** Whether the spec asks for Gateway API objects (to report them as skipped when the API is absent). */
export function wantsGatewayAPI(cr: CodexLB): boolean {
  return cr.spec.gatewayAPI.enabled;
}
