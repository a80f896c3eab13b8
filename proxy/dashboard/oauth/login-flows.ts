/**
 * ChatGPT logins that add (or refresh) a pool account (reference/proxy-contract.md §6): the browser PKCE flow,
 * finished by the callback on port 1455 or a pasted redirect URL, and the device-code flow for headless use.
 * Flows live in `oauth_flows`, so any replica can finish a flow another one started (the callback Service routes
 * to any pod). A device flow is polled when the dashboard asks for its status, by whichever replica claims the
 * poll first (`next_poll_at` moves forward atomically), at the server's interval: no background job to lose.
 *
 * The PKCE verifier and device auth id are stored encrypted; no answer of this module carries a token.
 */
import type { DataSource } from 'typeorm';
import type { AccountAdmin } from '../../accounts/admin.ts';
import type { OAuthTokens } from '../../accounts/auth-json.ts';
import type { TokenCipher } from '../../accounts/token-cipher.ts';
import { LessThan } from 'typeorm';
import { AdminError } from '../../store/admin-error.ts';
import { OAuthFlowEntity, type OAuthFlowRow } from '../../store/entities/dashboard.ts';
import { runSql } from '../../store/sql.ts';
import { dashboardErrors } from '../errors.ts';
import { LoginError, type LoginClient } from './login-client.ts';
import { authorizeUrl, challengeOf, randomToken, type CallbackQuery } from './pkce.ts';

/** How long a browser login may take (upstream: 15 minutes). */
export const BROWSER_FLOW_TTL_MS = 15 * 60_000;
/** Finished and expired flows are kept this long for status answers, then swept. */
const RETENTION_MS = 24 * 3600_000;

export type StartedFlow =
  | { flowId: string; method: 'browser'; authorizationUrl: string; callbackUrl: string }
  | { flowId: string; method: 'device'; verificationUrl: string; userCode: string; intervalSeconds: number; expiresInSeconds: number };

export interface FlowStatus {
  status: 'pending' | 'success' | 'error';
  /** A stable reason when status is error: denied, expired, exchange_failed, state_mismatch, … */
  errorCode?: string;
  errorMessage?: string;
  accountId?: string;
  method: 'browser' | 'device';
}

/** User-facing text per outcome; the UI shows `errorMessage` as is. */
const MESSAGES = {
  expired: 'The login expired before it was completed. Start again.',
  device_expired: 'The code expired before it was approved. Start again to get a new code.',
  denied: 'Sign-in was denied at the ChatGPT login page.',
  invalid_callback: 'The pasted URL is not a login redirect (it needs code and state parameters).',
  unknown_state: 'This redirect does not belong to a login in progress (it expired, or was already used).',
} as const;

export interface LoginFlowsOptions {
  readonly dataSource: DataSource;
  readonly cipher: TokenCipher;
  readonly client: LoginClient;
  readonly accounts: Pick<AccountAdmin, 'importAuthJson'>;
  /** The redirect URI sent to the authorize endpoint (`http://localhost:1455/auth/callback`). */
  readonly redirectUri: string;
  /** After an account was added or refreshed (e.g. poll its usage at once). */
  readonly imported?: (accountId: string) => void;
  readonly now?: () => Date;
}

export class LoginFlows {
  readonly #options: LoginFlowsOptions;
  readonly #now: () => Date;

  constructor(options: LoginFlowsOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
  }

