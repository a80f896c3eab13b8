/**
 * The `/wham/usage` poller (reference/proxy-contract.md §8.1): on the leader only, refreshes every usable
 * account whose last observation is older than the interval, one account at a time.
 *
 * Per account: fetch with its access token; on 401 force a token refresh and retry once; 401/403 put the account
 * in an auth cooldown (in memory) so a broken account is not hammered; 402/404, permanent error codes, or a
 * message saying the account was deactivated change its status. 403 alone never deactivates.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccountRepository, AccountSnapshot } from '../accounts/account-repository.ts';
import { permanentFailureFor, type PermanentFailure } from '../accounts/status.ts';
import type { TokenProvider } from '../accounts/token-refresher.ts';
import { AccountTokenError } from '../accounts/token-endpoint.ts';
import type { UsageRecorder } from './usage-recorder.ts';
import { parseWhamUsage } from './wham-usage.ts';

/** One `/wham/usage` answer; `body` is the parsed JSON or null. */
export interface UsageResponse {
  readonly status: number;
  readonly body: unknown;
}

export interface UsageRequest {
  readonly accessToken: string;
  /** null for synthetic accounts (`email_…`/`local_…`): no `chatgpt-account-id` header is sent. */
  readonly chatgptAccountId: string | null;
}

export type FetchUsage = (request: UsageRequest) => Promise<UsageResponse>;

export type PollOutcome =
  | { readonly accountId: string; readonly result: 'recorded' }
  | { readonly accountId: string; readonly result: 'skipped'; readonly reason: string }
  | { readonly accountId: string; readonly result: 'failed'; readonly reason: string };

export interface UsagePollerOptions {
  readonly accounts: AccountRepository;
  readonly tokens: TokenProvider;
  readonly recorder: UsageRecorder;
  readonly fetchUsage: FetchUsage;
  /** Only the leader polls (leader election lives with the cluster code). @default () => true */
  readonly isLeader?: () => boolean | Promise<boolean>;
  /** `CODEX_LB_USAGE_REFRESH_INTERVAL_SECONDS` in ms. */
  readonly intervalMs: number;
  /** `CODEX_LB_USAGE_REFRESH_AUTH_FAILURE_COOLDOWN_SECONDS` in ms. */
  readonly authFailureCooldownMs: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

const NOT_POLLED = new Set(['reauth_required', 'deactivated']);

export class UsagePoller {
  readonly #options: UsagePollerOptions;
  readonly #now: () => Date;
  readonly #authCooldownUntil = new Map<string, number>();

  constructor(options: UsagePollerOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Polls every due account once (nothing when not the leader). */
  async pollOnce(): Promise<PollOutcome[]> {
    if (!(await (this.#options.isLeader ?? (() => true))())) return [];
    const outcomes: PollOutcome[] = [];
    for (const account of await this.#options.accounts.list()) {
      if (!this.#isDue(account)) continue;
      try {
        outcomes.push(await this.pollAccount(account));
      } catch (err) {
        // One account's transport failure must not starve the others of their refresh.
        outcomes.push({ accountId: account.id, result: 'failed', reason: (err as { code?: string }).code ?? 'error' });
      }
    }
    return outcomes;
  }

  /** Runs pollOnce every interval until the signal aborts. A failing pass is reported, not fatal. */
  async run(signal: AbortSignal, onError: (err: unknown) => void = () => undefined): Promise<void> {
    while (!signal.aborted) {
      try {
        await this.pollOnce();
      } catch (err) {
        onError(err);
      }
      await sleep(this.#options.intervalMs, undefined, { signal }).catch(() => undefined);
    }
  }

  /** Polls one account now (also used right after an import). */
  async pollAccount(account: AccountSnapshot): Promise<PollOutcome> {
    const accountId = account.id;
    let token: string;
    try {
      token = await this.#options.tokens.getAccessToken(accountId);
    } catch (err) {
      if (err instanceof AccountTokenError) return { accountId, result: 'skipped', reason: err.code };
      throw err;
    }
    const request = { chatgptAccountId: account.chatgptAccountId };
    let response = await this.#options.fetchUsage({ ...request, accessToken: token });
    if (response.status === 401) {
      try {
        token = await this.#options.tokens.forceRefresh(accountId, token);
      } catch (err) {
        if (err instanceof AccountTokenError) return { accountId, result: 'failed', reason: err.code };
        throw err;
      }
      response = await this.#options.fetchUsage({ ...request, accessToken: token });
    }
    if (response.status >= 400) return this.#failed(accountId, response);
    const usage = parseWhamUsage(response.body, this.#now());
    if (usage === null) return { accountId, result: 'failed', reason: 'invalid_usage_payload' };
    const { snapshot, ...labels } = usage;
    await this.#options.recorder.record(accountId, snapshot, 'poll', labels);
    return { accountId, result: 'recorded' };
  }

  #isDue(account: AccountSnapshot): boolean {
    if (NOT_POLLED.has(account.status)) return false;
    const now = this.#now().getTime();
    if ((this.#authCooldownUntil.get(account.id) ?? 0) > now) return false;
    return account.usageUpdatedAt === null || now - account.usageUpdatedAt.getTime() >= this.#options.intervalMs;
  }

  async #failed(accountId: string, response: UsageResponse): Promise<PollOutcome> {
    const reason = `http_${response.status}`;
    const failure = usageFailure(response);
    if (failure !== null) {
      await this.#options.accounts.applyEvent(accountId, { type: 'permanent_failure', failure });
    } else if (response.status === 401 || response.status === 403) {
      this.#authCooldownUntil.set(accountId, this.#now().getTime() + this.#options.authFailureCooldownMs);
    }
    return { accountId, result: 'failed', reason };
  }
}

/** The status change a failed `/wham/usage` answer demands, or null (pure, §8.1). */
export function usageFailure(response: UsageResponse): PermanentFailure | null {
  const { code, message } = errorDetails(response.body);
  const reason = `Usage API error: HTTP ${response.status}${message === null ? '' : ` - ${message}`}`;
  const permanent = code === null ? null : permanentFailureFor(code);
  if (permanent !== null) return { status: permanent.status, reason };
  if (response.status === 402 || response.status === 404 || /account has been deactivated/i.test(message ?? '')) {
    return { status: 'deactivated', reason };
  }
  return null;
}

function errorDetails(body: unknown): { code: string | null; message: string | null } {
  if (typeof body !== 'object' || body === null) return { code: null, message: null };
  const record = body as Record<string, unknown>;
  const error = typeof record.error === 'object' && record.error !== null ? (record.error as Record<string, unknown>) : record;
  const code = error.code ?? (typeof record.error === 'string' ? record.error : undefined);
  const message = error.message ?? record.detail;
  return {
    code: typeof code === 'string' ? code : null,
    // Upstream messages are short human text; cap them so a hostile body cannot bloat the reason column.
    message: typeof message === 'string' ? message.slice(0, 300) : null,
  };
}
