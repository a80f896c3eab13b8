/**
 * The dashboard through the rendered Ingress (issue 10, acceptance 4): the operator renders a CodexLB with an
 * Ingress (ingress-nginx streaming set) and the OAuth callback Ingress; Debian's nginx, configured from those objects
 * as ingress-nginx would be (test/harness/ingress/nginx.ts), fronts a real proxy started with the rendered firewall
 * settings and the bootstrap token from `spec.env`. Through it: the UI loads, a remote browser must bootstrap (the
 * ingress's loopback connection never counts as local), the password, session cookie and CSRF work, and a browser
 * login finishes on the callback path of the OAuth Ingress.
 */
import { request } from 'undici';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodexLB } from '../../../operator/api/crds.ts';
import { admitOffline } from '../../../operator/api/defaults.ts';
import { renderCodexLB } from '../../../operator/render/codexlb.ts';
import { offlineInput } from '../../../operator/render/offline.ts';
import type { KubeObject } from '../../../operator/runtime/kube/types.ts';
import { DEFAULT_STATIC_DIR } from '../../../proxy/dashboard/wiring.ts';
import { startFakeUpstream, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { startIngress, type IngressController } from '../../harness/ingress/nginx.ts';
import { DashboardClient } from '../proxy/support/dashboard-client.ts';
import { startProxy, type ProxyUnderTest } from '../proxy/support/proxy-harness.ts';

const HOST = 'codex.example.test';
const BOOTSTRAP = 'ingress-bootstrap-token-0123456789';

const cr = admitOffline({
  apiVersion: 'codexlb.io/v1alpha1',
  kind: 'CodexLB',
  metadata: { name: 'lb', namespace: 'team' },
  spec: {
    ingress: { enabled: true, hosts: [{ host: HOST }], nginx: { enabled: true }, oauth: { enabled: true } },
    oauth: { callbackService: { enabled: true } },
    config: { firewall: { trustProxyHeaders: true, trustedProxyCIDRs: ['127.0.0.1/32'] } },
    env: [{ name: 'CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN', value: BOOTSTRAP }],
  },
} as unknown as CodexLB);
const objects = renderCodexLB(offlineInput(cr, '1.0.0'));

/** The rendered settings this test's proxy runs with: the firewall trust from the ConfigMap, the token from spec.env. */
function renderedProxyEnv(): Record<string, string> {
  const data = (objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'lb-env') as KubeObject & { data: Record<string, string> }).data;
  const pod = (objects.find((o) => o.kind === 'StatefulSet') as KubeObject & { spec: { template: { spec: { containers: Array<{ name: string; env?: Array<{ name: string; value?: string }> }> } } } }).spec.template.spec;
  const env = pod.containers.find((c) => c.name === 'codex-lb')?.env ?? [];
  return {
    CODEX_LB_FIREWALL_TRUST_PROXY_HEADERS: String(data.CODEX_LB_FIREWALL_TRUST_PROXY_HEADERS),
    CODEX_LB_FIREWALL_TRUSTED_PROXY_CIDRS: String(data.CODEX_LB_FIREWALL_TRUSTED_PROXY_CIDRS),
    CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN: String(env.find((e) => e.name === 'CODEX_LB_DASHBOARD_BOOTSTRAP_TOKEN')?.value),
    // Rendered as 0.0.0.0 for the pod; a test binds loopback only.
    CODEX_LB_OAUTH_CALLBACK_HOST: '127.0.0.1',
  };
}

