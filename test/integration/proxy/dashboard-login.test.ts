/**
 * Adding accounts by ChatGPT login (issue 10, acceptance 2; reference/proxy-contract.md §6) against the fake's
 * authorize, token and device endpoints: the browser PKCE flow finished by the callback listener or by a pasted
 * redirect URL, the device-code flow, and the clear messages a denied or expired login ends with.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { DashboardClient } from './support/dashboard-client.ts';
import { DATABASE_KINDS, Databases } from './support/databases.ts';
import { startProxy, type ProxyUnderTest } from './support/proxy-harness.ts';

const dbs = new Databases();
afterAll(() => dbs.stop());

interface Status {
  status: 'pending' | 'success' | 'error';
  errorCode?: string;
  errorMessage?: string;
  accountId?: string;
}

describe.each(DATABASE_KINDS)('ChatGPT login from the dashboard (%s)', (kind) => {
  let fake: FakeUpstream;
  let proxy: ProxyUnderTest;
  let admin: DashboardClient;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    proxy = await startProxy({ fake, databaseUrl: await dbs.fresh(kind) });
    admin = new DashboardClient(proxy.url);
    await admin.session();
  });
  afterAll(async () => {
    await proxy?.close();
    await fake?.close();
  });

  /** The user's browser at the authorize URL: where the login server sends it back to. */
  async function signIn(authorizationUrl: string): Promise<string> {
    const res = await request(authorizationUrl, { method: 'GET' });
    await res.body.dump();
    expect(res.statusCode).toBe(302);
    return String(res.headers.location);
  }

  const status = async (flowId: string): Promise<Status> => (await admin.call('GET', `/api/oauth/status?flowId=${flowId}`)).body as unknown as Status;

  it('browser flow: the redirect reaches the callback port, the account joins the pool, no token is ever answered', async () => {
    const started = await admin.call('POST', '/api/oauth/start', { body: { forceMethod: 'browser' } });
    const { flowId, authorizationUrl, callbackUrl } = started.body as { flowId: string; authorizationUrl: string; callbackUrl: string };
    expect(callbackUrl).toBe(`http://localhost:${proxy.dashboard.callback?.port}/auth/callback`);
    const authorize = new URL(authorizationUrl);
    expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
      response_type: 'code',
      client_id: 'app_EMoamEEZ73f0CkXaXp7hrann',
      redirect_uri: callbackUrl,
      code_challenge_method: 'S256',
      scope: 'openid profile email offline_access',
      originator: 'codex_chatgpt_desktop',
    });
    expect(await status(flowId)).toEqual({ method: 'browser', status: 'pending' });

    const back = await signIn(authorizationUrl);
    const page = await request(back.replace('localhost', '127.0.0.1'));
    const html = await page.body.text();
    expect([page.statusCode, html]).toEqual([200, expect.stringContaining('ChatGPT account added')]);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");

    const done = await status(flowId);
    expect(done).toMatchObject({ status: 'success', accountId: expect.any(String) });
    const created = fake.accounts().at(-1)!;
    const accounts = await admin.call('GET', '/api/accounts');
    expect((accounts.body.accounts as Array<{ id: string; email: string }>).find((a) => a.id === done.accountId)?.email).toBe(created.email);
    for (const text of [started.text, html, accounts.text, JSON.stringify(done)]) {
      for (const secret of [created.accessToken, created.refreshToken, created.idToken]) expect(text).not.toContain(secret);
    }
    // The same redirect again (a reload of the callback page) changes nothing.
    const again = await request(back.replace('localhost', '127.0.0.1'));
    expect([again.statusCode, await again.body.text()]).toEqual([200, expect.stringContaining('ChatGPT account added')]);
  });

  it('browser flow: a pasted redirect URL finishes the login when the browser could not reach the callback port', async () => {
    const { flowId, authorizationUrl } = (await admin.call('POST', '/api/oauth/start', { body: { forceMethod: 'browser' } })).body as { flowId: string; authorizationUrl: string };
    const back = await signIn(authorizationUrl);
    const finished = await admin.call('POST', '/api/oauth/manual-callback', { body: { flowId, callbackUrl: back } });
    expect(finished.body).toMatchObject({ status: 'success', accountId: expect.any(String) });
    const wrong = await admin.call('POST', '/api/oauth/manual-callback', { body: { flowId, callbackUrl: 'https://example.com/?nothing=here' } });
    expect(wrong.body).toMatchObject({ status: 'success' });
    const stranger = await admin.call('POST', '/api/oauth/manual-callback', { body: { callbackUrl: `${back.split('?')[0]}?code=x&state=not-a-login` } });
    expect([stranger.status, (stranger.body.error as { code: string }).code]).toEqual([400, 'unknown_state']);
  });

  it('browser flow: a denied sign-in ends the login with a clear message', async () => {
    fake.nextLogin({ deny: true });
    const { flowId, authorizationUrl } = (await admin.call('POST', '/api/oauth/start', { body: { forceMethod: 'browser' } })).body as { flowId: string; authorizationUrl: string };
    const page = await request((await signIn(authorizationUrl)).replace('localhost', '127.0.0.1'));
    expect([page.statusCode, await page.body.text()]).toEqual([400, expect.stringContaining('Sign-in was denied at the ChatGPT login page.')]);
    expect(await status(flowId)).toEqual({ method: 'browser', status: 'error', errorCode: 'denied', errorMessage: 'Sign-in was denied at the ChatGPT login page.' });
  });

  it('device flow: shows a code, keeps polling while undecided, adds the account once approved', async () => {
    const started = await admin.call('POST', '/api/oauth/start', { body: { forceMethod: 'device' } });
    const { flowId, userCode, verificationUrl, intervalSeconds } = started.body as { flowId: string; userCode: string; verificationUrl: string; intervalSeconds: number };
    expect([verificationUrl, intervalSeconds]).toEqual([`${fake.url}/codex/device`, 1]);
    expect(started.text).not.toContain('deviceauth_');
    expect(fake.deviceCodes()).toContain(userCode);
    expect(await status(flowId)).toMatchObject({ status: 'pending' });
    const account = fake.addAccount({ plan: 'team' });
    fake.decideDevice(userCode, { approve: { accountId: account.accountId } });
    await expect.poll(async () => (await status(flowId)).status, { timeout: 15_000, interval: 250 }).toBe('success');
    const { accountId } = await status(flowId);
    const listed = (await admin.call('GET', '/api/accounts')).body.accounts as Array<{ id: string; email: string; planType: string }>;
    expect(listed.find((a) => a.id === accountId)).toMatchObject({ email: account.email, planType: 'team' });
  });

  it('device flow: denial and expiry end with clear messages', async () => {
    const denied = (await admin.call('POST', '/api/oauth/start', { body: { forceMethod: 'device' } })).body as { flowId: string; userCode: string };
    fake.decideDevice(denied.userCode, { deny: true });
    await expect.poll(async () => (await status(denied.flowId)).status, { timeout: 15_000, interval: 250 }).toBe('error');
    expect(await status(denied.flowId)).toMatchObject({ errorCode: 'denied', errorMessage: 'Sign-in was denied at the ChatGPT login page.' });

    const expired = (await admin.call('POST', '/api/oauth/start', { body: { forceMethod: 'device' } })).body as { flowId: string; userCode: string };
    fake.decideDevice(expired.userCode, { expire: true });
    await expect.poll(async () => (await status(expired.flowId)).status, { timeout: 15_000, interval: 250 }).toBe('error');
    expect(await status(expired.flowId)).toMatchObject({
      errorCode: 'expired',
      errorMessage: 'The code expired before it was approved. Start again to get a new code.',
    });
  });

  it('answers 404 for a login it does not know and 422 for a bad method', async () => {
    expect((await admin.call('GET', '/api/oauth/status?flowId=nope')).status).toBe(404);
    expect((await admin.call('POST', '/api/oauth/start', { body: { forceMethod: 'carrier-pigeon' } })).status).toBe(422);
  });
});
