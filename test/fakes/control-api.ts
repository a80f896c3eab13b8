/**
 * `/__fake/*`: the in-process controls over HTTP, for the standalone fake (demos, other processes).
 * Every route maps onto one FakeUpstream method, so both surfaces behave the same.
 *
 *   GET    /__fake/accounts                 list accounts (credentials + authJson)
 *   POST   /__fake/accounts                 add one; body: AccountOptions
 *   GET    /__fake/accounts/:id             one account's current credentials
 *   POST   /__fake/accounts/:id/usage       body: UsagePatch; returns the new usage state
 *   POST   /__fake/accounts/:id/revoke      body: {reason?: 'token_invalidated'|'token_expired'}
 *   GET    /__fake/scripts                  pending scripts
 *   POST   /__fake/scripts                  body: {accountId?, step, times?, sticky?, endpoint?}; no accountId = any account
 *   DELETE /__fake/scripts                  drop all scripts
 *   GET    /__fake/requests                 recorded requests
 *   DELETE /__fake/requests                 forget them
 *   POST   /__fake/logins/next              body: {accountId} | {newAccount: AccountOptions} | {deny: true}
 *   GET    /__fake/device-codes             user codes issued so far
 *   POST   /__fake/device-codes/:code       body: {approve: {accountId} | {newAccount}} | {deny: true} | {expire: true}
 *   POST   /__fake/reset                    accounts, scripts and requests all cleared
 * Errors answer 400 (bad input) or 404 (unknown route or account) with `{"error": message}`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AccountCredentials, AccountOptions } from './accounts.ts';
import type { FakeUpstream } from './fake-upstream.ts';
import type { DeviceDecision, LoginChoice } from './login.ts';
import { sendJson } from './http-io.ts';
import { isPlanType } from './plans.ts';
import type { UsagePatch } from './rate-limits.ts';
import { ANY_ACCOUNT, parseStep, type Endpoint } from './scripts.ts';

export type FakeControls = Omit<FakeUpstream, 'url' | 'port' | 'close'>;

class ControlError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export function serveControl(controls: FakeControls, req: IncomingMessage, res: ServerResponse, url: URL, body: unknown): void {
  try {
    const result = dispatch(controls, `${req.method} ${url.pathname.replace(/\/+$/, '')}`, body);
    sendJson(res, 200, result ?? { ok: true });
  } catch (err) {
    const status = err instanceof ControlError ? err.status : 400;
    sendJson(res, status, { error: err instanceof Error ? err.message : String(err) });
  }
}

function dispatch(controls: FakeControls, route: string, body: unknown): unknown {
  const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const account = /^(GET|POST) \/__fake\/accounts\/([^/]+)(\/usage|\/revoke)?$/.exec(route);
  if (account) {
    const accountId = decodeURIComponent(account[2] as string);
    if (!controls.accounts().some((a) => a.accountId === accountId)) throw new ControlError(404, `unknown account ${accountId}`);
    const action = `${account[1]} ${account[3] ?? ''}`;
    if (action === 'GET ') return accountJson(controls.account(accountId));
    if (action === 'POST /usage') return controls.setUsage(accountId, input as UsagePatch);
    if (action === 'POST /revoke') {
      const reason = input.reason === 'token_expired' ? 'token_expired' : 'token_invalidated';
      controls.revokeAccessTokens(accountId, reason);
      return undefined;
    }
  }
  const device = /^POST \/__fake\/device-codes\/([^/]+)$/.exec(route);
  if (device) {
    controls.decideDevice(decodeURIComponent(device[1] as string), loginDecision(input) as DeviceDecision);
    return undefined;
  }
  switch (route) {
    case 'POST /__fake/logins/next':
      controls.nextLogin(loginDecision(input) as LoginChoice);
      return undefined;
    case 'GET /__fake/device-codes':
      return controls.deviceCodes();
    case 'GET /__fake/accounts':
      return controls.accounts().map(accountJson);
    case 'POST /__fake/accounts':
      return accountJson(controls.addAccount(accountOptions(input)));
    case 'GET /__fake/scripts':
      return controls.pendingScripts();
    case 'POST /__fake/scripts': {
      const target = typeof input.accountId === 'string' ? input.accountId : ANY_ACCOUNT;
      controls.script(target, parseStep(input.step), {
        times: typeof input.times === 'number' ? input.times : undefined,
        sticky: input.sticky === true,
        endpoint: typeof input.endpoint === 'string' ? (input.endpoint as Endpoint) : undefined,
      });
      return undefined;
    }
    case 'DELETE /__fake/scripts':
      controls.clearScripts();
      return undefined;
    case 'GET /__fake/requests':
      return controls.requests;
    case 'DELETE /__fake/requests':
      controls.clearRequests();
      return undefined;
    case 'POST /__fake/reset':
      controls.reset();
      return undefined;
  }
  throw new ControlError(404, `no control route ${route}`);
}

/** A login or device decision from JSON (the shapes of login.ts); new accounts' options are checked. */
function loginDecision(input: Record<string, unknown>): LoginChoice | DeviceDecision {
  if (input.deny === true) return { deny: true };
  if (input.expire === true) return { expire: true };
  const pick = (value: unknown): { accountId: string } | { newAccount: AccountOptions } => {
    const record = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    if (typeof record.accountId === 'string') return { accountId: record.accountId };
    return { newAccount: accountOptions((record.newAccount ?? {}) as Record<string, unknown>) };
  };
  return input.approve === undefined ? pick(input) : { approve: pick(input.approve) };
}

function accountOptions(input: Record<string, unknown>): AccountOptions {
  if (input.plan !== undefined && !isPlanType(input.plan)) throw new Error(`unknown plan '${String(input.plan)}'`);
  return {
    email: typeof input.email === 'string' ? input.email : undefined,
    plan: input.plan,
    accountId: typeof input.accountId === 'string' ? input.accountId : undefined,
    accessTokenExpired: input.accessTokenExpired === true,
  };
}

/** Credentials as JSON: the auth.json is materialised since functions do not serialise. */
export function accountJson(credentials: AccountCredentials): Record<string, unknown> {
  return { ...credentials, authJson: credentials.authJson() };
}
