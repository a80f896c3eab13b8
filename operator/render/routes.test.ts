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