  async startBrowser(): Promise<StartedFlow> {
    const now = this.#now();
    await this.#sweep(now);
    const verifier = randomToken(32);
    const state = randomToken(16);
    const flowId = randomToken(12);
    await this.#repository().insert({
      ...emptyFlow(flowId, 'browser', now, new Date(now.getTime() + BROWSER_FLOW_TTL_MS)),
      stateToken: state,
      codeVerifierEncrypted: this.#options.cipher.encrypt(verifier),
    });
    const url = authorizeUrl(this.#options.client.endpoints.authorize, { challenge: challengeOf(verifier), state, redirectUri: this.#options.redirectUri });
    return { flowId, method: 'browser', authorizationUrl: url, callbackUrl: this.#options.redirectUri };
  }

  async startDevice(): Promise<StartedFlow> {
    const now = this.#now();
    await this.#sweep(now);
    const code = await this.#upstream(() => this.#options.client.requestDeviceCode(now));
    const flowId = randomToken(12);
    await this.#repository().insert({
      ...emptyFlow(flowId, 'device', now, code.expiresAt),
      deviceAuthIdEncrypted: this.#options.cipher.encrypt(code.deviceAuthId),
      userCode: code.userCode,
      intervalSeconds: code.intervalSeconds,
      nextPollAt: new Date(now.getTime() + code.intervalSeconds * 1000),
    });
    return {
      flowId,
      method: 'device',
      verificationUrl: this.#options.client.endpoints.deviceVerification,
      userCode: code.userCode,
      intervalSeconds: code.intervalSeconds,
      expiresInSeconds: Math.max(0, Math.round((code.expiresAt.getTime() - now.getTime()) / 1000)),
    };
  }

  /** `GET /api/oauth/status`: a device flow whose poll is due is polled first (by one replica). */
  async status(flowId: string): Promise<FlowStatus> {
    let flow = await this.#require(flowId);
    if (flow.status === 'pending' && flow.expiresAt.getTime() <= this.#now().getTime()) {
      flow = await this.#finish(flow, { status: 'error', errorCode: 'expired', errorMessage: flow.method === 'device' ? MESSAGES.device_expired : MESSAGES.expired });
    } else if (flow.status === 'pending' && flow.method === 'device') {
      flow = await this.#pollDevice(flow);
    }
    return statusOf(flow);
  }

  /** The redirect reached the callback port, or its URL was pasted (`flowId` then names the flow it must belong to). */
  async finishBrowser(query: CallbackQuery, flowId?: string): Promise<FlowStatus> {
    if (query.kind === 'invalid' || query.state === undefined) {
      if (flowId === undefined) throw new AdminError(400, 'invalid_callback', MESSAGES.invalid_callback);
      return this.#fail(await this.#require(flowId), 'invalid_callback', MESSAGES.invalid_callback);
    }
    const flow = await this.#repository().findOneBy({ stateToken: query.state });
    if (flow === null || (flowId !== undefined && flow.flowId !== flowId) || flow.method !== 'browser') {
      throw new AdminError(400, 'unknown_state', MESSAGES.unknown_state);
    }
    if (flow.status !== 'pending') return statusOf(flow);
    if (flow.expiresAt.getTime() <= this.#now().getTime()) return this.#fail(flow, 'expired', MESSAGES.expired);
    if (query.kind === 'error') {
      const denied = query.error === 'access_denied';
      return this.#fail(flow, denied ? 'denied' : query.error, denied ? MESSAGES.denied : `The login failed: ${query.description ?? query.error}`);
    }
    // One exchange per code: claim the flow (a second callback or paste of the same redirect waits for the first).
    if (!(await this.#claim(flow.flowId, null, 60))) return statusOf(await this.#require(flow.flowId));
    const verifier = this.#options.cipher.decrypt(flow.codeVerifierEncrypted ?? '');
    return this.#exchange(flow, () => this.#options.client.exchangeCode(query.code, verifier, this.#options.redirectUri));
  }

  async #pollDevice(flow: OAuthFlowRow): Promise<OAuthFlowRow> {
    const interval = flow.intervalSeconds ?? 5;
    if (!(await this.#claim(flow.flowId, flow.nextPollAt, interval))) return this.#require(flow.flowId);
    const deviceAuthId = this.#options.cipher.decrypt(flow.deviceAuthIdEncrypted ?? '');
    let poll;
    try {
      poll = await this.#options.client.pollDevice(deviceAuthId, flow.userCode ?? '');
    } catch (err) {
      // A server hiccup is not the user's answer: poll again at the next interval.
      if (err instanceof LoginError) return this.#require(flow.flowId);
      throw err;
    }
    if (poll.kind === 'pending') return this.#require(flow.flowId);
    if (poll.kind === 'expired') return this.#finish(flow, { status: 'error', errorCode: 'expired', errorMessage: MESSAGES.device_expired });
    if (poll.kind === 'denied') {
      const message = poll.code === 'access_denied' ? MESSAGES.denied : `The login failed: ${poll.code}`;
      return this.#finish(flow, { status: 'error', errorCode: poll.code === 'access_denied' ? 'denied' : poll.code, errorMessage: message });
    }
    const redirectUri = this.#options.client.endpoints.deviceRedirectUri;
    await this.#exchange(flow, () => this.#options.client.exchangeCode(poll.authorizationCode, poll.codeVerifier, redirectUri));
    return this.#require(flow.flowId);
  }

  async #exchange(flow: OAuthFlowRow, exchange: () => Promise<OAuthTokens>): Promise<FlowStatus> {
    let tokens: OAuthTokens;
    try {
      tokens = await exchange();
    } catch (err) {
      if (!(err instanceof LoginError)) throw err;
      return this.#fail(flow, 'exchange_failed', `Could not finish the login: ${err.message}`);
    }
    let accountId: string;
    try {
      const document = { tokens: { id_token: tokens.idToken, access_token: tokens.accessToken, refresh_token: tokens.refreshToken }, last_refresh: this.#now().toISOString() };
      accountId = (await this.#options.accounts.importAuthJson(document)).account.id;
    } catch (err) {
      if (!(err instanceof AdminError)) throw err;
      return this.#fail(flow, err.code, `The login returned an unusable account: ${err.message}`);
    }
    this.#options.imported?.(accountId);
    return statusOf(await this.#finish(flow, { status: 'success', accountId }));
  }

  /** Moves `next_poll_at` from `seen` to now + `seconds` if nobody else did: true when this call owns the poll. */
  async #claim(flowId: string, seen: Date | null, seconds: number): Promise<boolean> {
    const now = this.#now().getTime();
    const rows = await runSql(
      this.#options.dataSource,
      `UPDATE oauth_flows SET next_poll_at = :next WHERE flow_id = :flowId AND status = 'pending' AND ${
        seen === null ? 'next_poll_at IS NULL' : 'next_poll_at <= :now'
      } RETURNING flow_id`,
      { next: now + seconds * 1000, flowId, now },
    );
    return rows.length === 1;
  }

  async #fail(flow: OAuthFlowRow, errorCode: string, errorMessage: string): Promise<FlowStatus> {
    return statusOf(await this.#finish(flow, { status: 'error', errorCode, errorMessage }));
  }

  /** Records the outcome unless the flow already has one (a success is never overwritten). */
  async #finish(flow: OAuthFlowRow, outcome: Partial<Pick<OAuthFlowRow, 'status' | 'errorCode' | 'errorMessage' | 'accountId'>>): Promise<OAuthFlowRow> {
    await this.#repository()
      .createQueryBuilder()
      .update()
      .set({ ...outcome, finishedAt: this.#now(), codeVerifierEncrypted: null, deviceAuthIdEncrypted: null })
      .where('flow_id = :flowId AND status = :pending', { flowId: flow.flowId, pending: 'pending' })
      .execute();
    return this.#require(flow.flowId);
  }

  async #require(flowId: string): Promise<OAuthFlowRow> {
    const flow = await this.#repository().findOneBy({ flowId });
    if (flow === null) throw dashboardErrors.oauthFlowNotFound();
    return flow;
  }

  async #upstream<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      if (err instanceof LoginError) throw dashboardErrors.oauthUnavailable(`The ChatGPT login server refused: ${err.message}`);
      throw err;
    }
  }

  async #sweep(now: Date): Promise<void> {
    await this.#repository().delete({ expiresAt: LessThan(new Date(now.getTime() - RETENTION_MS)) });
  }

  #repository() {
    return this.#options.dataSource.getRepository(OAuthFlowEntity);
  }
}

function emptyFlow(flowId: string, method: 'browser' | 'device', now: Date, expiresAt: Date): OAuthFlowRow {
  return {
    flowId,
    method,
    status: 'pending',
    stateToken: null,
    codeVerifierEncrypted: null,
    deviceAuthIdEncrypted: null,
    userCode: null,
    intervalSeconds: null,
    nextPollAt: null,
    errorCode: null,
    errorMessage: null,
    accountId: null,
    expiresAt,
    createdAt: now,
    finishedAt: null,
  };
}

function statusOf(flow: OAuthFlowRow): FlowStatus {
  return {
    method: flow.method,
    status: flow.status,
    ...(flow.errorCode === null ? {} : { errorCode: flow.errorCode }),
    ...(flow.errorMessage === null ? {} : { errorMessage: flow.errorMessage }),
    ...(flow.accountId === null ? {} : { accountId: flow.accountId }),
  };
}
