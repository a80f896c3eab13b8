/**
 * Dashboard login, sessions and CSRF for `/api/*` (proxy/dashboard/README.md "Security"). Everything the browser
 * holds is an HttpOnly session cookie and, in memory, the session's CSRF token; the admin token, account tokens
 * and API keys never reach it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP, type BlockList } from 'node:net';
import type { IncomingHttpHeaders } from 'node:http';
import type { Request, Response } from 'express';
import { isLocalRequest, normalizeIp, type ProxyTrust } from '../../http/client-ip.ts';
import { contextOf } from '../../http/request-context.ts';
import { dashboardErrors } from '../errors.ts';
import type { SettingsRow } from '../settings/settings-row.ts';
import { entryFor, sessionHolds, type AuthMode, type Entry, type RequestFacts } from './access.ts';
import { clearedSessionCookie, CSRF_HEADER, csrfTokenFor, csrfTokenMatches, sessionCookie, sessionIdFrom } from './cookies.ts';
import { LoginLimiter } from './login-limiter.ts';
import { acceptablePassword, hashPassword, verifyPassword } from './password.ts';
import type { OpenSession, SessionMethod, SessionStore } from './sessions.ts';

/** `GET /api/dashboard-auth/session` (upstream's DashboardAuthSessionResponse fields that apply here). */
export interface SessionAnswer {
  authenticated: boolean;
  authMode: AuthMode;
  passwordRequired: boolean;
  bootstrapRequired: boolean;
  bootstrapTokenConfigured: boolean;
  passwordManagementEnabled: boolean;
  authMethod: SessionMethod | null;
  user: { username: string } | null;
  /** Present when authenticated: send it back as `X-CSRF-Token` on every POST/PUT/PATCH/DELETE. */
  csrfToken?: string;
}

export interface AuthedSession extends OpenSession {
  readonly id: string;
}

export interface DashboardAuthOptions {
  readonly mode: AuthMode;
  /** `CODEX_LB_DASHBOARD_AUTH_PROXY_HEADER`. */
  readonly proxyHeader: string;
  readonly bootstrapToken: string | null;
  readonly trust: ProxyTrust;
  readonly row: SettingsRow;
  readonly sessions: SessionStore;
  /** HMAC key of the CSRF tokens (derived from the encryption key: the same on every replica). */
  readonly csrfKey: Buffer;
  readonly limiter?: LoginLimiter;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function listed(list: BlockList, ip: string | undefined): boolean {
  return ip !== undefined && isIP(ip) !== 0 && list.check(ip, isIP(ip) === 6 ? 'ipv6' : 'ipv4');
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const raw = headers[name.toLowerCase()];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  return value === undefined || value === '' ? undefined : value;
}

const sameSecret = (a: string, b: string): boolean => {
  const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(a), digest(b));
};

export class DashboardAuth {
  readonly #options: DashboardAuthOptions;
  readonly #limiter: LoginLimiter;

  constructor(options: DashboardAuthOptions) {
    this.#options = options;
    this.#limiter = options.limiter ?? new LoginLimiter();
  }

  get mode(): AuthMode {
    return this.#options.mode;
  }

