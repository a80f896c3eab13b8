import { describe, expect, it } from 'vitest';
import { loginFailure } from './upstream-dashboard-client.ts';

const where = 'POST http://lb:2455/api/dashboard-auth/password/login';
const source = 'Secret "lb-admin-token" (key token)';
const body = (code: string) => JSON.stringify({ error: { code, message: 'x' } });

describe('loginFailure', () => {
  it('says an administrator changed the password, and how to hand the dashboard back', () => {
    const err = loginFailure('login', where, 401, body('invalid_credentials'), source);
    expect(err).toMatchObject({ kind: 'unauthorized', status: 401, code: 'invalid_credentials' });
    expect(err.message).toContain('no longer the token in Secret "lb-admin-token" (key token): an administrator changed it, or the Secret was re-created');
    expect(err.message).toContain('remove the password so that the operator sets it again');
  });

  it('tells a bootstrap token the pods do not have yet from a missing one', () => {
    expect(loginFailure('setup', where, 401, body('invalid_bootstrap_token'), source).message).toContain('CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN is not the token in Secret');
    expect(loginFailure('setup', where, 401, body('bootstrap_unavailable'), source).message).toContain('has no CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN');
  });

  it('reports rate-limited attempts as a refused login and a dashboard outage as unreachable', () => {
    expect(loginFailure('login', where, 429, body('password_rate_limited'), source)).toMatchObject({ kind: 'unauthorized', message: expect.stringContaining('too many') });
    expect(loginFailure('login', where, 503, '', source)).toMatchObject({ kind: 'unreachable' });
  });
});
