/**
 * The operator's client of an official codex-lb app (`spec.proxy.flavor: Upstream`), through the app's own
 * dashboard API — the same PoolAdmin the bundled proxy's admin API offers. Shapes and the emulated parts
 * are in upstream-mapping.ts; sessions in dashboard-session.ts.
 *
 * Authentication. The operator renders `CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN` from the installation's
 * `<n>-admin-token` Secret. The first time, the dashboard has no password: the client sets it to that
 * token through `POST /api/dashboard-auth/password/setup` (which a remote caller may only do with the
 * bootstrap token), then logs in with `POST /api/dashboard-auth/password/login` and keeps the session
 * cookie. Upstream checks no CSRF token, Origin or Referer on its JSON API (the cookie is SameSite=lax and
 * the dashboard is same-origin), so a non-browser client needs only the cookie. TOTP on login cannot be
 * answered by the operator and is reported. A dashboard run with `CODEX_LB_DASHBOARD_AUTH_MODE=disabled`
 * needs no login at all.
 *
 * Errors are AdminApiError: failed logins are `unauthorized` with a message that says what to fix; no
 * message carries the token, the password, the cookie or a request body.
 */
import { FormData, request, type Dispatcher } from 'undici';
import { AdminApiError, adminAgent, answerError, errorOf, noAnswer, type AdminCallObserver } from './admin-http.ts';
import type { AccountPatch, ApiKeySettings, CreatedApiKey, ImportOutcome, ImportPolicy, PoolAccount, PoolApiKey, PoolState } from './admin-types.ts';
import { fingerprint, sessionCookie, SESSION_COOKIE, type DashboardSession } from './dashboard-session.ts';
import { planIsEmpty, planSettings, upstreamAllowlist, UntranslatableAllowlist, type InstallationSettings, type SettingsPlan } from './installation-settings.ts';
import type { PoolAdmin } from './pool-admin.ts';
import {
  accountCalls,
  findSeedAccount,
  planUpstreamImport,
  seedIdentity,
  toPoolAccount,
  toPoolApiKey,
  type UpstreamAccount,
  type UpstreamApiKey,
} from './upstream-mapping.ts';

export interface UpstreamDashboardClientOptions {
  /** `http://host:port` of the installation (no trailing slash). */
  baseUrl: string;
  /** The installation's admin token: the dashboard's bootstrap token and the password the operator sets. */
  token: string;
  /** Where the token lives, for messages: e.g. `Secret "lb-admin-token" (key token)`. */
  tokenSource: string;
  /** The installation's session, kept across clients (DashboardSessions). */
  session: DashboardSession;
  observe?: AdminCallObserver;
  dispatcher?: Dispatcher;
}

type Body = { json: unknown } | { form: () => FormData };

interface Answer {
  status: number;
  text: string;
  setCookie: string | string[] | undefined;
}

interface SessionAnswer {
  authenticated?: boolean;
  passwordRequired?: boolean;
  totpRequiredOnLogin?: boolean;
  authMode?: string;
}

interface UpstreamSettings {
  version: number;
  apiKeyAuthEnabled: boolean;
  importWithoutOverwrite: boolean;
}

/** A dashboard without authentication (auth mode `disabled`) is looked at again after this long. */
const OPEN_DASHBOARD_MS = 5 * 60_000;

/** The login step that failed, in words that say what to fix. Pure. */
export function loginFailure(step: 'setup' | 'login', where: string, status: number, text: string, tokenSource: string): AdminApiError {
  const { code } = errorOf(text);
  const fail = (message: string) => new AdminApiError('unauthorized', `${where}: HTTP ${status}${code ? ` ${code}` : ''}: ${message}`, status, code);
  if (status === 429) return fail('too many dashboard login attempts from the operator; it tries again after a minute');
  if (step === 'setup' && code === 'invalid_bootstrap_token') {
    return fail(`the app's CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN is not the token in ${tokenSource} (the pods may still run with an older one)`);
  }
  if (step === 'setup' && code === 'bootstrap_unavailable') {
    return fail(`the app has no CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN, so the operator cannot set its dashboard password (the pods may not have it yet)`);
  }
  if (step === 'login' && code === 'invalid_credentials') {
    return fail(
      `the dashboard password is no longer the token in ${tokenSource}: an administrator changed it, or the Secret was ` +
        're-created with a new token. Set the dashboard password to that token, or remove the password so that the operator sets it again',
    );
  }
  if (status === 401 || status === 403) return fail('the dashboard refused the operator');
  return answerError(where, status, text, () => false);
}