  facts(req: Request, res: Response): RequestFacts {
    const peer = normalizeIp(req.socket.remoteAddress);
    const viaTrustedProxy = this.#options.trust.trustProxyHeaders && listed(this.#options.trust.trustedProxies, peer);
    const fromTrustedProxy = listed(this.#options.trust.trustedProxies, peer);
    const trustedUser = this.#options.mode === 'trusted_header' && fromTrustedProxy ? header(req.headers, this.#options.proxyHeader) : undefined;
    return { local: isLocalRequest(contextOf(res).clientIp, req.headers, viaTrustedProxy), trustedUser };
  }

  /** The session of this request, when its cookie names one that still holds; undefined otherwise. */
  async current(req: Request, res: Response): Promise<AuthedSession | undefined> {
    const id = sessionIdFrom(req.headers.cookie);
    if (id === undefined) return undefined;
    const row = await this.#options.row.read();
    const session = await this.#options.sessions.find(id, row.passwordGeneration);
    if (session === undefined) return undefined;
    if (!sessionHolds(session.method, session.subject, this.#options.mode, row.passwordHash !== null, this.facts(req, res))) return undefined;
    return { ...session, id };
  }

  /** Middleware body for every `/api/*` route but the login ones: 401 without a session, 403 without CSRF on writes. */
  async require(req: Request, res: Response): Promise<AuthedSession> {
    const session = await this.current(req, res);
    if (session === undefined) throw await this.#refusal(req, res);
    if (!SAFE_METHODS.has(req.method.toUpperCase()) && !csrfTokenMatches(this.#options.csrfKey, session.id, header(req.headers, CSRF_HEADER))) {
      throw dashboardErrors.csrfFailed();
    }
    return session;
  }

  /** Like require() but for the session routes themselves: CSRF on writes when a session exists. */
  checkCsrf(req: Request, session: AuthedSession): void {
    if (!csrfTokenMatches(this.#options.csrfKey, session.id, header(req.headers, CSRF_HEADER))) throw dashboardErrors.csrfFailed();
  }

  /**
   * `GET /api/dashboard-auth/session`: describes the session, and opens one when this caller may enter without
   * credentials (local before a password exists, the trusted proxy's user, auth disabled).
   */
  async describe(req: Request, res: Response): Promise<SessionAnswer> {
    const row = await this.#options.row.read();
    const passwordSet = row.passwordHash !== null;
    let session = await this.current(req, res);
    const entry = entryFor(this.#options.mode, passwordSet, this.facts(req, res));
    if (session === undefined && entry.kind === 'open') session = await this.#open(req, res, entry.method, entry.subject, row.passwordGeneration);
    return this.#answer(session, entry, passwordSet);
  }

  async loginWithPassword(req: Request, res: Response, password: unknown): Promise<SessionAnswer> {
    if (this.#options.mode !== 'standard') throw dashboardErrors.passwordManagementDisabled(this.#options.mode);
    const client = this.#client(res);
    this.#throttle(client);
    const row = await this.#options.row.read();
    if (row.passwordHash === null) throw dashboardErrors.passwordNotConfigured();
    if (typeof password !== 'string' || !(await verifyPassword(password, row.passwordHash))) {
      this.#limiter.failed(client);
      throw dashboardErrors.invalidCredentials();
    }
    this.#limiter.succeeded(client);
    const session = await this.#open(req, res, 'password', 'admin', row.passwordGeneration);
    return this.#answer(session, { kind: 'password' }, true);
  }

  /**
   * Sets the first password. Allowed to a caller who may enter without one (a local caller) or holds a session,
   * and to a remote caller presenting `CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN`. Ends every session opened before.
   */
  async setupPassword(req: Request, res: Response, body: { password?: unknown; bootstrapToken?: unknown }): Promise<SessionAnswer> {
    if (this.#options.mode !== 'standard') throw dashboardErrors.passwordManagementDisabled(this.#options.mode);
    const row = await this.#options.row.read();
    if (row.passwordHash !== null) throw dashboardErrors.passwordAlreadyConfigured();
    const session = await this.current(req, res);
    if (session !== undefined) this.checkCsrf(req, session);
    else if (!this.facts(req, res).local) this.#checkBootstrapToken(res, body.bootstrapToken);
    if (!acceptablePassword(body.password)) throw dashboardErrors.weakPassword();
    const generation = await this.#options.row.setPassword(await hashPassword(body.password), row.passwordGeneration);
    if (generation === undefined) throw dashboardErrors.passwordAlreadyConfigured();
    const opened = await this.#open(req, res, 'password', 'admin', generation);
    return this.#answer(opened, { kind: 'password' }, true);
  }

  /** Changes the password (the current one is required); every other session ends. */
  async changePassword(req: Request, res: Response, session: AuthedSession, body: { currentPassword?: unknown; newPassword?: unknown }): Promise<SessionAnswer> {
    if (this.#options.mode !== 'standard') throw dashboardErrors.passwordManagementDisabled(this.#options.mode);
    const client = this.#client(res);
    this.#throttle(client);
    const row = await this.#options.row.read();
    if (row.passwordHash === null) throw dashboardErrors.passwordNotConfigured();
    if (typeof body.currentPassword !== 'string' || !(await verifyPassword(body.currentPassword, row.passwordHash))) {
      this.#limiter.failed(client);
      throw dashboardErrors.invalidCredentials();
    }
    if (!acceptablePassword(body.newPassword)) throw dashboardErrors.weakPassword();
    const generation = await this.#options.row.setPassword(await hashPassword(body.newPassword), row.passwordGeneration);
    if (generation === undefined) throw dashboardErrors.settingsConflict();
    await this.#options.sessions.delete(session.id);
    const opened = await this.#open(req, res, 'password', 'admin', generation);
    return this.#answer(opened, { kind: 'password' }, true);
  }

  async logout(req: Request, res: Response, session: AuthedSession): Promise<void> {
    await this.#options.sessions.delete(session.id);
    res.setHeader('set-cookie', clearedSessionCookie(this.#secure(req)));
  }

  async #refusal(req: Request, res: Response): Promise<Error> {
    const row = await this.#options.row.read();
    const entry = entryFor(this.#options.mode, row.passwordHash !== null, this.facts(req, res));
    if (entry.kind === 'bootstrap') return dashboardErrors.bootstrapRequired();
    if (entry.kind === 'proxy_auth') return dashboardErrors.proxyAuthRequired(this.#options.proxyHeader);
    return dashboardErrors.authenticationRequired();
  }

  async #open(req: Request, res: Response, method: SessionMethod, subject: string, passwordGeneration: number): Promise<AuthedSession> {
    const { id, expiresAt } = await this.#options.sessions.create({ method, subject, passwordGeneration });
    res.setHeader('set-cookie', sessionCookie(id, { secure: this.#secure(req), maxAgeSeconds: (expiresAt.getTime() - Date.now()) / 1000 }));
    return { id, method, subject, passwordGeneration, expiresAt };
  }

  #answer(session: AuthedSession | undefined, entry: Entry, passwordSet: boolean): SessionAnswer {
    const mode = this.#options.mode;
    return {
      authenticated: session !== undefined,
      authMode: mode,
      passwordRequired: mode === 'standard' && passwordSet,
      bootstrapRequired: session === undefined && entry.kind === 'bootstrap',
      bootstrapTokenConfigured: this.#options.bootstrapToken !== null,
      passwordManagementEnabled: mode === 'standard',
      authMethod: session?.method ?? null,
      user: session === undefined ? null : { username: session.subject },
      ...(session === undefined ? {} : { csrfToken: csrfTokenFor(this.#options.csrfKey, session.id) }),
    };
  }

  #checkBootstrapToken(res: Response, presented: unknown): void {
    const expected = this.#options.bootstrapToken;
    if (expected === null) throw dashboardErrors.bootstrapUnavailable();
    const client = this.#client(res);
    this.#throttle(client);
    if (typeof presented !== 'string' || !sameSecret(presented, expected)) {
      this.#limiter.failed(client);
      throw dashboardErrors.invalidBootstrapToken();
    }
    this.#limiter.succeeded(client);
  }

  #throttle(client: string): void {
    const wait = this.#limiter.retryAfterSeconds(client);
    if (wait > 0) throw dashboardErrors.rateLimited(wait);
  }

  #client(res: Response): string {
    return contextOf(res).clientIp ?? 'unknown';
  }

  /** https as the browser sees it: a TLS socket, or `X-Forwarded-Proto: https` from a trusted proxy. */
  #secure(req: Request): boolean {
    if ('encrypted' in req.socket && req.socket.encrypted === true) return true;
    const peer = normalizeIp(req.socket.remoteAddress);
    return listed(this.#options.trust.trustedProxies, peer) && header(req.headers, 'x-forwarded-proto')?.toLowerCase() === 'https';
  }
}
