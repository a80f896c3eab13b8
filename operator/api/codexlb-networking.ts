/** CodexLB.spec fields that expose the proxy: Services, Ingress, Gateway API routes, continuity routing, NetworkPolicy. */
import { array, boolean, embedded, enumOf, integer, object, string, stringMap } from './schema.ts';

export const service = object(
  {
    type: enumOf(['ClusterIP', 'NodePort', 'LoadBalancer'], { description: 'Type of the main Service.', default: 'ClusterIP' }),
    port: integer({ description: 'Port of the main Service (the container always listens on 2455).', default: 80, minimum: 1, maximum: 65535 }),
    nodePort: integer({ description: 'Node port (NodePort/LoadBalancer only).', minimum: 30000, maximum: 32767 }),
    loadBalancerIP: string({ description: 'Requested load balancer address (LoadBalancer only; honoured by some cloud providers).', maxLength: 64 }),
    loadBalancerSourceRanges: array(string({ description: 'A CIDR.', pattern: '^[0-9a-fA-F:.]+/[0-9]{1,3}$' }), {
      description: 'Client ranges the cloud load balancer admits (LoadBalancer only).',
      maxItems: 64,
    }),
    annotations: stringMap({ description: 'Annotations of the main Service.' }),
  },
  {
    description: 'The main Service (API and dashboard).',
    default: {},
    rules: [
      {
        rule: "!has(self.nodePort) || self.type in ['NodePort', 'LoadBalancer']",
        message: 'service.nodePort is only valid for service.type NodePort or LoadBalancer',
      },
      {
        rule: "self.type == 'LoadBalancer' || (!has(self.loadBalancerIP) && !has(self.loadBalancerSourceRanges))",
        message: 'service.loadBalancerIP and service.loadBalancerSourceRanges are only valid for service.type LoadBalancer',
      },
    ],
  },
);

export const oauth = object(
  {
    callbackService: object(
      {
        enabled: boolean({ description: 'Create Service <name>-oauth on port 1455 (e.g. for kubectl port-forward).', default: false }),
        type: enumOf(['ClusterIP', 'NodePort', 'LoadBalancer'], { description: 'Service type.', default: 'ClusterIP' }),
      },
      { description: 'OAuth callback Service.', default: {} },
    ),
  },
  { description: 'The OAuth login callback (port 1455).', default: {} },
);

const ingressPath = object(
  {
    path: string({ description: 'URL path.', default: '/', pattern: '^/' }),
    pathType: enumOf(['Prefix', 'Exact', 'ImplementationSpecific'], { description: 'Path match type.', default: 'Prefix' }),
  },
  { description: 'An Ingress path.' },
);
const ingressHost = object(
  {
    host: string({ description: 'Host name.', required: true, minLength: 1 }),
    paths: array(ingressPath, { description: 'Paths routed to the proxy.', default: [{ path: '/', pathType: 'Prefix' }], maxItems: 16 }),
  },
  { description: 'An Ingress host.' },
);
const ingressTLS = object(
  {
    secretName: string({ description: 'TLS Secret.', required: true }),
    hosts: array(string({ description: 'Host.' }), { description: 'Hosts covered by the certificate.', maxItems: 16 }),
  },
  { description: 'Ingress TLS.' },
);

export const ingress = object(
  {
    enabled: boolean({ description: 'Create Ingress <name>.', default: false }),
    className: string({ description: 'IngressClass name.' }),
    annotations: stringMap({ description: 'Extra Ingress annotations (win over the nginx set).' }),
    hosts: array(ingressHost, { description: 'Hosts.', maxItems: 16 }),
    tls: array(ingressTLS, { description: 'TLS.', maxItems: 16 }),
    nginx: object(
      {
        enabled: boolean({
          description:
            'Add the ingress-nginx annotation set to the main and continuity Ingresses: no buffering, timeouts that follow the ' +
            'stream idle timeout, the settings below. Leave off for other Ingress controllers.',
          default: false,
        }),
        upstreamHashBy: string({
          description: 'Main route upstream-hash-by: one client (API key) keeps to one pod; empty turns hashing off.',
          default: '$http_authorization',
          maxLength: 256,
        }),
        limitRPS: integer({ description: 'Main route limit-rps per client IP; 0 leaves it out.', default: 100, minimum: 0, maximum: 100000 }),
        proxyNextUpstream: string({ description: 'Main route proxy-next-upstream (retry conditions).', default: 'error', maxLength: 256 }),
        proxyNextUpstreamTries: integer({ description: 'Main route proxy-next-upstream-tries.', default: 1, minimum: 1, maximum: 10 }),
        proxyBodySize: string({ description: 'proxy-body-size (largest request body nginx passes).', default: '50m', pattern: '^[0-9]+[kKmMgG]?$' }),
      },
      { description: 'ingress-nginx tuning.', default: {} },
    ),
    oauth: object(
      {
        enabled: boolean({ description: 'Create Ingress <name>-oauth for /auth/callback (needs oauth.callbackService).', default: false }),
        hosts: array(ingressHost, { description: 'Hosts.', maxItems: 16 }),
      },
      { description: 'OAuth callback Ingress.', default: {} },
    ),
  },
  { description: 'Ingress routes.', default: {} },
);

