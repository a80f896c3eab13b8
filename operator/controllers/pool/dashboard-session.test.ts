import { describe, expect, it } from 'vitest';
import { DashboardSession, fingerprint, sessionCookie } from './dashboard-session.ts';

describe('sessionCookie', () => {
  it('finds the dashboard session among Set-Cookie headers and dates its expiry from Max-Age', () => {
    const headers = ['other=1; Path=/', 'codex_lb_dashboard_session=gAAAA-abc=; HttpOnly; Max-Age=43200; Path=/; SameSite=lax'];
    expect(sessionCookie(headers, 1_000)).toEqual({ value: 'gAAAA-abc=', expiresAt: 1_000 + 43_200_000 });
  });

  it('ignores a cleared cookie and headers without one', () => {
    expect(sessionCookie('codex_lb_dashboard_session=""; Max-Age=0; Path=/', 0)).toBeUndefined();
    expect(sessionCookie(undefined, 0)).toBeUndefined();
  });
});

describe('DashboardSession', () => {
  const token = fingerprint('token-a');

  it('serves its cookie until a minute before expiry, and only for the token it was opened with', async () => {
    let now = 0;
    const session = new DashboardSession(() => now);
    expect(await session.open(token, async () => ({ value: 'c1', expiresAt: 3_600_000 }))).toBe('c1');
    expect(session.current(token)).toBe('c1');
    expect(session.current(fingerprint('token-b'))).toBeUndefined();
    now = 3_540_000;
    expect(session.current(token)).toBeUndefined();
  });

  it('logs in once for concurrent callers', async () => {
    const session = new DashboardSession(() => 0);
    let logins = 0;
    const login = async () => (logins++, { value: 'c', expiresAt: 3_600_000 });
    await Promise.all(Array.from({ length: 5 }, () => session.open(token, login)));
    expect(logins).toBe(1);
  });

  it('remembers a failed login for a minute, so reconciles do not spend the login attempts upstream allows', async () => {
    let now = 0;
    const session = new DashboardSession(() => now);
    const refused = new Error('refused');
    await expect(session.open(token, async () => Promise.reject(refused))).rejects.toBe(refused);
    expect(session.recentFailure(token)).toBe(refused);
    expect(session.recentFailure(fingerprint('rotated'))).toBeUndefined();
    now = 60_000;
    expect(session.recentFailure(token)).toBeUndefined();
  });

  it('drops a cookie the dashboard refused, but not a newer one', async () => {
    const session = new DashboardSession(() => 0);
    await session.open(token, async () => ({ value: 'old', expiresAt: 3_600_000 }));
    session.invalidate('other');
    expect(session.current(token)).toBe('old');
    session.invalidate('old');
    expect(session.current(token)).toBeUndefined();
  });

  it('never holds the token itself', () => {
    expect(fingerprint('secret-token')).toMatch(/^sha256:[0-9a-f]{16}$/);
  });
});
