/**
 * In-memory stand-ins for the data-layer ports, for server tests that are about the request path
 * rather than storage. They keep only what a test asserts on; the account pool gets its tokens from
 * the fake upstream and refreshes them at its OAuth endpoint like the real one does.
 */
import type { FakeUpstream } from '../../../fakes/fake-upstream.ts';
import type { AccountView } from '../../../../proxy/routing/account-state.ts';
import type { StickyKind } from '../../../../proxy/routing/affinity.ts';
import { AccountUnusableError, type AccountPool, type AffinityStore, type ResponseOwners, type UsageIngest } from '../../../../proxy/routing/ports.ts';
import type { ApiKeyPrincipal, ApiKeys, ApiKeyVerdict, FirewallAllowlist, Pricing, RequestLog, RequestLogEntry, ReserveVerdict } from '../../../../proxy/http/ports.ts';
import type { UpstreamIdentity } from '../../../../proxy/upstream/headers.ts';
import type { JsonObject } from '../../../../proxy/upstream/events.ts';
import type { IncomingHttpHeaders } from 'node:http';

const OAUTH_CLIENT_ID = 'app_EMoamEEZ73f0CkXaXp7hrann';

interface PoolEntry {
  view: AccountView;
  accessToken: string;
  refreshToken: string;
}

export class MemoryAccountPool implements AccountPool {
  readonly #fake: FakeUpstream;
  readonly #accounts = new Map<string, PoolEntry>();
  readonly refreshes: string[] = [];

  constructor(fake: FakeUpstream) {
    this.#fake = fake;
  }

  /** Adds an account the fake knows, with its current tokens. */
  add(accountId: string, overrides: Partial<AccountView> = {}): void {
    const creds = this.#fake.account(accountId);
    this.#accounts.set(accountId, {
      view: { id: accountId, status: 'active', resetAt: null, planType: creds.plan, routingPolicy: 'normal', primary: null, secondary: null, credits: null, ...overrides },
      accessToken: creds.accessToken,
      refreshToken: creds.refreshToken,
    });
  }

  view(accountId: string): AccountView {
    const entry = this.#accounts.get(accountId);
    if (!entry) throw new Error(`no account ${accountId}`);
    return entry.view;
  }

  async list(): Promise<AccountView[]> {
    return [...this.#accounts.values()].map((e) => ({ ...e.view }));
  }

  #identity(accountId: string, entry: PoolEntry): UpstreamIdentity {
    return { accessToken: entry.accessToken, chatgptAccountId: accountId, installationId: `inst-${accountId.slice(0, 8)}` };
  }

  async credentials(accountId: string): Promise<UpstreamIdentity> {
    const entry = this.#accounts.get(accountId);
    if (!entry) throw new AccountUnusableError('account_missing', 'account is gone');
    return this.#identity(accountId, entry);
  }

  async refreshedCredentials(accountId: string): Promise<UpstreamIdentity> {
    const entry = this.#accounts.get(accountId);
    if (!entry) throw new AccountUnusableError('account_missing', 'account is gone');
    this.refreshes.push(accountId);
    const response = await fetch(`${this.#fake.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', client_id: OAUTH_CLIENT_ID, refresh_token: entry.refreshToken, scope: 'openid profile email' }),
    });
    const body = (await response.json()) as { access_token?: string; refresh_token?: string; error?: unknown };
    if (!response.ok || !body.access_token || !body.refresh_token) {
      entry.view.status = 'reauth_required';
      throw new AccountUnusableError('refresh_failed', 'refresh failed');
    }
    entry.accessToken = body.access_token;
    entry.refreshToken = body.refresh_token;
    return this.#identity(accountId, entry);
  }

  async markRateLimited(accountId: string, resetAt: number): Promise<void> {
    Object.assign(this.view(accountId), { status: 'rate_limited', resetAt });
  }

  async markQuotaExceeded(accountId: string, resetAt: number): Promise<void> {
    Object.assign(this.view(accountId), { status: 'quota_exceeded', resetAt });
  }

  async markUnusable(accountId: string, status: 'reauth_required' | 'deactivated'): Promise<void> {
    this.view(accountId).status = status;
  }
}

export class RecordingUsage implements UsageIngest {
  readonly headers: Array<{ accountId: string; headers: IncomingHttpHeaders }> = [];
  readonly events: Array<{ accountId: string; payload: JsonObject }> = [];
  fromHeaders(accountId: string, headers: IncomingHttpHeaders): void {
    this.headers.push({ accountId, headers });
  }
  fromRateLimitsEvent(accountId: string, payload: JsonObject): void {
    this.events.push({ accountId, payload });
  }
}

export class MemoryAffinity implements AffinityStore {
  readonly rows = new Map<string, { accountId: string; expiresAt: number | null }>();
  async get(kind: StickyKind, key: string): Promise<string | undefined> {
    const row = this.rows.get(`${kind}|${key}`);
    if (!row || (row.expiresAt !== null && row.expiresAt < Date.now())) return undefined;
    return row.accountId;
  }
  async set(kind: StickyKind, key: string, accountId: string, ttlSeconds: number | null): Promise<void> {
    this.rows.set(`${kind}|${key}`, { accountId, expiresAt: ttlSeconds === null ? null : Date.now() + ttlSeconds * 1000 });
  }
}

export class MemoryOwners implements ResponseOwners {
  readonly #owners = new Map<string, string>();
  async owner(responseId: string): Promise<string | undefined> {
    return this.#owners.get(responseId);
  }
  remember(responseId: string, accountId: string): void {
    this.#owners.set(responseId, accountId);
  }
}

export class MemoryApiKeys implements ApiKeys {
  readonly keys = new Map<string, ApiKeyPrincipal & { expired?: boolean; exhausted?: boolean }>();
  readonly settled: Array<{ id: string; inputTokens: number; outputTokens: number }> = [];
  readonly released: string[] = [];
  async verify(plaintext: string): Promise<ApiKeyVerdict> {
    const key = this.keys.get(plaintext);
    if (!key) return { ok: false, reason: 'invalid' };
    if (key.expired) return { ok: false, reason: 'expired' };
    return { ok: true, key };
  }
  async reserve(key: ApiKeyPrincipal): Promise<ReserveVerdict> {
    const stored = [...this.keys.values()].find((k) => k.id === key.id);
    if (stored?.exhausted) return { ok: false, message: 'API key total_tokens weekly limit exceeded.' };
    return { ok: true, reservation: { id: `res-${key.id}` } };
  }
  async settle(reservation: { id: string }, usage: { inputTokens: number; outputTokens: number }): Promise<void> {
    this.settled.push({ id: reservation.id, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens });
  }
  async release(reservation: { id: string }): Promise<void> {
    this.released.push(reservation.id);
  }
}

export class MemoryRequestLog implements RequestLog {
  readonly rows: RequestLogEntry[] = [];
  write(entry: RequestLogEntry): void {
    this.rows.push(entry);
  }
}

export const zeroPricing: Pricing = { costUsd: () => 0 };

export class MemoryFirewall implements FirewallAllowlist {
  readonly entries = new Set<string>();
  async allowed(): Promise<ReadonlySet<string>> {
    return this.entries;
  }
}
