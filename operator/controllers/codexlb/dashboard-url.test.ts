import { describe, expect, it } from 'vitest';
import { dashboardUrl } from './dashboard-url.ts';

const service = 'http://lb.team.svc.cluster.local:80';
const root = [{ path: '/', pathType: 'Prefix' as const }];
type Ingress = Parameters<typeof dashboardUrl>[0]['ingress'];
const ingress = (over: Partial<Ingress>): { ingress: Ingress } => ({ ingress: { enabled: true, nginx: { enabled: false }, oauth: { enabled: false }, ...over } as Ingress });

describe('dashboardUrl', () => {
  it('is the Service URL without an Ingress', () => {
    expect(dashboardUrl(ingress({ enabled: false, hosts: [{ host: 'lb.example.com', paths: root }] }), service)).toBe(`${service}/`);
  });

  it('is the first Ingress host that routes /, https when its certificate covers it', () => {
    expect(dashboardUrl(ingress({ hosts: [{ host: 'lb.example.com', paths: root }] }), service)).toBe('http://lb.example.com/');
    const tls = [{ secretName: 'cert', hosts: ['lb.example.com'] }];
    expect(dashboardUrl(ingress({ hosts: [{ host: 'lb.example.com', paths: root }], tls }), service)).toBe('https://lb.example.com/');
  });

  it('skips hosts that route only API paths', () => {
    const hosts = [
      { host: 'api.example.com', paths: [{ path: '/v1', pathType: 'Prefix' as const }] },
      { host: 'ui.example.com', paths: [{ path: '/', pathType: 'Prefix' as const }] },
    ];
    expect(dashboardUrl(ingress({ hosts }), service)).toBe('http://ui.example.com/');
    expect(dashboardUrl(ingress({ hosts: hosts.slice(0, 1) }), service)).toBe(`${service}/`);
  });
});
