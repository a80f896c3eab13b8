/**
 * `POST /oauth/token` (proxy-contract §5): refresh-token rotation, single use with family
 * revocation on reuse, the refresh error bodies of §5.3, and the tokens' claims (§4.4).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OAUTH_CLIENT_ID } from './accounts.ts';
import { startFakeUpstream, type AccountCredentials, type FakeUpstream } from './fake-upstream.ts';
import { decodeJwtClaims } from './jwt.ts';
import { postResponses, responsesBody } from './upstream-client.ts';

let fake: FakeUpstream;
let account: AccountCredentials;

beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  account = fake.addAccount({ email: 'dev@fake-upstream.test', plan: 'team' });
});

interface TokenReply {
  access_token: string;
  id_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

function refresh(refreshToken: string, overrides: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${fake.url}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'refresh_token', client_id: OAUTH_CLIENT_ID, refresh_token: refreshToken, scope: 'openid profile email', ...overrides }),
  });
}

const reused = {
  error: {
    message: 'Your refresh token has already been used to generate a new access token. Please try signing in again.',
    type: 'invalid_request_error',
    param: null,
    code: 'refresh_token_reused',
  },
};

describe('refresh rotation', () => {
  it('exchanges a refresh token for new access, id and refresh tokens', async () => {
    const res = await refresh(account.refreshToken);
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as TokenReply;

    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 864_000 });
    expect(tokens.access_token).not.toBe(account.accessToken);
    expect(tokens.refresh_token).not.toBe(account.refreshToken);
    expect(tokens.id_token).not.toBe(account.idToken);
    expect(fake.account(account.accountId)).toMatchObject({ accessToken: tokens.access_token, refreshToken: tokens.refresh_token });
  });

  it('authorises backend calls with the new access token', async () => {
    const tokens = (await (await refresh(account.refreshToken)).json()) as TokenReply;
    const res = await postResponses(fake.url, { accountId: account.accountId, accessToken: tokens.access_token }, responsesBody('hi'));
    expect(res.status).toBe(200);
    await res.body?.cancel();
  });

  it('accepts the grant as an urlencoded form too', async () => {
    const res = await fetch(`${fake.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: OAUTH_CLIENT_ID, refresh_token: account.refreshToken }),
    });
    expect(res.status).toBe(200);
    expect(fake.requests.at(-1)).toMatchObject({ endpoint: 'refresh', accountId: account.accountId, body: { grant_type: 'refresh_token' } });
  });

  it('rejects a reused refresh token with refresh_token_reused and revokes the newer one too', async () => {
    const rotated = (await (await refresh(account.refreshToken)).json()) as TokenReply;

    const replay = await refresh(account.refreshToken);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual(reused);

    const afterReuse = await refresh(rotated.refresh_token);
    expect(afterReuse.status).toBe(401);
    expect(((await afterReuse.json()) as typeof reused).error.code).toBe('refresh_token_invalidated');
  });

  it('lets exactly one of two racing refreshes win, costing the account its login (§15.7)', async () => {
    const results = await Promise.all([refresh(account.refreshToken), refresh(account.refreshToken)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
    const winner = (await results.find((r) => r.status === 200)?.json()) as TokenReply;

    expect((await refresh(winner.refresh_token)).status).toBe(401);
  });
});

describe('refresh errors (§5.3)', () => {
  it('answers an unknown refresh token with the RFC 6749 invalid_grant body', async () => {
    const res = await refresh('rt_fake_unknown');
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_grant', error_description: 'Invalid refresh token' });
  });

  it('rejects another client id and other grant types', async () => {
    expect((await refresh(account.refreshToken, { client_id: 'app_other' })).status).toBe(401);
    const wrongGrant = await refresh(account.refreshToken, { grant_type: 'password' });
    expect(wrongGrant.status).toBe(400);
    expect(((await wrongGrant.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });

  it.each([
    ['refresh_token_expired', 401, 'Your refresh token has expired. Please try signing in again.'],
    ['refresh_token_invalidated', 401, 'Your session has ended. Please log in again.'],
    ['refresh_token_reused', 401, reused.error.message],
  ] as const)('scripts %s as a 401 with the OpenAI error object', async (code, status, message) => {
    fake.script(account.accountId, { kind: 'refresh_error', code });
    const res = await refresh(account.refreshToken);
    expect(res.status).toBe(status);
    expect(await res.json()).toEqual({ error: { message, type: 'invalid_request_error', param: null, code } });

    expect((await refresh(account.refreshToken)).status).toBe(200);
  });

  it('scripts invalid_grant as 400 by default and as 401 when asked', async () => {
    fake.script(account.accountId, { kind: 'refresh_error', code: 'invalid_grant' });
    fake.script(account.accountId, { kind: 'refresh_error', code: 'invalid_grant', status: 401 });
    const first = await refresh(account.refreshToken);
    const second = await refresh(account.refreshToken);
    expect([first.status, second.status]).toEqual([400, 401]);
    expect(await second.json()).toEqual({ error: 'invalid_grant', error_description: 'Invalid refresh token' });
  });

  it('scripts a transient 503 that leaves the refresh token usable', async () => {
    fake.script(account.accountId, { kind: 'server_error', status: 503 }, { endpoint: 'refresh' });
    expect((await refresh(account.refreshToken)).status).toBe(503);
    expect((await refresh(account.refreshToken)).status).toBe(200);
  });
});

describe('issued credentials (§4.4)', () => {
  it('carries account, plan and email claims under the https://api.openai.com/auth namespace', () => {
    const access = decodeJwtClaims(account.accessToken);
    const id = decodeJwtClaims(account.idToken);
    const auth = { chatgpt_account_id: account.accountId, chatgpt_plan_type: 'team', chatgpt_user_id: account.userId };

    expect(access).toMatchObject({ client_id: OAUTH_CLIENT_ID, 'https://api.openai.com/auth': auth, 'https://api.openai.com/profile': { email: 'dev@fake-upstream.test' } });
    expect(id).toMatchObject({ email: 'dev@fake-upstream.test', aud: [OAUTH_CLIENT_ID], 'https://api.openai.com/auth': auth });
    const now = Date.now() / 1000;
    expect(access?.exp).toBeGreaterThan(now + 9 * 86_400);
    expect(id?.exp).toBeGreaterThan(now);
  });

  it('renders a Codex CLI auth.json for import', () => {
    expect(account.authJson()).toEqual({
      OPENAI_API_KEY: null,
      tokens: { id_token: account.idToken, access_token: account.accessToken, refresh_token: account.refreshToken, account_id: account.accountId },
      last_refresh: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
    });
  });

  it('issues an already-expired access token when asked, with exp in the past', () => {
    const stale = fake.addAccount({ accessTokenExpired: true });
    expect(Number(decodeJwtClaims(stale.accessToken)?.exp)).toBeLessThan(Date.now() / 1000);
  });
});
