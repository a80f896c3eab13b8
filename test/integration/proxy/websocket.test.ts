/**
 * The Responses WebSocket routes (reference/proxy-contract.md §2.7): `response.create` frames in,
 * upstream events out as JSON frames, turns in order on one socket pinned to one account, errors
 * as frames, and the drain close codes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ANY_ACCOUNT } from '../../fakes/fake-upstream.ts';
import { openSocket, runTurn, socketBody, type Frame } from '../../fakes/upstream-client.ts';
import { CODEX_CLI_HEADERS } from './support/clients.ts';
import { DATABASE_KINDS, Databases } from './support/databases.ts';
import type { ProxyUnderTest } from './support/proxy-harness.ts';
import { proxySuite } from './support/suite.ts';

const dbs = new Databases();
afterAll(() => dbs.stop());

function open(url: string, path: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; headers: Record<string, unknown> }> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${path}`, { headers });
  return new Promise((resolve, reject) => {
    let upgrade: Record<string, unknown> = {};
    ws.once('upgrade', (res) => (upgrade = res.headers));
    ws.once('open', () => resolve({ ws, headers: upgrade }));
    ws.once('error', reject);
  });
}

function closed(ws: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

const text = (frames: Frame[]): string => frames.filter((f) => f.type === 'response.output_text.delta').map((f) => String(f.delta)).join('');

describe.each(DATABASE_KINDS)('Responses over WebSocket (%s)', (kind) => {
  const suite = proxySuite();

  async function start(accounts = 2, env: Record<string, string> = {}): Promise<ProxyUnderTest> {
    const proxy = await suite.start({ databaseUrl: await dbs.fresh(kind), env });
    for (let i = 0; i < accounts; i++) await proxy.importAccount(suite.fake.addAccount());
    return proxy;
  }

  it('serves turns on /backend-api/codex/responses in order, all on the account the socket is pinned to', async () => {
    const p = await start(3);
    const opening = await openSocket(p.url, CODEX_CLI_HEADERS);
    if (!opening.ok) throw new Error(`upgrade refused: ${opening.status}`);
    expect(opening.headers['x-codex-turn-state']).toMatch(/^turn_[0-9a-f]{32}$/);
    const texts: string[] = [];
    for (const word of ['one', 'two', 'three']) {
      const { frames } = await runTurn(opening.ws, socketBody(word));
      expect(frames.at(-1)?.type).toBe('response.completed');
      expect(frames[0]?.type).toBe('codex.rate_limits');
      texts.push(text(frames));
    }
    const owners = new Set(texts.map((t) => /^Echo from ([^:]+):/.exec(t)?.[1]));
    expect(owners.size).toBe(1);
    expect(texts.map((t) => t.split(': ')[1])).toEqual(['one', 'two', 'three']);
    opening.ws.close();
  });

  it('keeps one upstream socket per account for the client socket, so previous_response_id continues a turn', async () => {
    const p = await start(2);
    const { ws } = await open(p.url, '/backend-api/codex/responses', CODEX_CLI_HEADERS);
    const first = await runTurn(ws, socketBody('remember this'));
    const responseId = (first.frames.at(-1)?.response as { id: string }).id;
    const second = await runTurn(ws, { ...socketBody('and continue'), previous_response_id: responseId });
    expect(second.frames.at(-1)?.type).toBe('response.completed');
    const upstreamTurns = suite.fake.requests.filter((r) => r.endpoint === 'responses');
    expect(upstreamTurns.map((r) => r.transport)).toEqual(['ws', 'ws']);
    expect(suite.fake.requests.filter((r) => r.endpoint === 'websocket')).toHaveLength(1);
    expect((upstreamTurns[1]?.body as Record<string, unknown>).previous_response_id).toBe(responseId);
    ws.close();
  });

  it('tells a Codex client its previous_response_id is gone (the upstream socket was lost), so it resends the history', async () => {
    const p = await start(1);
    const { ws } = await open(p.url, '/backend-api/codex/responses', CODEX_CLI_HEADERS);
    const { frames } = await runTurn(ws, { ...socketBody('orphan'), previous_response_id: 'resp_unknown_to_this_connection' });
    expect(frames).toEqual([
      { type: 'error', status: 400, error: { message: 'Previous response not found.', type: 'invalid_request_error', code: 'previous_response_not_found' } },
    ]);
    ws.close();
  });

  it('with CODEX_LB_UPSTREAM_STREAM_TRANSPORT=http, serves socket turns over HTTP SSE upstream', async () => {
    const p = await start(1, { CODEX_LB_UPSTREAM_STREAM_TRANSPORT: 'http' });
    const { ws } = await open(p.url, '/backend-api/codex/responses', CODEX_CLI_HEADERS);
    expect((await runTurn(ws, socketBody('over http'))).frames.at(-1)?.type).toBe('response.completed');
    expect(suite.fake.requests.filter((r) => r.endpoint === 'responses').map((r) => r.transport)).toEqual(['http']);
    ws.close();
  });

  it('echoes the client turn state in the handshake', async () => {
    const p = await start(1);
    const opening = await openSocket(p.url, { ...CODEX_CLI_HEADERS, 'x-codex-turn-state': 'client-turn-7' });
    expect(opening.ok && opening.headers['x-codex-turn-state']).toBe('client-turn-7');
    if (opening.ok) opening.ws.close();
  });

  it('answers an upstream rejection with an error frame carrying its status, and keeps the socket open', async () => {
    const p = await start(1);
    suite.fake.script(ANY_ACCOUNT, { kind: 'usage_limit_reached', resetsInSeconds: 600 });
    const opening = await openSocket(p.url, CODEX_CLI_HEADERS);
    if (!opening.ok) throw new Error('upgrade refused');
    const { frames, closed: wasClosed } = await runTurn(opening.ws, socketBody('limited'));
    expect(wasClosed).toBe(false);
    expect(frames).toEqual([{ type: 'error', status: 429, error: expect.objectContaining({ type: 'usage_limit_reached', code: 'usage_limit_reached', resets_at: expect.any(Number) }) }]);
    opening.ws.close();
  });

  it('answers frames that are not response.create with an error frame', async () => {
    const p = await start(1);
    const { ws } = await open(p.url, '/backend-api/codex/responses', CODEX_CLI_HEADERS);
    const reply = new Promise<Frame>((resolve) => ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as Frame)));
    ws.send('{"type":"session.update"}');
    expect(await reply).toMatchObject({ type: 'error', status: 400, error: { type: 'invalid_request_error', param: 'type' } });
    const after = await runTurn(ws, socketBody('still open'));
    expect(after.frames.at(-1)?.type).toBe('response.completed');
    ws.close();
  });

  it('/v1/responses over WebSocket gets no codex.* vendor frames', async () => {
    const p = await start(1);
    const { ws } = await open(p.url, '/v1/responses');
    const { frames } = await runTurn(ws, { model: 'gpt-5.4', input: 'sdk socket' });
    expect(frames.some((f) => f.type.startsWith('codex.'))).toBe(false);
    expect(frames.at(-1)?.type).toBe('response.completed');
    ws.close();
  });

  it('while draining, closes idle sockets with 1012 and refuses new ones with 1013', async () => {
    const p = await start(1);
    const { ws: idle } = await open(p.url, '/backend-api/codex/responses', CODEX_CLI_HEADERS);
    const idleClosed = closed(idle);
    p.services.drain.start();
    expect(await idleClosed).toEqual({ code: 1012, reason: 'Server is draining' });
    const { ws: late } = await open(p.url, '/backend-api/codex/responses', CODEX_CLI_HEADERS);
    expect(await closed(late)).toEqual({ code: 1013, reason: 'Server is draining' });
  });

  it('writes one request log row per turn with transport websocket', async () => {
    const p = await start(1);
    const { ws } = await open(p.url, '/backend-api/codex/responses', CODEX_CLI_HEADERS);
    const { frames } = await runTurn(ws, socketBody('logged'));
    ws.close();
    const responseId = (frames.at(-1)?.response as { id: string }).id;
    await expect
      .poll(async () => (await p.dataLayer.dataSource.query(`SELECT transport, status FROM request_logs WHERE request_id = '${responseId}'`)) as unknown[])
      .toEqual([{ transport: 'websocket', status: 'success' }]);
  });
});
