/**
 * A dashboard caller as a browser behaves: it keeps the session cookie the proxy sets, reads the CSRF token from
 * the session answer and sends it on writes, and sends `Origin` on writes. `host` stands in for the name the
 * browser used (a local name by default; another name makes the caller remote, as behind an ingress).
 */
import { request } from 'undici';

export interface DashboardAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The raw body text (tests search it for secrets). */
  readonly text: string;
  readonly body: Record<string, unknown>;
}

export interface CallOptions {
  readonly body?: unknown;
  /** Override or drop (null) the CSRF header. */
  readonly csrf?: string | null;
  /** Override or drop (null) the Origin header. */
  readonly origin?: string | null;
  readonly headers?: Record<string, string>;
}

export class DashboardClient {
  readonly #url: URL;
  readonly host: string;
  cookie: string | undefined;
  csrfToken: string | undefined;

  constructor(baseUrl: string, options: { host?: string } = {}) {
    this.#url = new URL(baseUrl);
    this.host = options.host ?? this.#url.host.replace('127.0.0.1', 'localhost');
  }

  /** GET /api/dashboard-auth/session, keeping the cookie and CSRF token it hands out. */
  async session(): Promise<DashboardAnswer> {
    const answer = await this.call('GET', '/api/dashboard-auth/session');
    if (typeof answer.body.csrfToken === 'string') this.csrfToken = answer.body.csrfToken;
    return answer;
  }

  async call(method: string, path: string, options: CallOptions = {}): Promise<DashboardAnswer> {
    const write = !['GET', 'HEAD'].includes(method);
    const headers: Record<string, string> = { host: this.host, ...options.headers };
    if (this.cookie !== undefined) headers.cookie = this.cookie;
    const origin = options.origin === undefined ? (write ? `http://${this.host}` : undefined) : options.origin;
    if (origin !== undefined && origin !== null) headers.origin = origin;
    const csrf = options.csrf === undefined ? (write ? this.csrfToken : undefined) : options.csrf;
    if (csrf !== undefined && csrf !== null) headers['x-csrf-token'] = csrf;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const res = await request(new URL(path, this.#url), {
      method: method as 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await res.body.text();
    const setCookie = res.headers['set-cookie'];
    const first = Array.isArray(setCookie) ? setCookie[0] : setCookie;
    if (first !== undefined) {
      const value = first.split(';')[0] ?? '';
      this.cookie = value.endsWith('=') ? undefined : value;
    }
    let body: Record<string, unknown> = {};
    if (text !== '' && String(res.headers['content-type']).includes('json')) body = JSON.parse(text) as Record<string, unknown>;
    return { status: res.statusCode, headers: res.headers, text, body };
  }
}
