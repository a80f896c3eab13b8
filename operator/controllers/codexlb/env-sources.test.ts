import { describe, expect, it } from 'vitest';
import { envFromProblem } from './env-sources.ts';

describe('envFromProblem', () => {
  it('refuses a source whose keys, with its prefix, would override a managed setting', () => {
    expect(envFromProblem([{ source: 'envFrom[0] (ConfigMap "tuning")', prefix: 'CODEX_LB_', keys: ['ROUTING_STRATEGY', 'API_KEY_AUTH_ENABLED'] }])).toEqual({
      reason: 'ManagedEnvOverride',
      message:
        'spec.envFrom[0] (ConfigMap "tuning") would set CODEX_LB_API_KEY_AUTH_ENABLED, which it may not: it is managed by the operator; use spec.config.apiKeyAuth.enabled',
    });
  });

  it('refuses runtime switches smuggled in through keys or a prefix that completes them', () => {
    expect(envFromProblem([{ source: 'envFrom[1] (Secret "s")', prefix: '', keys: ['NODE_OPTIONS'] }])?.message).toContain('would set NODE_OPTIONS');
    expect(envFromProblem([{ source: 'envFrom[0] (ConfigMap "c")', prefix: 'N', keys: ['ODE_OPTIONS'] }])?.message).toContain('would set NODE_OPTIONS');
  });

  it('accepts unmanaged proxy settings', () => {
    expect(envFromProblem([{ source: 'envFrom[0] (ConfigMap "tuning")', prefix: 'CODEX_LB_', keys: ['ROUTING_STRATEGY', 'PROXY_ACCOUNT_STREAM_LIMIT'] }])).toBeUndefined();
  });
});
