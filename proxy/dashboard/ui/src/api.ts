/**
 * The one way the UI talks to the proxy: same-origin fetches under `/api/*`. The session rides in the HttpOnly
 * cookie the browser sends by itself; the CSRF token from the session answer is kept in memory only and sent on
 * every write. Errors come back in the dashboard envelope and are raised as ApiError.
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let csrfToken: string | undefined;
const unauthorizedListeners = new Set<() => void>();

/** Called when the session ends under the page (expired, password changed elsewhere): the app shows the login. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
}

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export async function api<T>(method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken !== undefined) headers['x-csrf-token'] = csrfToken;
  const res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  const parsed: unknown = text === '' ? {} : JSON.parse(text);
  if (!res.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } }).error;
    if (res.status === 401 && !path.startsWith('/api/dashboard-auth/')) for (const listener of unauthorizedListeners) listener();
    throw new ApiError(res.status, error?.code ?? `http_${res.status}`, error?.message ?? `Request failed (HTTP ${res.status})`);
  }
  return parsed as T;
}

/** A short text for any failure, for an alert line. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
