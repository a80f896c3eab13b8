import { describe, expect, it } from 'vitest';
import type { CodexLB } from '../../api/crds.ts';
import { admitOffline } from '../../api/defaults.ts';
import { adminEndpoints, parseEndpointFlag } from './endpoints.ts';

const cr = (namespace: string, name: string, spec: Record<string, unknown> = {}): CodexLB =>
  admitOffline({ apiVersion: 'codexlb.io/v1alpha1', kind: 'CodexLB', metadata: { name, namespace }, spec } as unknown as CodexLB);

describe('admin endpoints', () => {
  it('in a cluster, reach the CodexLB Service by its DNS name and port', () => {
    expect(adminEndpoints().resolve(cr('codex', 'prod'))).toBe('http://prod.codex.svc.cluster.local:80');
    const custom = cr('team', 'lb', { service: { port: 8080 }, topology: { clusterDomain: 'corp.local' } });
    expect(adminEndpoints().resolve(custom)).toBe('http://lb.team.svc.corp.local:8080');
  });

  it('use an explicit URL for a listed installation, and nothing for others when the fallback is off', () => {
    const endpoints = adminEndpoints(new Map([['codex/prod', 'http://127.0.0.1:2455/']]), 'none');
    expect(endpoints.resolve(cr('codex', 'prod'))).toBe('http://127.0.0.1:2455');
    expect(endpoints.resolve(cr('codex', 'other'))).toBeUndefined();
  });

  it('parse --admin-endpoint namespace/name=URL and refuse anything else', () => {
    expect(parseEndpointFlag('codex/prod=http://127.0.0.1:2455')).toEqual(['codex/prod', 'http://127.0.0.1:2455']);
    expect(() => parseEndpointFlag('prod=http://127.0.0.1:2455')).toThrow(/namespace\/name=/);
    expect(() => parseEndpointFlag('codex/prod=ftp://x')).toThrow();
  });
});
