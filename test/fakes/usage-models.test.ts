/**
 * `GET /backend-api/wham/usage` (proxy-contract §8.1) and `GET /backend-api/codex/models` (§3.3):
 * payload shapes, plan-dependent windows and catalog, and the 401 the usage poller must answer
 * with a refresh.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OAUTH_CLIENT_ID } from './accounts.ts';
import { startFakeUpstream, type AccountCredentials, type FakeUpstream } from './fake-upstream.ts';
import { backendHeaders } from './upstream-client.ts';

let fake: FakeUpstream;

beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const getUsage = (who: Pick<AccountCredentials, 'accessToken' | 'accountId'>): Promise<Response> =>
  fetch(`${fake.url}/backend-api/wham/usage`, { headers: { ...backendHeaders(who), accept: 'application/json' } });

describe('GET /backend-api/wham/usage', () => {
  it('reports a paid plan with a 5-hour primary and a 7-day secondary window', async () => {
    const account = fake.addAccount({ plan: 'pro', email: 'pro@fake-upstream.test' });
    const now = Math.floor(Date.now() / 1000);
    fake.setUsage(account.accountId, { primary: { usedPercent: 45, resetAt: now + 3600 }, secondary: { usedPercent: 30, resetAt: now + 400_000 } });

    const res = await getUsage(account);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      account_id: account.accountId,
      user_id: account.userId,
      email: 'pro@fake-upstream.test',
      plan_type: 'pro',
      rate_limit: {
        allowed: true,
        limit_reached: false,
        primary_window: { used_percent: 45, limit_window_seconds: 18_000, reset_at: now + 3600 },
        secondary_window: { used_percent: 30, limit_window_seconds: 604_800, reset_at: now + 400_000 },
      },
      credits: { has_credits: false, unlimited: false, balance: '0' },
      additional_rate_limits: null,
    });
    const primary = (body.rate_limit as { primary_window: { reset_after_seconds: number } }).primary_window;
    expect(primary.reset_after_seconds).toBeGreaterThan(3590);
    expect(primary.reset_after_seconds).toBeLessThanOrEqual(3600);
  });

  it('gives a free plan one 30-day primary window and no secondary (the "monthly" case)', async () => {
    const account = fake.addAccount({ plan: 'free' });
    const body = (await (await getUsage(account)).json()) as { rate_limit: Record<string, unknown> };
    expect(body.rate_limit.primary_window).toMatchObject({ limit_window_seconds: 2_592_000 });
    expect(body.rate_limit.secondary_window).toBeNull();
  });

  it('flags limit_reached when a window is full and no credits cover it', async () => {
    const account = fake.addAccount();
    fake.setUsage(account.accountId, { secondary: { usedPercent: 100 } });
    expect(((await (await getUsage(account)).json()) as { rate_limit: unknown }).rate_limit).toMatchObject({ allowed: false, limit_reached: true });

    fake.setUsage(account.accountId, { credits: { hasCredits: true, balance: '5' } });
    expect(((await (await getUsage(account)).json()) as { rate_limit: unknown }).rate_limit).toMatchObject({ allowed: true, limit_reached: false });
  });

  it('restarts a window at 0 % once its reset time has passed', async () => {
    const account = fake.addAccount();
    const now = Math.floor(Date.now() / 1000);
    fake.setUsage(account.accountId, { primary: { usedPercent: 100, resetAt: now - 10 } });
    const body = (await (await getUsage(account)).json()) as { rate_limit: { primary_window: { used_percent: number; reset_at: number } } };
    expect(body.rate_limit.primary_window.used_percent).toBe(0);
    expect(body.rate_limit.primary_window.reset_at).toBe(now - 10 + 18_000);
  });

  it('answers 401 to a revoked token until the account refreshes (§8.1 refresh-on-401)', async () => {
    const account = fake.addAccount();
    fake.script(account.accountId, { kind: 'unauthorized' }, { endpoint: 'usage' });

    const first = await getUsage(account);
    expect(first.status).toBe(401);
    expect(((await first.json()) as { error: { code: string } }).error.code).toBe('token_invalidated');
    expect((await getUsage(account)).status).toBe(401);

    const refreshed = await fetch(`${fake.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', client_id: OAUTH_CLIENT_ID, refresh_token: account.refreshToken }),
    });
    const { access_token } = (await refreshed.json()) as { access_token: string };
    expect((await getUsage({ accountId: account.accountId, accessToken: access_token })).status).toBe(200);
  });

  it('can be scripted to fail the way deactivated accounts do (402)', async () => {
    const account = fake.addAccount();
    fake.script(account.accountId, { kind: 'http_error', status: 402, body: { detail: { code: 'deactivated_workspace' } } }, { endpoint: 'usage' });
    const res = await getUsage(account);
    expect(res.status).toBe(402);
    expect(await res.json()).toEqual({ detail: { code: 'deactivated_workspace' } });
  });
});

describe('GET /backend-api/codex/models', () => {
  const getModels = (who: AccountCredentials): Promise<Response> =>
    fetch(`${fake.url}/backend-api/codex/models?client_version=0.144.0`, { headers: backendHeaders(who) });
  const slugs = async (res: Response): Promise<string[]> => ((await res.json()) as { models: Array<{ slug: string }> }).models.map((m) => m.slug);

  it('returns the Codex catalog shape with an ETag', async () => {
    const res = await getModels(fake.addAccount());
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toMatch(/^W\/".+"$/);
    const { models } = (await res.json()) as { models: Record<string, unknown>[] };
    expect(models.find((m) => m.slug === 'gpt-5.4')).toMatchObject({
      slug: 'gpt-5.4',
      display_name: expect.any(String),
      context_window: expect.any(Number),
      default_reasoning_level: 'medium',
      supported_reasoning_levels: expect.arrayContaining([{ effort: 'high', description: expect.any(String) }]),
      prefer_websockets: true,
      supported_in_api: true,
      visibility: 'list',
      available_in_plans: expect.arrayContaining(['plus', 'free']),
    });
  });

  it('lists only the models of the caller plan', async () => {
    const plus = await slugs(await getModels(fake.addAccount({ plan: 'plus' })));
    const pro = await slugs(await getModels(fake.addAccount({ plan: 'pro' })));
    const free = await slugs(await getModels(fake.addAccount({ plan: 'free' })));

    expect(pro).toContain('gpt-5.3-codex-spark');
    expect(plus).not.toContain('gpt-5.3-codex-spark');
    expect(plus).toContain('gpt-5.6-sol');
    expect(free).not.toContain('gpt-5.6-sol');
    expect(free).toContain('gpt-5.4-mini');
  });

  it('requires a valid bearer token', async () => {
    const res = await fetch(`${fake.url}/backend-api/codex/models`);
    expect(res.status).toBe(401);
  });
});
