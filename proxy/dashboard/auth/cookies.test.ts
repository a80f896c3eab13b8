import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { clearedSessionCookie, csrfTokenFor, csrfTokenMatches, sessionCookie, sessionIdFrom } from './cookies.ts';

describe('session cookie', () => {
  it('is HttpOnly, SameSite=Strict, Path=/, and Secure only when asked', () => {
    expect(sessionCookie('abc', { secure: false, maxAgeSeconds: 60.7 })).toBe('codex_lb_dashboard_session=abc; Path=/; HttpOnly; SameSite=Strict; Max-Age=60');
    expect(sessionCookie('abc', { secure: true, maxAgeSeconds: 60 })).toMatch(/; Secure$/);
    expect(clearedSessionCookie(false)).toBe('codex_lb_dashboard_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0');
  });

  it('reads only a well-formed id of ours from the Cookie header', () => {
    const id = randomBytes(32).toString('base64url');
    expect(sessionIdFrom(`a=1; codex_lb_dashboard_session=${id}; b=2`)).toBe(id);
    expect(sessionIdFrom('codex_lb_dashboard_session=short')).toBeUndefined();
    expect(sessionIdFrom('codex_lb_dashboard_session=<script>alert(1)</script>xxxxxxxxx')).toBeUndefined();
    expect(sessionIdFrom(undefined)).toBeUndefined();
  });
});

describe('CSRF token', () => {
  const key = randomBytes(32);

  it('is bound to one session and one key', () => {
    const token = csrfTokenFor(key, 'session-a');
    expect(csrfTokenMatches(key, 'session-a', token)).toBe(true);
    expect(csrfTokenMatches(key, 'session-b', token)).toBe(false);
    expect(csrfTokenMatches(randomBytes(32), 'session-a', token)).toBe(false);
    expect(csrfTokenMatches(key, 'session-a', undefined)).toBe(false);
    expect(csrfTokenMatches(key, 'session-a', '')).toBe(false);
  });
});