const parentRef = object(
  {
    name: string({ description: 'Gateway name.', required: true }),
    namespace: string({ description: 'Gateway namespace (defaults to the route namespace).' }),
    sectionName: string({ description: 'Listener name.' }),
  },
  { description: 'A Gateway API parentRef.' },
);

const routeRule = object(
  {
    matches: array(embedded<Record<string, unknown>>({ description: 'A Gateway API HTTPRouteMatch (path, headers, queryParams, method).' }), {
      description: 'Requests this rule takes (all when empty).',
      maxItems: 8,
    }),
    filters: array(embedded<Record<string, unknown>>({ description: 'A Gateway API HTTPRouteFilter (header modifiers, redirects, URL rewrites...).' }), {
      description: 'Filters applied to matching requests.',
      maxItems: 16,
    }),
  },
  { description: 'An HTTPRoute rule; the operator adds the backend (the main Service).' },
);

export const gatewayAPI = object(
  {
    enabled: boolean({ description: 'Create HTTPRoute <name> (skipped when the Gateway API CRDs are absent).', default: false }),
    parentRefs: array(parentRef, { description: 'Gateways the routes attach to.', default: [], maxItems: 8 }),
    hostnames: array(string({ description: 'Hostname.' }), { description: 'Route hostnames.', maxItems: 16 }),
    annotations: stringMap({ description: 'Annotations of every HTTPRoute.' }),
    rules: array(routeRule, {
      description: 'Rules of the main HTTPRoute, each sent to the main Service; one catch-all rule when empty.',
      maxItems: 16,
    }),
    oauth: object(
      { enabled: boolean({ description: 'Create HTTPRoute <name>-oauth for /auth/callback.', default: false }) },
      { description: 'OAuth callback route.', default: {} },
    ),
  },
  {
    description: 'Gateway API routes.',
    default: {},
    rules: [
      {
        rule: '!self.enabled || self.parentRefs.size() > 0',
        message: 'gatewayAPI.parentRefs is required when gatewayAPI.enabled is true',
        fieldPath: '.parentRefs',
      },
    ],
  },
);

export const continuity = object(
  {
    enabled: boolean({
      description:
        'Route /v1/responses and /backend-api/codex/responses through a dedicated Ingress/HTTPRoute that keeps a session on ' +
        'one pod. Unset: on in Replicated mode, off in Standalone.',
    }),
    nginx: object(
      {
        upstreamHashBy: string({
          description: 'ingress-nginx hash key; sessions without x-codex-session-id fall back to the Authorization header.',
          default: '$http_x_codex_session_id$http_authorization',
        }),
        proxyNextUpstream: string({
          description: 'Retry conditions.',
          default: 'error timeout http_502 http_503 http_504 invalid_header',
        }),
        proxyNextUpstreamTries: integer({ description: 'Retry count.', default: 2, minimum: 1, maximum: 10 }),
      },
      { description: 'ingress-nginx affinity and retry settings of the continuity Ingress (with ingress.nginx.enabled).', default: {} },
    ),
  },
  { description: 'Session continuity routing for the Responses API.', default: {} },
);

const peers = (description: string) =>
  array(embedded<Record<string, unknown>>({ description: 'A NetworkPolicyPeer (podSelector, namespaceSelector, ipBlock).' }), {
    description,
    default: [],
    maxItems: 16,
  });

export const networkPolicy = object(
  {
    enabled: boolean({
      description:
        'Create a NetworkPolicy: ingress only from the listed peers, sibling pods, the operator and metrics scrapers; egress only to ' +
        'DNS, the database, the upstream (443 or the URL ports), sibling pods, the tracing collector and extraEgress.',
      default: false,
    }),
    ingressFrom: peers('Peers allowed to reach the API port, e.g. the ingress controller namespace. Empty: only in-cluster peers listed above.'),
    databaseTo: peers('Where the database is (egress on its port); empty: any address. The managed CloudNativePG cluster is always allowed.'),
    extraIngress: array(embedded<Record<string, unknown>>({ description: 'A NetworkPolicyIngressRule.' }), {
      description: 'Ingress rules appended as they are.',
      maxItems: 16,
    }),
    extraEgress: array(embedded<Record<string, unknown>>({ description: 'A NetworkPolicyEgressRule.' }), {
      description: 'Egress rules appended as they are (e.g. an HTTP proxy, a CA endpoint).',
      maxItems: 16,
    }),
  },
  { description: 'Network isolation of the proxy pods.', default: {} },
);
