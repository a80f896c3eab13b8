/**
 * What the request path needs from the data layer, stated from the request path's side. The serve
 * command wires these to proxy/accounts, proxy/usage and proxy/store (see proxy/http/wiring); tests
 * can wire them to the real store or to small in-memory doubles.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { AccountView } from './account-state.ts';
import type { StickyKind } from './affinity.ts';
import type { UpstreamIdentity } from '../upstream/headers.ts';
import type { JsonObject } from '../upstream/events.ts';

/** The account cannot be used now (refresh failed for good, deleted…); already recorded by the pool. */
export class AccountUnusableError extends Error {
  override readonly name = 'AccountUnusableError';
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export interface AccountPool {
  /** Every account as routing sees it. Called once per selection; implementations may cache briefly. */
  list(): Promise<AccountView[]>;
  /**
   * Credentials for an upstream call, refreshed first when due (age-based, not JWT exp). Throws
   * AccountUnusableError when the account cannot get a token.
   */
  credentials(accountId: string): Promise<UpstreamIdentity>;
  /**
   * After the upstream answered 401 to `rejected`: newer credentials, refreshing unless another caller
   * already did (refresh tokens are single-use, so this must be single-flight). Throws AccountUnusableError.
   */
  refreshedCredentials(accountId: string, rejected: UpstreamIdentity): Promise<UpstreamIdentity>;
  /** Persists a rate-limit block until `resetAt` (epoch seconds). */
  markRateLimited(accountId: string, resetAt: number, reason: string): Promise<void>;
  markQuotaExceeded(accountId: string, resetAt: number, reason: string): Promise<void>;
  markUnusable(accountId: string, status: 'reauth_required' | 'deactivated', code: string): Promise<void>;
}

/** Live usage from upstream traffic (§2.5 "Live usage"). Fire-and-forget: never slows the stream. */
export interface UsageIngest {
  fromHeaders(accountId: string, headers: IncomingHttpHeaders): void;
  fromRateLimitsEvent(accountId: string, payload: JsonObject): void;
}

export interface AffinityStore {
  /** The account a key is bound to, unless the binding expired. */
  get(kind: StickyKind, key: string): Promise<string | undefined>;
  /** Binds (or re-binds, refreshing the TTL) a key to an account. */
  set(kind: StickyKind, key: string, accountId: string, ttlSeconds: number | null): Promise<void>;
}

/** Which account produced a response id, so `previous_response_id` continues on it (trap 2). */
export interface ResponseOwners {
  owner(responseId: string): Promise<string | undefined>;
  remember(responseId: string, accountId: string): void;
}
