/**
 * The dashboard in a real browser (issue 10, acceptances 1, 3 and 5): headless Chromium signs in, adds an account
 * by the ChatGPT login (PKCE against the fake's authorize and token endpoints, finished by the proxy's callback
 * listener), sees its usage bars, creates an API key the real Codex CLI then uses, finds that turn in the request
 * log and the overview chart, revokes the key, pauses the account; markup in an alias or a logged error renders as
 * text; every page passes axe-core's WCAG 2 A/AA checks and is reachable by keyboard. Screenshots of each page go to
 * .local/test-results/dashboard/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STATIC_DIR } from '../../../proxy/dashboard/wiring.ts';
import { startFakeUpstream, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { DashboardClient } from '../../integration/proxy/support/dashboard-client.ts';
import { startProxy, type ProxyUnderTest } from '../../integration/proxy/support/proxy-harness.ts';
import { codexExec } from '../proxy/support/codex-cli.ts';
import { audit, openBrowser, screenshotDir, type Browser } from './support/browser.ts';

const PASSWORD = 'dashboard password for the browser test';
const MARKUP = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';

let fake: FakeUpstream;
let proxy: ProxyUnderTest;
let browser: Browser;
let page: Page;
let base: string;

beforeAll(async () => {
  if (!existsSync(join(DEFAULT_STATIC_DIR, 'index.html'))) throw new Error(`${DEFAULT_STATIC_DIR} is not built: run 'make setup' (or 'make ui')`);
  fake = await startFakeUpstream();
  proxy = await startProxy({ fake, staticDir: DEFAULT_STATIC_DIR, env: { CODEX_LB_API_KEY_AUTH_ENABLED: 'true' } });
  // The administrator set a password earlier (through a port-forward): the browser must sign in with it.
  const setup = new DashboardClient(proxy.url);
  await setup.session();
  expect((await setup.call('POST', '/api/dashboard-auth/password/setup', { body: { password: PASSWORD } })).status).toBe(200);
  base = proxy.url.replace('127.0.0.1', 'localhost');
  browser = await openBrowser();
  page = browser.page;
  page.on('dialog', (dialog) => void dialog.accept());
});
afterAll(async () => {
  await browser?.close();
  await proxy?.close();
  await fake?.close();
});

async function shoot(name: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir(), `${name}.png`) });
}

async function expectAccessible(): Promise<void> {
  expect(await audit(page)).toEqual([]);
}

async function goTo(label: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: label, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: label }).waitFor();
}

describe('the dashboard in Chromium', () => {
  it('asks for the password, refuses a wrong one, and signs in', async () => {
    await page.goto(`${base}/`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expectAccessible();
    await shoot('login');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong password' }).waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Overview' }).waitFor();
    const cookies = await browser.context.cookies();
    expect(cookies.find((c) => c.name === 'codex_lb_dashboard_session')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    expect(await page.evaluate('document.cookie')).toBe('');
  });

  it('adds an account by the ChatGPT login and shows its usage bars', async () => {
    await goTo('Accounts');
    const popup = page.context().waitForEvent('page');
    await page.getByRole('button', { name: 'Log in with ChatGPT' }).click();
    const login = await popup;
    // The fake's authorize page sends the browser straight back to the proxy's callback listener.
    await login.getByRole('heading', { name: 'ChatGPT account added' }).waitFor();
    expect(login.url()).toMatch(/^http:\/\/localhost:\d+\/auth\/callback\?/);
    await login.close();
    const added = fake.accounts().at(-1)!;
    await page.getByRole('status').filter({ hasText: 'Account added to the pool.' }).waitFor();
    const row = page.getByRole('row').filter({ hasText: added.email });
    await row.waitFor();
    await expect.poll(() => row.getByRole('progressbar').count(), { timeout: 20_000 }).toBe(2);
    // The account has been busy: the next usage poll shows its windows draining.
    fake.setUsage(added.accountId, { primary: { usedPercent: 62 }, secondary: { usedPercent: 18 } });
    const id = (await proxy.dataLayer.accounts.list()).find((a) => a.email === added.email)!.id;
    await proxy.dataLayer.usagePoller.pollAccount((await proxy.dataLayer.accounts.get(id))!);
    await page.reload();
    await expect.poll(() => row.getByRole('progressbar').first().getAttribute('aria-valuenow'), { timeout: 20_000 }).toBe('62');
    await expectAccessible();
    await shoot('accounts');
  });

  it('creates an API key shown once; the Codex CLI uses it and the turn shows in the request log and the overview', async () => {
    await goTo('API keys');
    await page.getByLabel('Name').fill('codex-cli');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-key').textContent()) ?? '';
    expect(key).toMatch(/^sk-clb-/);
    await expectAccessible();
    await shoot('api-keys');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.reload();
    await page.getByRole('row').filter({ hasText: 'codex-cli' }).waitFor();
    expect(await page.content()).not.toContain(key);

    const run = await codexExec({ baseUrl: proxy.url, prompt: 'Hello from the dashboard test', apiKey: key });
    expect(run.code).toBe(0);

    await goTo('Request log');
    const logged = page.getByRole('row').filter({ hasText: 'codex-cli' });
    await expect.poll(() => logged.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await expect.poll(async () => logged.first().textContent()).toContain('success');
    await expectAccessible();
    await shoot('request-log');

    await goTo('Overview');
    await expect.poll(async () => Number(await page.getByTestId('total-requests').textContent()), { timeout: 20_000 }).toBeGreaterThan(0);
    // The chart arrives in its own chunk after the figures (React.lazy).
    await expect.poll(() => page.locator('.recharts-area-area').count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await expectAccessible();
    await shoot('overview');

    await goTo('API keys');
    await page.getByRole('button', { name: 'Revoke codex-cli' }).click();
    await page.getByRole('row').filter({ hasText: 'codex-cli' }).waitFor({ state: 'detached' });
    const refused = await codexExec({ baseUrl: proxy.url, prompt: 'Still there?', apiKey: key });
    expect(refused.code).not.toBe(0);
  });

  it('pauses an account, and renders markup in an alias or a logged error as text', async () => {
    await goTo('Accounts');
    const email = fake.accounts().at(-1)!.email;
    const row = page.getByRole('row').filter({ hasText: email });
    await row.getByRole('button', { name: `Pause ${email}` }).click();
    await row.getByText('Paused', { exact: true }).waitFor();

    await row.getByLabel(`Alias of ${email}`).fill(MARKUP);
    await row.getByRole('button', { name: 'Save' }).click();
    await page.getByText(MARKUP, { exact: true }).first().waitFor();
    await goTo('Overview');
    await page.getByText(MARKUP, { exact: true }).first().waitFor();

    // An upstream error message full of markup lands in the request log.
    await row.page().goto(`${base}/accounts`);
    await page.getByRole('row').filter({ hasText: email }).getByRole('button', { name: `Resume ${email}` }).click();
    fake.script(fake.accounts().at(-1)!.accountId, { kind: 'http_error', status: 400, body: { error: { code: 'invalid_request_error', message: MARKUP } } });
    const key = (await proxy.dataLayer.apiKeyAdmin.create({ name: 'markup' })).key;
    await fetch(`${proxy.url}/v1/responses`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'gpt-5.4', input: 'x' }) });
    await goTo('Request log');
    await page.getByRole('table').getByText(MARKUP, { exact: true }).first().waitFor();
    expect(await page.evaluate('window.__xss')).toBeUndefined();
    expect(await page.locator('img[src="x"]').count()).toBe(0);
  });

  it('reaches every page by keyboard, with the settings page accessible too', async () => {
    await page.goto(`${base}/settings`);
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    await expectAccessible();
    await shoot('settings');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content');
    const visited: string[] = [];
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('Tab');
      visited.push(String(await page.evaluate('document.activeElement?.textContent')));
    }
    expect(visited).toEqual(['Overview', 'Accounts', 'Request log', 'API keys', 'Settings']);
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/api-keys');
  });
});