export class UpstreamDashboardClient implements PoolAdmin {
  readonly baseUrl: string;
  readonly #token: string;
  readonly #tokenSource: string;
  readonly #session: DashboardSession;
  readonly #observe: AdminCallObserver | undefined;
  readonly #dispatcher: Dispatcher;
  /** The official app sends its version on every 2xx-4xx answer; the last one seen. */
  #appVersion: string | undefined;

  constructor(opts: UpstreamDashboardClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/$/, '');
    this.#token = opts.token;
    this.#tokenSource = opts.tokenSource;
    this.#session = opts.session;
    this.#observe = opts.observe;
    this.#dispatcher = opts.dispatcher ?? adminAgent;
  }

  async state(): Promise<PoolState> {
    const [accounts, apiKeys] = await Promise.all([this.#accounts('state'), this.#call<UpstreamApiKey[]>('state', 'GET', '/api/api-keys/')]);
    return { version: this.#appVersion, accounts: accounts.map(toPoolAccount), apiKeys: apiKeys.map(toPoolApiKey) };
  }

  async importAccount(authJson: unknown, policy: ImportPolicy): Promise<{ account: PoolAccount; outcome: ImportOutcome }> {
    const seed = seedIdentity(authJson);
    if (!seed && !policy.createMissing) {
      throw new AdminApiError('rejected', 'tokens.id_token is missing or not a JWT: the account cannot be looked up', 400, 'invalid_auth_json');
    }
    const before = await this.#accounts('importAccount');
    const existing = seed && findSeedAccount(seed, before);
    const step = planUpstreamImport(policy, existing, seed?.lastRefresh ?? null);
    if (step.kind === 'kept') return { account: toPoolAccount(step.account), outcome: 'kept' };
    if (step.kind === 'missing') throw new AdminApiError('rejected', 'no account in the pool has this login', 404, 'not_found');
    if (existing) await this.#allowOverwriteOnImport();
    const raw = JSON.stringify(authJson);
    const form = () => {
      const data = new FormData();
      data.append('auth_json', new Blob([raw], { type: 'application/json' }), 'auth.json');
      return data;
    };
    const imported = await this.#call<{ accountId: string }>('importAccount', 'POST', '/api/accounts/import', { form });
    const account = await this.#account('importAccount', imported.accountId);
    return { account, outcome: before.some((a) => a.accountId === imported.accountId) ? 'replaced' : 'created' };
  }

  async updateAccount(id: string, patch: AccountPatch): Promise<PoolAccount> {
    if (patch.managedBy !== undefined) {
      throw new AdminApiError('rejected', "the official codex-lb dashboard has no 'managed by' marker for accounts", undefined, 'unsupported');
    }
    const base = `/api/accounts/${encodeURIComponent(id)}`;
    for (const call of accountCalls(patch)) await this.#call('updateAccount', call.method, `${base}${call.path}`, call.body === undefined ? undefined : { json: call.body });
    return this.#account('updateAccount', id);
  }

  /**
   * Upstream deletes in the background: the account leaves the listing at once, and a second DELETE while
   * its rows drain still answers 200. So "already gone" is decided by the listing.
   */
  async deleteAccount(id: string): Promise<boolean> {
    if (!(await this.#accounts('deleteAccount')).some((a) => a.accountId === id)) return false;
    return this.#delete('deleteAccount', `/api/accounts/${encodeURIComponent(id)}`);
  }

  async createApiKey(settings: ApiKeySettings): Promise<CreatedApiKey> {
    const created = await this.#call<UpstreamApiKey & { key: string }>('createApiKey', 'POST', '/api/api-keys/', { json: settings });
    return { apiKey: toPoolApiKey(created), key: created.key };
  }

  async updateApiKey(id: string, settings: Partial<ApiKeySettings>): Promise<PoolApiKey> {
    return toPoolApiKey(await this.#call<UpstreamApiKey>('updateApiKey', 'PATCH', `/api/api-keys/${encodeURIComponent(id)}`, { json: settings }));
  }

  deleteApiKey(id: string): Promise<boolean> {
    return this.#delete('deleteApiKey', `/api/api-keys/${encodeURIComponent(id)}`);
  }

  /** API-key auth and the firewall allow-list as the app enforces them now. */
  async installationSettings(): Promise<InstallationSettings> {
    return (await this.#readSettings()).current;
  }

  async #readSettings(): Promise<{ current: InstallationSettings; version: number }> {
    const [settings, firewall] = await Promise.all([
      this.#call<UpstreamSettings>('installationSettings', 'GET', '/api/settings'),
      this.#call<{ entries: Array<{ ipAddress: string }> }>('installationSettings', 'GET', '/api/firewall/ips'),
    ]);
    return {
      current: { apiKeyAuthEnabled: settings.apiKeyAuthEnabled, firewallAllowlist: firewall.entries.map((e) => e.ipAddress).sort() },
      version: settings.version,
    };
  }

  /**
   * Makes the app enforce `want` (the CodexLB's spec.config.apiKeyAuth.enabled and firewall.allowlist) and
   * returns what it changed (empty when nothing). Addresses are added before others are removed, so the
   * allow-list never passes through empty (which upstream reads as "allow everyone"). A wider CIDR fails
   * `rejected` with code `unsupported_setting`, naming the entries.
   */
  async applyInstallationSettings(want: InstallationSettings): Promise<SettingsPlan> {
    let allowlist: string[];
    try {
      allowlist = upstreamAllowlist(want.firewallAllowlist);
    } catch (err) {
      if (err instanceof UntranslatableAllowlist) throw new AdminApiError('rejected', err.message, undefined, 'unsupported_setting');
      throw err;
    }
    const { current, version } = await this.#readSettings();
    const plan = planSettings(current, { apiKeyAuthEnabled: want.apiKeyAuthEnabled, firewallAllowlist: allowlist });
    if (planIsEmpty(plan)) return plan;
    if (plan.apiKeyAuthEnabled !== undefined) await this.#putSettings(version, { apiKeyAuthEnabled: plan.apiKeyAuthEnabled });
    for (const ip of plan.addIps) await this.#tolerate(409, this.#call('applyInstallationSettings', 'POST', '/api/firewall/ips', { json: { ipAddress: ip } }));
    for (const ip of plan.removeIps) await this.#tolerate(404, this.#call('applyInstallationSettings', 'DELETE', `/api/firewall/ips/${encodeURIComponent(ip)}`));
    return plan;
  }

  /**
   * Upstream's default (`importWithoutOverwrite`) imports a login it already holds as a side-by-side copy
   * when the login has no workspace; a ChatGPTAccount's re-import must replace the stored tokens (the
   * bundled proxy's upsert), so the operator turns the setting off before it replaces an account.
   */
  async #allowOverwriteOnImport(): Promise<void> {
    const settings = await this.#call<UpstreamSettings>('importAccount', 'GET', '/api/settings');
    if (settings.importWithoutOverwrite) await this.#putSettings(settings.version, { importWithoutOverwrite: false });
  }

  /** Pinned to the version read: a concurrent dashboard edit answers 409 (rejected) instead of being overwritten. */
  async #putSettings(expectedVersion: number, change: Partial<Omit<UpstreamSettings, 'version'>>): Promise<void> {
    await this.#call('settings', 'PUT', '/api/settings', { json: { expectedVersion, ...change } });
  }

  async #tolerate(status: number, call: Promise<unknown>): Promise<void> {
    try {
      await call;
    } catch (err) {
      if (!(err instanceof AdminApiError && err.status === status)) throw err;
    }
  }

  async #accounts(operation: string): Promise<UpstreamAccount[]> {
    return (await this.#call<{ accounts: UpstreamAccount[] }>(operation, 'GET', '/api/accounts')).accounts;
  }

  async #account(operation: string, id: string): Promise<PoolAccount> {
    const account = (await this.#accounts(operation)).find((a) => a.accountId === id);
    if (!account) throw new AdminApiError('rejected', `account ${id} is not in the pool`, 404, 'not_found');
    return toPoolAccount(account);
  }

  async #delete(operation: string, path: string): Promise<boolean> {
    try {
      await this.#call(operation, 'DELETE', path);
      return true;
    } catch (err) {
      if (err instanceof AdminApiError && err.status === 404 && (err.code === 'not_found' || err.code === 'account_not_found')) return false;
      throw err;
    }
  }

  /** One dashboard call with the session; a cached session the app refuses (401) is renewed once. */
  async #call<T>(operation: string, method: Dispatcher.HttpMethod, path: string, body?: Body): Promise<T> {
    let session = await this.#cookie();
    let answer = await this.#send(operation, method, path, body, session.cookie);
    if (answer.status === 401 && !session.fresh) {
      this.#session.invalidate(session.cookie);
      session = await this.#cookie();
      answer = await this.#send(operation, method, path, body, session.cookie);
    }
    if (answer.status < 300) return (answer.text ? JSON.parse(answer.text) : {}) as T;
    // Still 401 with a fresh session (e.g. TOTP became required), or 403 for a read-only session: the login is not enough.
    throw answerError(`${method} ${this.baseUrl}${path}`, answer.status, answer.text, (status, code) => status === 401 || code === 'read_only_access');
  }

  async #cookie(): Promise<{ cookie: string; fresh: boolean }> {
    const print = fingerprint(this.#token);
    const current = this.#session.current(print);
    if (current !== undefined) return { cookie: current, fresh: false };
    const failed = this.#session.recentFailure(print);
    if (failed) throw failed;
    return { cookie: await this.#session.open(print, () => this.#login()), fresh: true };
  }

  async #login(): Promise<{ value: string; expiresAt: number }> {
    const state = await this.#send('login', 'GET', '/api/dashboard-auth/session');
    if (state.status >= 300) throw answerError(`GET ${this.baseUrl}/api/dashboard-auth/session`, state.status, state.text, () => false);
    const session = JSON.parse(state.text) as SessionAnswer;
    if (session.authMode === 'disabled') return { value: '', expiresAt: Date.now() + OPEN_DASHBOARD_MS };
    const password = { password: this.#token };
    if (!session.passwordRequired) {
      const setup = await this.#send('login', 'POST', '/api/dashboard-auth/password/setup', { json: { ...password, bootstrapToken: this.#token } });
      if (setup.status < 300) return this.#opened(setup);
      // 409: another operator replica (or an administrator) set the password meanwhile: log in with it.
      if (setup.status !== 409) throw loginFailure('setup', `POST ${this.baseUrl}/api/dashboard-auth/password/setup`, setup.status, setup.text, this.#tokenSource);
    }
    const login = await this.#send('login', 'POST', '/api/dashboard-auth/password/login', { json: password });
    if (login.status >= 300) throw loginFailure('login', `POST ${this.baseUrl}/api/dashboard-auth/password/login`, login.status, login.text, this.#tokenSource);
    return this.#opened(login);
  }

  #opened(answer: Answer): { value: string; expiresAt: number } {
    const where = `${this.baseUrl}/api/dashboard-auth`;
    if ((JSON.parse(answer.text) as SessionAnswer).totpRequiredOnLogin) {
      throw new AdminApiError(
        'unauthorized',
        `${where}: the dashboard requires TOTP on login, which the operator cannot answer; turn off "TOTP required on login" in its settings`,
        answer.status,
        'totp_required',
      );
    }
    const cookie = sessionCookie(answer.setCookie, Date.now());
    if (!cookie) throw new AdminApiError('unauthorized', `${where}: the login answer carried no session cookie`, answer.status);
    return cookie;
  }

  async #send(operation: string, method: Dispatcher.HttpMethod, path: string, body?: Body, cookie?: string): Promise<Answer> {
    const url = `${this.baseUrl}${path}`;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(url, {
        method,
        dispatcher: this.#dispatcher,
        headers: {
          accept: 'application/json',
          ...(cookie ? { cookie: `${SESSION_COOKIE}=${cookie}` } : {}),
          ...(body && 'json' in body ? { 'content-type': 'application/json' } : {}),
        },
        body: body === undefined ? undefined : 'json' in body ? JSON.stringify(body.json) : body.form(),
        headersTimeout: 15_000,
        bodyTimeout: 15_000,
      });
    } catch (err) {
      this.#observe?.(operation, 'error');
      throw noAnswer(`${method} ${url}`, err);
    }
    this.#observe?.(operation, String(res.statusCode));
    const version = res.headers['x-app-version'];
    if (typeof version === 'string') this.#appVersion = version;
    return { status: res.statusCode, text: await res.body.text(), setCookie: res.headers['set-cookie'] };
  }
}
