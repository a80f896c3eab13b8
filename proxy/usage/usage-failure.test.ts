import { describe, expect, it } from 'vitest';
import { usageFailure } from './usage-poller.ts';

describe('usageFailure (§8.1)', () => {
  it.each([402, 404])('deactivates on HTTP %i with the upstream message in the reason', (status) => {
    expect(usageFailure({ status, body: { detail: 'Workspace not found' } })).toEqual({
      status: 'deactivated',
      reason: `Usage API error: HTTP ${status} - Workspace not found`,
    });
  });

  it('deactivates when the message says the account was deactivated', () => {
    const failure = usageFailure({ status: 403, body: { error: { message: 'Your account has been deactivated.' } } });
    expect(failure?.status).toBe('deactivated');
  });

  it('maps permanent error codes like the refresh path', () => {
    expect(usageFailure({ status: 401, body: { error: { code: 'token_invalidated', message: 'x' } } })?.status).toBe('reauth_required');
  });

  it.each([403, 401, 500, 429])('leaves the status alone for a plain HTTP %i', (status) => {
    expect(usageFailure({ status, body: { error: { message: 'Forbidden' } } })).toBeNull();
  });
});
