/**
 * The session cookie and the CSRF token (pure). The cookie is HttpOnly (page scripts never see the session id),
 * SameSite=Strict (no other site's page makes the browser send it), Path=/, and Secure when the dashboard is
 * reached over https. The CSRF token is an HMAC of the session id under a key derived from the encryption key:
 * bound to one session, checkable by any replica, and never stored. The page reads it from the session answer
 * (a same-origin fetch another site cannot read) and sends it back in `X-CSRF-Token` on every state change.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'codex_lb_dashboard_session';
export const CSRF_HEADER = 'x-csrf-token';

export interface CookieOptions {
  secure: boolean;
  maxAgeSeconds: number;
}

export function sessionCookie(value: string, options: CookieOptions): string {
  const parts = [`${SESSION_COOKIE}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Strict', `Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`];
  if (options.secure) parts.push('Secure');
  return parts.join('; ');
}

export function clearedSessionCookie(secure: boolean): string {
  return sessionCookie('', { secure, maxAgeSeconds: 0 });
}

/** The session id from a `Cookie` header; undefined when absent or not one of ours (ids are base64url). */
export function sessionIdFrom(cookieHeader: string | undefined): string | undefined {
  for (const part of (cookieHeader ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === SESSION_COOKIE) {
      const value = rest.join('=');
      return /^[A-Za-z0-9_-]{16,128}$/.test(value) ? value : undefined;
    }
  }
  return undefined;
}

export function csrfTokenFor(key: Buffer, sessionId: string): string {
  return createHmac('sha256', key).update(`csrf:${sessionId}`).digest('base64url');
}

export function csrfTokenMatches(key: Buffer, sessionId: string, presented: string | undefined): boolean {
  if (presented === undefined) return false;
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(presented), digest(csrfTokenFor(key, sessionId)));
}
