/** The fake's ChatGPT login is strict where the real one is: PKCE, one use per code, the registered client. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream.ts';

const CLIENT = 'app_EMoamEEZ73f0CkXaXp7hrann';
const verifier = 'a-verifier-of-enough-length-0123456789abcdef';
const challenge = createHash('sha256').update(verifier).digest('base64url');

describe('fake login desk', () => {
  let fake: FakeUpstream;
  beforeAll(async () => {
    fake = await startFakeUpstream();
  });
  afterAll(() => fake.close());

  async function code(redirectUri: string): Promise<string> {
    const query = new URLSearchParams({ response_type: 'code', client_id: CLIENT, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state: 's1' });
    const res = await fetch(`${fake.url}/oauth/authorize?${query}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(String(res.headers.get('location')));
    expect(location.searchParams.get('state')).toBe('s1');
    return String(location.searchParams.get('code'));
  }

  const exchange = (form: Record<string, string>): Promise<Response> =>
    fetch(`${fake.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });

  it('exchanges a code once, only with the verifier of its challenge and its redirect URI', async () => {
    const redirect = 'http://localhost:1455/auth/callback';
    const first = await code(redirect);
    expect((await exchange({ grant_type: 'authorization_code', client_id: CLIENT, code: first, code_verifier: 'wrong', redirect_uri: redirect })).status).toBe(400);
    expect((await exchange({ grant_type: 'authorization_code', client_id: CLIENT, code: first, code_verifier: verifier, redirect_uri: 'http://elsewhere/' })).status).toBe(400);
    const ok = await exchange({ grant_type: 'authorization_code', client_id: CLIENT, code: first, code_verifier: verifier, redirect_uri: redirect });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String), id_token: expect.any(String) });
    expect((await exchange({ grant_type: 'authorization_code', client_id: CLIENT, code: first, code_verifier: verifier, redirect_uri: redirect })).status).toBe(400);
  });

  it('refuses an authorize call without S256 PKCE or from another client', async () => {
    const base = { response_type: 'code', client_id: CLIENT, redirect_uri: 'http://localhost:1455/auth/callback', code_challenge: challenge };
    expect((await fetch(`${fake.url}/oauth/authorize?${new URLSearchParams({ ...base, code_challenge_method: 'plain' })}`, { redirect: 'manual' })).status).toBe(400);
    expect((await fetch(`${fake.url}/oauth/authorize?${new URLSearchParams({ ...base, code_challenge_method: 'S256', client_id: 'x' })}`, { redirect: 'manual' })).status).toBe(400);
  });

  it('answers a device poll pending (403) until the user decides', async () => {
    const issued = (await (await fetch(`${fake.url}/api/accounts/deviceauth/usercode`, { method: 'POST', body: JSON.stringify({ client_id: CLIENT }), headers: { 'content-type': 'application/json' } })).json()) as Record<string, string>;
    const poll = () => fetch(`${fake.url}/api/accounts/deviceauth/token`, { method: 'POST', body: JSON.stringify({ device_auth_id: issued.device_auth_id, user_code: issued.user_code }), headers: { 'content-type': 'application/json' } });
    expect((await poll()).status).toBe(403);
    fake.decideDevice(String(issued.user_code), { approve: { newAccount: { plan: 'plus' } } });
    const approved = await poll();
    expect(await approved.json()).toEqual({ authorization_code: expect.any(String), code_verifier: expect.any(String) });
  });
});
