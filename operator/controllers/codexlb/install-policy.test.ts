import { describe, expect, it } from 'vitest';
import type { CodexLB } from '../../api/crds.ts';
import { admitOffline } from '../../api/defaults.ts';
import { DEFAULT_INSTALL_POLICY, hostAllowed, imageAllowed, policyProblem, type InstallPolicy } from './install-policy.ts';

const cr = (spec: Record<string, unknown>) =>
  admitOffline({ apiVersion: 'codexlb.io/v1alpha1', kind: 'CodexLB', metadata: { name: 'lb', namespace: 'ns' }, spec } as unknown as CodexLB);
const upstream = (values: Record<string, string>) => cr({ config: { upstream: values } });

describe('install policy', () => {
  it('allows the defaults: the bundled proxy image and the upstream hosts of the proxy itself', () => {
    expect(policyProblem(cr({}), DEFAULT_INSTALL_POLICY)).toBeUndefined();
    expect(
      policyProblem(upstream({ baseURL: 'https://chatgpt.com/backend-api', oauthTokenURL: 'https://auth.openai.com/oauth/token' }), DEFAULT_INSTALL_POLICY),
    ).toBeUndefined();
  });

  it('refuses another image repository by default, naming the field and the flag', () => {
    expect(policyProblem(cr({ image: { repository: 'docker.io/attacker/proxy' } }), DEFAULT_INSTALL_POLICY)).toEqual({
      reason: 'ImageNotAllowed',
      message: 'spec.image.repository "docker.io/attacker/proxy" is not allowed by the operator\'s --allowed-images (ghcr.io/codex-lb/codex-lb-proxy, ghcr.io/soju06/codex-lb)',
    });
  });

  it('matches repositories exactly, or below a prefix ending in "/", or anything with "*"', () => {
    expect(imageAllowed('registry.corp/mirror/codex-lb-proxy', ['registry.corp/mirror/'])).toBe(true);
    expect(imageAllowed('registry.corp/mirror-evil/x', ['registry.corp/mirror/'])).toBe(false);
    expect(imageAllowed('ghcr.io/codex-lb/codex-lb-proxy-evil', ['ghcr.io/codex-lb/codex-lb-proxy'])).toBe(false);
    expect(imageAllowed('anything/at/all', ['*'])).toBe(true);
  });

  it.each([
    ['plain http', { baseURL: 'http://chatgpt.com/backend-api' }, 'spec.config.upstream.baseURL must use https (the operator runs without --allow-insecure-upstream)'],
    ['a foreign host', { baseURL: 'https://collector.example/backend-api' }, 'spec.config.upstream.baseURL names host "collector.example", which is not in the operator\'s --allowed-upstream-hosts (chatgpt.com, auth.openai.com)'],
    ['a foreign token endpoint', { oauthTokenURL: 'https://collector.example/oauth/token' }, 'spec.config.upstream.oauthTokenURL names host "collector.example"'],
    ['userinfo that hides the host', { baseURL: 'https://chatgpt.com@collector.example/' }, 'names host "collector.example"'],
  ])('refuses %s for the URLs that receive account tokens', (_what, values, message) => {
    expect(policyProblem(upstream(values), DEFAULT_INSTALL_POLICY)).toEqual({ reason: 'UpstreamNotAllowed', message: expect.stringContaining(message) });
  });

  it('allows http and other hosts only when the operator is started with the opt-ins', () => {
    const lab: InstallPolicy = { ...DEFAULT_INSTALL_POLICY, allowInsecureUpstream: true, allowedUpstreamHosts: ['127.0.0.1', '*.internal'] };
    expect(policyProblem(upstream({ baseURL: 'http://127.0.0.1:8080/backend-api', oauthTokenURL: 'http://auth.lab.internal/token' }), lab)).toBeUndefined();
    expect(hostAllowed('internal', ['*.internal'])).toBe(false);
  });
});
