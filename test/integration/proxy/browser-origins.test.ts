/**
 * Cross-site WebSocket hijacking and CSRF (issue 12 item 7). With API-key auth off, a page the user
 * opens in a browser on the proxy's machine is a "local caller": before, its WebSocket upgrade
 * (which browsers send without a preflight) ran a turn on the pool. Browsers always name the page's
 * origin; non-browser clients name none. Origins outside CODEX_LB_ALLOWED_ORIGINS are refused on
 * upgrades and on every state-changing request — and no upstream call is made.
 */
import { describe, expect, it } from 'vitest';
import { openSocket, runTurn } from '../../fakes/upstream-client.ts';
import { codexTurn, json, post } from './support/clients.ts';
import { proxySuite } from './support/suite.ts';

const EVIL = { origin: 'https://evil.example' };
const refusal = {
  error: {
    message: 'Requests from browser origin "https://evil.example" are not allowed (CODEX_LB_ALLOWED_ORIGINS)',
    type: 'permission_error',
    code: 'origin_not_allowed',
  },
};

describe('browser origins', () => {
  const suite = proxySuite();

  it('refuses a WebSocket upgrade from a foreign origin (403) and runs no turn; no Origin still works', async () => {
    const proxy = await suite.start();
    await proxy.importAccount(suite.fake.addAccount());
    const hijack = await openSocket(proxy.url, EVIL);
    expect(hijack.ok).toBe(false);
    if (!hijack.ok) expect([hijack.status, JSON.parse(hijack.body)]).toEqual([403, refusal]);
    expect(suite.fake.requests).toEqual([]);

    const cli = await openSocket(proxy.url, {});
    if (!cli.ok) throw new Error(`upgrade refused: ${cli.status}`);
    expect((await runTurn(cli.ws, codexTurn('hello'))).frames.at(-1)?.type).toBe('response.completed');
    cli.ws.close();
  });

  it('refuses state-changing requests from a foreign origin on proxy, admin and drain paths; reads stay open', async () => {
    const proxy = await suite.start();
    await proxy.importAccount(suite.fake.addAccount());
    const turn = await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'x' }, EVIL);
    expect([turn.status, await json(turn)]).toEqual([403, refusal]);
    // A "simple" cross-site POST (text/plain, no preflight) to the loopback-only drain endpoint.
    const drain = await fetch(`${proxy.url}/internal/drain/start`, { method: 'POST', headers: { ...EVIL, 'content-type': 'text/plain' }, body: 'x' });
    expect([drain.status, await json(drain)]).toEqual([403, { detail: refusal.error.message }]);
    expect(proxy.services.drain.draining).toBe(false);
    const admin = await fetch(`${proxy.url}/internal/admin/api-keys`, { method: 'POST', headers: EVIL });
    expect([admin.status, await json(admin)]).toEqual([403, { error: { code: 'origin_not_allowed', message: refusal.error.message } }]);
    expect((await fetch(`${proxy.url}/v1/models`, { headers: EVIL })).status).toBe(200);
    expect(suite.fake.requests.filter((r) => r.endpoint === 'responses')).toEqual([]);
  });

  it('serves origins listed in CODEX_LB_ALLOWED_ORIGINS, over HTTP and WebSocket', async () => {
    const proxy = await suite.start({ env: { CODEX_LB_ALLOWED_ORIGINS: 'https://app.example.com' } });
    await proxy.importAccount(suite.fake.addAccount());
    const origin = { origin: 'https://app.example.com' };
    expect((await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'x' }, origin)).status).toBe(200);
    const socket = await openSocket(proxy.url, origin);
    expect(socket.ok).toBe(true);
    if (socket.ok) socket.ws.close();
    expect((await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'x' }, EVIL)).status).toBe(403);
  });
});
