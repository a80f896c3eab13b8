import { MockAgent } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { httpTokenEndpoint, OAUTH_CLIENT_ID, refreshErrorCode, TokenRefreshError } from './token-endpoint.ts';

const ORIGIN = 'http://auth.example.test';

describe('refreshErrorCode (§5.3)', () => {
  it.each([
    [{ error: { code: 'refresh_token_reused', message: 'x' } }, 401, 'refresh_token_reused'],
    [{ error: { error: 'refresh_token_expired' } }, 401, 'refresh_token_expired'],
    [{ error: 'invalid_grant', error_description: 'Invalid refresh token' }, 400, 'invalid_grant'],
    [{ error_code: 'account_deactivated' }, 403, 'account_deactivated'],
    [{ code: 'account_suspended' }, 403, 'account_suspended'],
    [{ message: 'nothing useful' }, 502, 'http_502'],
    [null, 500, 'http_500'],
  ])('reads %j (HTTP %i) as %s', (body, status, code) => {
    expect(refreshErrorCode(body, status)).toBe(code);
  });
});

describe('httpTokenEndpoint', () => {
  let agent: MockAgent;
  beforeEach(() => {
    agent = new MockAgent();
    agent.disableNetConnect();
  });
  afterEach(() => agent.close());

  const endpoint = () => httpTokenEndpoint({ tokenUrl: `${ORIGIN}/oauth/token`, timeoutMs: 5000, dispatcher: agent });

  it('sends the refresh grant as JSON and returns the rotated tokens', async () => {
    let sent: unknown;
    agent
      .get(ORIGIN)
      .intercept({ path: '/oauth/token', method: 'POST', headers: { 'content-type': 'application/json' } })
      .reply(200, (options) => {
        sent = JSON.parse(String(options.body));
        return { access_token: 'fake-access-2', refresh_token: 'fake-refresh-2', id_token: 'fake-id-2', expires_in: 3600 };
      });
    const tokens = await endpoint().refresh('fake-refresh-1');
    expect(sent).toEqual({ grant_type: 'refresh_token', client_id: OAUTH_CLIENT_ID, refresh_token: 'fake-refresh-1', scope: 'openid profile email' });
    expect(tokens).toEqual({ accessToken: 'fake-access-2', refreshToken: 'fake-refresh-2', idToken: 'fake-id-2' });
  });

  it('rejects an answer without all three tokens as invalid_response', async () => {
    agent.get(ORIGIN).intercept({ path: '/oauth/token', method: 'POST' }).reply(200, { access_token: 'fake-access-2' });
    await expect(endpoint().refresh('fake-refresh-1')).rejects.toMatchObject({ code: 'invalid_response', permanent: null });
  });

  it('turns an error answer into its code, marking permanent ones', async () => {
    agent
      .get(ORIGIN)
      .intercept({ path: '/oauth/token', method: 'POST' })
      .reply(401, { error: { code: 'refresh_token_reused', message: 'already used' } });
    const error = await endpoint().refresh('fake-refresh-1').catch((err: unknown) => err);
    expect(error).toBeInstanceOf(TokenRefreshError);
    expect(error).toMatchObject({ code: 'refresh_token_reused', httpStatus: 401, permanent: { status: 'reauth_required' } });
  });

  it('reports a connection failure as transport_error without request details', async () => {
    agent.get(ORIGIN).intercept({ path: '/oauth/token', method: 'POST' }).replyWithError(new Error('socket hang up fake-refresh-1'));
    const error = (await endpoint().refresh('fake-refresh-1').catch((err: unknown) => err)) as TokenRefreshError;
    expect(error.code).toBe('transport_error');
    expect(error.message).toBe('token refresh failed: transport_error');
    expect(JSON.stringify({ message: error.message, cause: String(error.cause) })).not.toContain('fake-refresh-1');
  });
});
