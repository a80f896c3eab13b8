/**
 * The operator's login sessions to official codex-lb dashboards, one per installation, kept across
 * reconciles (AdminAccess opens a new client per pass, the session outlives it).
 *
 * Upstream's session is a stateless encrypted cookie (`codex_lb_dashboard_session`, `Max-Age` = the
 * dashboard's session TTL, ≥ 1 h), valid on every replica that shares the encryption key. A session is
 * used until a minute before it expires, or until a call answers 401. A failed login is remembered for a
 * minute: upstream allows 8 password attempts per client address per minute, and a reconcile per
 * resource must not spend them (nor lock human administrators behind the operator's address out).
 *
 * Each session is bound to a fingerprint of the token it was opened with, so a rotated token logs in
 * again; the token itself is never stored here, and the cookie never leaves this module but in a
 * Cookie header.
 */
import { createHash } from 'node:crypto';

export const SESSION_COOKIE = 'codex_lb_dashboard_session';
const RENEW_BEFORE_MS = 60_000;
const FAILURE_MEMORY_MS = 60_000;

/** `sha256:` + 16 hex digits: tells tokens apart, reveals nothing. */
export function fingerprint(token: string): string {
  return `sha256:${createHash('sha256').update(token).digest('hex').slice(0, 16)}`;
}

/** The session cookie in a login answer's Set-Cookie headers, and when it expires (epoch ms). Pure. */
export function sessionCookie(setCookie: string | string[] | undefined, now: number): { value: string; expiresAt: number } | undefined {
  for (const header of [setCookie ?? []].flat()) {
    const [pair = '', ...attributes] = header.split(';');
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== SESSION_COOKIE) continue;
    const value = pair.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1');
    if (!value) continue;
    let expiresAt = now + 3600_000;
    for (const attribute of attributes) {
      const [name = '', raw = ''] = attribute.split('=').map((s) => s.trim());
      if (name.toLowerCase() === 'max-age' && /^-?\d+$/.test(raw)) expiresAt = now + Number(raw) * 1000;
    }
    return { value, expiresAt };
  }
  return undefined;
}

/** One installation's session: the cookie (or '' for a dashboard that needs none), a remembered failure, a login under way. */
export class DashboardSession {
  #cookie: { value: string; expiresAt: number; fingerprint: string } | undefined;
  #failure: { error: Error; at: number; fingerprint: string } | undefined;
  #login: Promise<string> | undefined;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** The cookie to send, when the session is open for this token and not about to expire. */
  current(print: string): string | undefined {
    const c = this.#cookie;
    return c && c.fingerprint === print && this.#now() < c.expiresAt - RENEW_BEFORE_MS ? c.value : undefined;
  }

  /** The failure of a login with this token less than a minute ago, if any. */
  recentFailure(print: string): Error | undefined {
    const f = this.#failure;
    return f && f.fingerprint === print && this.#now() - f.at < FAILURE_MEMORY_MS ? f.error : undefined;
  }

  /** Runs `login` once for all concurrent callers; stores what it yields, remembers how it failed. */
  open(print: string, login: () => Promise<{ value: string; expiresAt: number }>): Promise<string> {
    this.#login ??= login().then(
      (cookie) => {
        this.#cookie = { ...cookie, fingerprint: print };
        this.#failure = undefined;
        this.#login = undefined;
        return cookie.value;
      },
      (error: Error) => {
        this.#cookie = undefined;
        this.#failure = { error, at: this.#now(), fingerprint: print };
        this.#login = undefined;
        throw error;
      },
    );
    return this.#login;
  }

  /** Drops the cookie (the dashboard answered 401 with it). */
  invalidate(value: string): void {
    if (this.#cookie?.value === value) this.#cookie = undefined;
  }
}

/** Sessions by installation (poolKey): a re-created CodexLB is a new installation and logs in afresh. */
export class DashboardSessions {
  readonly #sessions = new Map<string, DashboardSession>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  for(key: string): DashboardSession {
    let session = this.#sessions.get(key);
    if (!session) this.#sessions.set(key, (session = new DashboardSession(this.#now)));
    return session;
  }

  forget(key: string): void {
    this.#sessions.delete(key);
  }
}
