/**
 * The operator's client of one installation's admin API (proxy/OPERATOR-CONTRACT.md "Admin API"):
 * JSON over HTTP with the installation's bearer token. Errors carry the URL path, the status and the
 * proxy's error code and message (which never contain secrets), never the token or a request body.
 */
import { request, type Dispatcher } from 'undici';
import { AdminApiError, adminAgent, answerError, noAnswer, type AdminCallObserver } from './admin-http.ts';
import type {
  AccountPatch,
  ApiKeySettings,
  CreatedApiKey,
  ImportOutcome,
  ImportPolicy,
  PoolAccount,
  PoolApiKey,
  PoolState,
} from './admin-types.ts';
import type { PoolAdmin } from './pool-admin.ts';

export interface AdminClientOptions {
  /** `http://host:port` of the installation (no trailing slash). */
  baseUrl: string;
  token: string;
  observe?: AdminCallObserver;
  dispatcher?: Dispatcher;
}

export class AdminClient implements PoolAdmin {
  readonly baseUrl: string;
  readonly #token: string;
  readonly #observe: AdminCallObserver | undefined;
  readonly #dispatcher: Dispatcher;

  constructor(opts: AdminClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/$/, '');
    this.#token = opts.token;
    this.#observe = opts.observe;
    this.#dispatcher = opts.dispatcher ?? adminAgent;
  }

  state(): Promise<PoolState> {
    return this.#call('state', 'GET', '/state');
  }

  /** `authJson` is the parsed auth.json document; it is sent, never logged. */
  importAccount(authJson: unknown, policy: ImportPolicy): Promise<{ account: PoolAccount; outcome: ImportOutcome }> {
    return this.#call('importAccount', 'POST', '/accounts/import', { authJson, ...policy });
  }

  async updateAccount(id: string, patch: AccountPatch): Promise<PoolAccount> {
    return (await this.#call<{ account: PoolAccount }>('updateAccount', 'PATCH', `/accounts/${encodeURIComponent(id)}`, patch)).account;
  }

  /** False when the account was already gone. */
  deleteAccount(id: string): Promise<boolean> {
    return this.#delete('deleteAccount', `/accounts/${encodeURIComponent(id)}`);
  }

  createApiKey(settings: ApiKeySettings): Promise<CreatedApiKey> {
    return this.#call('createApiKey', 'POST', '/api-keys', settings);
  }

  async updateApiKey(id: string, settings: Partial<ApiKeySettings>): Promise<PoolApiKey> {
    return (await this.#call<{ apiKey: PoolApiKey }>('updateApiKey', 'PATCH', `/api-keys/${encodeURIComponent(id)}`, settings)).apiKey;
  }

  /** False when the key was already gone. */
  deleteApiKey(id: string): Promise<boolean> {
    return this.#delete('deleteApiKey', `/api-keys/${encodeURIComponent(id)}`);
  }

  async #delete(operation: string, path: string): Promise<boolean> {
    try {
      await this.#call(operation, 'DELETE', path);
      return true;
    } catch (err) {
      if (err instanceof AdminApiError && err.status === 404 && err.code === 'not_found') return false;
      throw err;
    }
  }

  async #call<T>(operation: string, method: Dispatcher.HttpMethod, path: string, body?: unknown): Promise<T> {
    const where = `${method} ${this.baseUrl}/internal/admin${path}`;
    let res: Dispatcher.ResponseData;
    try {
      res = await request(`${this.baseUrl}/internal/admin${path}`, {
        method,
        dispatcher: this.#dispatcher,
        headers: {
          authorization: `Bearer ${this.#token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: 15_000,
        bodyTimeout: 15_000,
      });
    } catch (err) {
      this.#observe?.(operation, 'error');
      throw noAnswer(where, err);
    }
    this.#observe?.(operation, String(res.statusCode));
    const text = await res.body.text();
    if (res.statusCode < 300) return (text ? JSON.parse(text) : {}) as T;
    throw answerError(where, res.statusCode, text, (status, code) => status === 401 || code === 'admin_api_disabled');
  }
}
