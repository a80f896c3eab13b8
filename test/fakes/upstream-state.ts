/**
 * The state one fake instance serves from, shared by every route: accounts, scripts, the request
 * log, and the lifetime signal that cuts stalls and pacing short when the fake closes.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { AccountRegistry, type AuthFailureReason } from './accounts.ts';
import { queryOf, singleHeader } from './http-io.ts';
import { LoginDesk } from './login.ts';
import { exhaustPrimary, rateLimitHeaders } from './rate-limits.ts';
import { pairHeaders, RequestLog, type RecordedRequest } from './request-log.ts';
import { ScriptBook, type Endpoint, type Step } from './scripts.ts';
import { usageLimitResetAt } from './step-failures.ts';
import { accountMismatch, tokenRejected, unparseableToken, type HttpFailure } from './upstream-errors.ts';

export type Authorization = { ok: true; accountId: string } | { ok: false; failure: HttpFailure; accountId?: string };

const AUTH_FAILURES: Record<AuthFailureReason, () => HttpFailure> = {
  missing: unparseableToken,
  unknown: unparseableToken,
  token_expired: () => tokenRejected('token_expired'),
  token_invalidated: () => tokenRejected('token_invalidated'),
  account_mismatch: accountMismatch,
};

/** How many streams an account has open now, and the most it ever had at once. */
export interface StreamCount {
  open: number;
  max: number;
}

export class UpstreamState {
  readonly now: () => number;
  readonly signal: AbortSignal;
  readonly accounts: AccountRegistry;
  readonly scripts = new ScriptBook();
  /** The ChatGPT login (authorize, code exchange, device codes). */
  readonly logins: LoginDesk;
  /** `http://host:port` once the fake listens. */
  origin = '';
  readonly log: RequestLog;
  readonly #connections = new WeakMap<Socket, number>();
  #nextConnection = 1;
  readonly #streams = new Map<string, StreamCount>();

  constructor(options: { now: () => number; signal: AbortSignal }) {
    this.now = options.now;
    this.signal = options.signal;
    this.accounts = new AccountRegistry(options.now);
    this.log = new RequestLog(options.now);
    this.logins = new LoginDesk(this.accounts, () => this.origin);
  }

  nowSec(): number {
    return Math.floor(this.now() / 1000);
  }

  newId(prefix: string): string {
    return `${prefix}_${randomBytes(16).toString('hex')}`;
  }

  /** Bearer token + `chatgpt-account-id`, the way every backend route is authorised (§2.2, §8.1). */
  authorize(headers: IncomingHttpHeaders): Authorization {
    const outcome = this.accounts.authenticate(singleHeader(headers.authorization), singleHeader(headers['chatgpt-account-id']));
    if (outcome.ok) return outcome;
    return { ok: false, failure: AUTH_FAILURES[outcome.reason](), accountId: outcome.accountId };
  }

  /** Records an HTTP request (or a WebSocket upgrade / message, via `transport` and `method`). */
  record(
    req: IncomingMessage,
    url: URL,
    entry: { endpoint: RecordedRequest['endpoint']; body: unknown; accountId: string | undefined; transport?: 'http' | 'ws'; method?: string },
  ): void {
    this.log.record({
      transport: entry.transport ?? 'http',
      endpoint: entry.endpoint,
      method: entry.method ?? req.method ?? 'GET',
      path: url.pathname,
      query: queryOf(url),
      headers: req.headers,
      rawHeaders: pairHeaders(req.rawHeaders),
      body: entry.body,
      accountId: entry.accountId,
      connection: this.#connectionOf(req.socket),
    });
  }

  #connectionOf(socket: Socket): number {
    let id = this.#connections.get(socket);
    if (id === undefined) {
      id = this.#nextConnection++;
      this.#connections.set(socket, id);
    }
    return id;
  }

  /** Counts a stream served to `accountId` until the returned function is called (once). */
  streamStarted(accountId: string): () => void {
    const count = this.#streams.get(accountId) ?? { open: 0, max: 0 };
    this.#streams.set(accountId, count);
    count.open += 1;
    count.max = Math.max(count.max, count.open);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      count.open -= 1;
    };
  }

  streams(accountId: string): StreamCount {
    return { ...(this.#streams.get(accountId) ?? { open: 0, max: 0 }) };
  }

  /** Consumes the scripted step for this request and applies its effect on account state. */
  takeStep(accountId: string | undefined, endpoint: Endpoint): Step | undefined {
    const step = this.scripts.take(accountId, endpoint);
    if (step?.kind === 'unauthorized' && accountId !== undefined) {
      // The token is dead for good, not just for this reply: only a refresh recovers (§5.2).
      this.accounts.revokeAccessTokens(accountId, step.code ?? 'token_invalidated');
    }
    return step;
  }

  /** The `x-codex-*` headers for a reply to `accountId`; a usage-limit reply reports its window as full. */
  rateLimitHeaders(accountId: string, step?: Step): Record<string, string> {
    const nowSec = this.nowSec();
    let usage = this.accounts.usage(accountId);
    const resetAt = step && usageLimitResetAt(step, nowSec);
    if (resetAt !== undefined) usage = exhaustPrimary(usage, resetAt);
    return rateLimitHeaders(usage, this.accounts.plan(accountId), nowSec);
  }

  reset(): void {
    this.#streams.clear();
    this.accounts.clear();
    this.scripts.clear();
    this.log.clear();
    this.logins.clear();
  }
}
