import { describe, expect, it } from 'vitest';
import { forbiddenEnvName, MANAGED_ENV } from './managed-env.ts';

describe('forbiddenEnvName', () => {
  it('names the spec field to use instead of an operator-managed variable', () => {
    expect(forbiddenEnvName('CODEX_LB_API_KEY_AUTH_ENABLED')).toBe('it is managed by the operator; use spec.config.apiKeyAuth.enabled');
    expect(forbiddenEnvName('CODEX_LB_FIREWALL_TRUST_PROXY_HEADERS')).toBe('it is managed by the operator; use spec.config.firewall.trustProxyHeaders');
    expect(forbiddenEnvName('POD_NAME')).toBe('it is managed by the operator (downward API)');
  });

  it.each(['NODE_OPTIONS', 'NODE_TLS_REJECT_UNAUTHORIZED', 'NODE_EXTRA_CA_CERTS', 'LD_PRELOAD'])('refuses the runtime switch %s', (name) => {
    expect(forbiddenEnvName(name)).toMatch(/variables change the code the proxy runs$/);
  });

  it.each(['CODEX_LB_ROUTING_STRATEGY', 'CODEX_LB_ENCRYPTION_KEY_FINGERPRINT_MODE', 'TZ', 'MY_NODE_NAME'])('allows the unmanaged %s', (name) => {
    expect(forbiddenEnvName(name)).toBeUndefined();
  });

  it('covers the security settings the issue saw overridden through spec.env', () => {
    for (const name of ['CODEX_LB_API_KEY_AUTH_ENABLED', 'CODEX_LB_FIREWALL_TRUST_PROXY_HEADERS', 'CODEX_LB_FIREWALL_TRUSTED_PROXY_CIDRS', 'CODEX_LB_UPSTREAM_BASE_URL', 'CODEX_LB_OAUTH_TOKEN_URL']) {
      expect(Object.keys(MANAGED_ENV)).toContain(name);
    }
  });
});