describe('the dashboard through the rendered Ingress (nginx)', () => {
  let fake: FakeUpstream;
  let proxy: ProxyUnderTest;
  let ingress: IngressController;
  let browser: DashboardClient;

  beforeAll(async () => {
    if (!existsSync(join(DEFAULT_STATIC_DIR, 'index.html'))) throw new Error(`${DEFAULT_STATIC_DIR} is not built: run 'make setup' (or 'make ui')`);
    fake = await startFakeUpstream();
    proxy = await startProxy({ fake, staticDir: DEFAULT_STATIC_DIR, env: renderedProxyEnv() });
    const ingresses = objects.filter((o) => o.kind === 'Ingress');
    expect(ingresses.map((o) => o.metadata.name).sort()).toEqual(['lb', 'lb-oauth']);
    ingress = await startIngress(ingresses, {
      'lb:http': new URL(proxy.url).host,
      'lb-oauth:oauth': `127.0.0.1:${proxy.dashboard.callback?.port}`,
    });
    browser = new DashboardClient(ingress.url, { host: HOST });
  });
  afterAll(async () => {
    await ingress?.stop();
    await proxy?.close();
    await fake?.close();
  });

  it('serves the UI on the Ingress host, with its security headers', async () => {
    for (const path of ['/', '/accounts']) {
      const page = await request(`${ingress.url}${path}`, { headers: { host: HOST } });
      const html = await page.body.text();
      expect([path, page.statusCode, html]).toEqual([path, 200, expect.stringContaining('<div id="root"></div>')]);
      expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    }
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(await (await request(`${ingress.url}/`, { headers: { host: HOST } })).body.text())?.[1];
    const asset = await request(`${ingress.url}${script}`, { headers: { host: HOST } });
    await asset.body.dump();
    expect([asset.statusCode, asset.headers['cache-control']]).toEqual([200, 'public, max-age=31536000, immutable']);
    const unknownHost = await request(`${ingress.url}/`, { headers: { host: 'other.example.test' } });
    await unknownHost.body.dump();
    expect(unknownHost.statusCode).toBe(404);
  });

  it('treats a browser behind the Ingress as remote: no keyless entry, the first password needs the bootstrap token', async () => {
    expect((await browser.session()).body).toMatchObject({ authenticated: false, bootstrapRequired: true });
    expect((await browser.call('GET', '/api/accounts')).status).toBe(401);
    const refused = await browser.call('POST', '/api/dashboard-auth/password/setup', { body: { password: 'through the ingress', bootstrapToken: 'wrong' } });
    expect(refused.status).toBe(401);
    const setup = await browser.call('POST', '/api/dashboard-auth/password/setup', { body: { password: 'through the ingress', bootstrapToken: BOOTSTRAP } });
    expect(setup.status).toBe(200);
    expect(String(setup.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    browser.csrfToken = String(setup.body.csrfToken);
  });

  it('runs the API with the session cookie and CSRF token, the Origin being the Ingress host', async () => {
    expect((await browser.call('GET', '/api/accounts')).status).toBe(200);
    expect((await browser.call('POST', '/api/api-keys', { body: { name: 'x' }, csrf: null })).status).toBe(403);
    expect((await browser.call('POST', '/api/api-keys', { body: { name: 'x' }, origin: 'https://elsewhere.example' })).status).toBe(403);
    const created = await browser.call('POST', '/api/api-keys', { body: { name: 'via ingress' }, origin: `https://${HOST}` });
    expect(created.status).toBe(201);
  });

  it('finishes a ChatGPT login on the OAuth Ingress callback path', async () => {
    const { flowId, authorizationUrl } = (await browser.call('POST', '/api/oauth/start', { body: { forceMethod: 'browser' } })).body as { flowId: string; authorizationUrl: string };
    const signedIn = await request(authorizationUrl);
    await signedIn.body.dump();
    // The user's browser is sent to the redirect URI; on this installation the callback is served on the Ingress host.
    const redirect = new URL(String(signedIn.headers.location));
    const callback = await request(`${ingress.url}${redirect.pathname}${redirect.search}`, { headers: { host: HOST } });
    expect([callback.statusCode, await callback.body.text()]).toEqual([200, expect.stringContaining('ChatGPT account added')]);
    expect((await browser.call('GET', `/api/oauth/status?flowId=${flowId}`)).body).toMatchObject({ status: 'success' });
  });
});
