/** Ingress and Gateway API routes: which annotations each controller gets, and what every route carries. */
import { describe, expect, it } from 'vitest';
import { find, render, replicatedSpec } from './testing.ts';

const NGINX = 'nginx.ingress.kubernetes.io/';
const nginxKeys = (obj: { metadata: { annotations?: Record<string, string> } }) => Object.keys(obj.metadata.annotations ?? {}).filter((k) => k.startsWith(NGINX));

describe('continuity Ingress', () => {
  it('carries no ingress-nginx annotations for another Ingress controller (issue 11, defect 7)', () => {
    const objects = render({ ...replicatedSpec, ingress: { enabled: true, className: 'traefik', hosts: [{ host: 'lb.example.com' }] } });
    expect(nginxKeys(find(objects, 'Ingress', 'lb-responses'))).toEqual([]);
    expect(nginxKeys(find(objects, 'Ingress', 'lb'))).toEqual([]);
  });

  it('hashes sessions onto one pod and retries on connect errors with ingress-nginx', () => {
    const objects = render({ ...replicatedSpec, ingress: { enabled: true, className: 'nginx', hosts: [{ host: 'lb.example.com' }], nginx: { enabled: true } } });
    expect(find(objects, 'Ingress', 'lb-responses').metadata.annotations).toMatchObject({
      [`${NGINX}upstream-hash-by`]: '$http_x_codex_session_id$http_authorization',
      [`${NGINX}proxy-next-upstream`]: 'error timeout http_502 http_503 http_504 invalid_header',
      [`${NGINX}proxy-next-upstream-tries`]: '2',
      [`${NGINX}proxy-buffering`]: 'off',
    });
  });
});

describe('main Ingress with ingress-nginx', () => {
  const ingress = { enabled: true, className: 'nginx', hosts: [{ host: 'lb.example.com' }], nginx: { enabled: true } };

  it("carries the official chart's set: one client per pod, a per-IP rate limit, one try", () => {
    expect(find(render({ ...replicatedSpec, ingress }), 'Ingress', 'lb').metadata.annotations).toMatchObject({
      [`${NGINX}upstream-hash-by`]: '$http_authorization',
      [`${NGINX}limit-rps`]: '100',
      [`${NGINX}proxy-next-upstream`]: 'error',
      [`${NGINX}proxy-next-upstream-tries`]: '1',
      [`${NGINX}proxy-body-size`]: '50m',
    });
  });

  it('leaves out hashing and the rate limit when turned off, and user annotations win', () => {
    const tuned = { ...ingress, nginx: { enabled: true, upstreamHashBy: '', limitRPS: 0, proxyBodySize: '200m' }, annotations: { [`${NGINX}proxy-next-upstream-tries`]: '3' } };
    const annotations = find(render({ ...replicatedSpec, ingress: tuned }), 'Ingress', 'lb').metadata.annotations;
    expect(annotations[`${NGINX}upstream-hash-by`]).toBeUndefined();
    expect(annotations[`${NGINX}limit-rps`]).toBeUndefined();
    expect(annotations[`${NGINX}proxy-body-size`]).toBe('200m');
    expect(annotations[`${NGINX}proxy-next-upstream-tries`]).toBe('3');
  });
});

describe('Gateway API routes', () => {
  const gatewayAPI = { enabled: true, parentRefs: [{ name: 'gw', namespace: 'edge' }], hostnames: ['lb.example.com'] };

  it('send every custom rule, with its matches and filters, to the main Service, and carry the annotations', () => {
    const rules = [
      { matches: [{ path: { type: 'PathPrefix', value: '/v1' } }], filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-edge', value: '1' }] } }] },
      { matches: [{ path: { type: 'PathPrefix', value: '/backend-api' } }] },
    ];
    const route = find(render({ ...replicatedSpec, gatewayAPI: { ...gatewayAPI, rules, annotations: { 'team.example/owner': 'ai' } } }), 'HTTPRoute', 'lb');
    expect(route.metadata.annotations).toMatchObject({ 'team.example/owner': 'ai' });
    expect(route.spec.rules).toEqual(rules.map((r) => ({ ...r, backendRefs: [{ name: 'lb', port: 80 }] })));
  });

  it('route everything to the main Service without custom rules', () => {
    expect(find(render({ ...replicatedSpec, gatewayAPI }), 'HTTPRoute', 'lb').spec.rules).toEqual([{ backendRefs: [{ name: 'lb', port: 80 }] }]);
  });
});
