/**
 * Every Grafana panel the operator ships (operator/render/dashboards/) has data: a real `codex-lb-proxy serve`
 * with metrics on gets traffic of every kind a dashboard shows (streamed and unary answers, a WebSocket turn, an
 * upstream rate limit, a token refresh, a broken WebSocket), then its real /metrics is scraped, and each metric a
 * panel queries has at least one sample.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { DASHBOARDS } from '../../../operator/render/dashboards.ts';
import { ANY_ACCOUNT, startFakeUpstream, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { collectSse, openSocket, runTurn, socketBody } from '../../fakes/upstream-client.ts';
import { startServe, type ServeProcess } from '../../e2e/proxy/support/serve-process.ts';
import { freePort } from '../../harness/ports.ts';

interface Panel {
  title: string;
  targets: Array<{ expr: string }>;
}

/** Metric names a PromQL expression reads (histogram series names included as written). */
function metricsOf(expr: string): string[] {
  return [...expr.matchAll(/\b((?:codex_lb|process|nodejs)_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
}

const panels = Object.entries(DASHBOARDS).flatMap(([file, dashboard]) => (dashboard as { panels: Panel[] }).panels.map((p) => ({ file, ...p })));

describe('dashboard panels against the proxy metrics', () => {
  let fake: FakeUpstream;
  let serve: ServeProcess;
  let metricsUrl: string;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    const port = await freePort();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
    serve = await startServe(fake, { CODEX_LB_METRICS_ENABLED: 'true', CODEX_LB_METRICS_PORT: String(port) });
    const account = fake.addAccount({ plan: 'pro' });
    await serve.importAccount(account);

    const post = (path: string, body: Record<string, unknown>) =>
      fetch(`${serve.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await collectSse(await post('/backend-api/codex/responses', { model: 'gpt-5.4', instructions: 'x', input: [{ role: 'user', content: [{ type: 'input_text', text: 'streamed' }] }], stream: true }));
    await (await post('/v1/responses', { model: 'gpt-5.4', input: 'unary' })).text();
    // A token refresh forced by the upstream, and an upstream rate limit.
    fake.revokeAccessTokens(account.accountId);
    await (await post('/v1/responses', { model: 'gpt-5.4', input: 'after revocation' })).text();
    fake.script(ANY_ACCOUNT, { kind: 'rate_limit_exceeded' });
    await (await post('/v1/responses', { model: 'gpt-5.4', input: 'limited' })).text();
    // A WebSocket turn, and a WebSocket whose client breaks the protocol.
    const socket = await openSocket(serve.url, {});
    if (!socket.ok) throw new Error(`WebSocket refused: ${socket.status}`);
    await runTurn(socket.ws, socketBody('over a socket'));
    socket.ws.close();
    const broken = new WebSocket(`${serve.url.replace(/^http/, 'ws')}/backend-api/codex/responses`);
    await once(broken, 'open');
    const closed = once(broken, 'close');
    (broken as unknown as { _socket: Socket })._socket.write(Buffer.from([0x81, 0x01, 0x41]));
    await closed;
  });

  afterAll(async () => {
    await serve?.stop();
    await fake?.close();
  });

  it('ships dashboards whose every panel queries something', () => {
    expect(panels.length).toBeGreaterThan(10);
    for (const panel of panels) expect(panel.targets.flatMap((t) => metricsOf(t.expr)), `${panel.file}: ${panel.title}`).not.toEqual([]);
  });

  it('has a sample for every metric any panel queries', async () => {
    const scraped = await (await fetch(metricsUrl)).text();
    const sampled = new Set([...scraped.matchAll(/^([a-z_:][a-z0-9_:]*)(?:\{[^}]*\})? \S+$/gm)].map((m) => m[1]!));
    const missing = panels.flatMap((panel) =>
      panel.targets.flatMap((t) => metricsOf(t.expr)).filter((name) => !sampled.has(name)).map((name) => `${panel.file} "${panel.title}": ${name}`),
    );
    expect(missing).toEqual([]);
  });
});
