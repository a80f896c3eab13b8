/**
 * The fake's `/codex/responses` over WebSocket (proxy-contract §2.1, §2.7): authorised upgrade with
 * rate-limit headers, one turn per `response.create`, error frames that leave the socket usable,
 * and a connection-local continuation cache for `previous_response_id`.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { startFakeUpstream, type AccountCredentials, type FakeUpstream } from './fake-upstream.ts';
import { backendHeaders, openSocket, runTurn, socketBody, type Frame } from './upstream-client.ts';

let fake: FakeUpstream;
let account: AccountCredentials;
const sockets: WebSocket[] = [];

beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  account = fake.addAccount();
});
afterEach(() => {
  for (const ws of sockets.splice(0)) ws.terminate();
});

async function connect(who: AccountCredentials = account): Promise<WebSocket> {
  const opening = await openSocket(fake.url, backendHeaders(who));
  if (!opening.ok) throw new Error(`handshake refused: ${opening.status} ${opening.body}`);
  sockets.push(opening.ws);
  return opening.ws;
}

const types = (frames: Frame[]): string[] => frames.map((f) => f.type);
const completedId = (frames: Frame[]): string => (frames.at(-1)?.response as { id: string }).id;

describe('the WebSocket handshake', () => {
  it('switches protocols with the x-codex-* usage headers', async () => {
    fake.setUsage(account.accountId, { primary: { usedPercent: 7 } });
    const opening = await openSocket(fake.url, backendHeaders(account));
    expect(opening.ok).toBe(true);
    if (!opening.ok) return;
    sockets.push(opening.ws);
    expect(opening.headers['x-codex-primary-used-percent']).toBe('7');
    expect(opening.headers['x-codex-secondary-window-minutes']).toBe('10080');
  });

  it('refuses an unknown bearer token with 401 before upgrading', async () => {
    const opening = await openSocket(fake.url, { authorization: 'Bearer nope' });
    expect(opening).toMatchObject({ ok: false, status: 401 });
    if (opening.ok) return;
    expect(JSON.parse(opening.body)).toEqual({ detail: 'Could not parse your authentication token. Please try signing in again.' });
  });

  it('refuses the upgrade with a scripted status, e.g. 426 so the proxy falls back to HTTP (§2.4)', async () => {
    fake.script(account.accountId, { kind: 'http_error', status: 426, body: { detail: 'Upgrade Required' } }, { endpoint: 'websocket' });
    const refused = await openSocket(fake.url, backendHeaders(account));
    expect(refused).toMatchObject({ ok: false, status: 426 });

    await connect();
  });

  it('records the upgrade with the headers the proxy sent, beta header included', async () => {
    await connect();
    const [upgrade] = fake.requests;
    expect(upgrade).toMatchObject({ transport: 'ws', endpoint: 'websocket', method: 'GET', path: '/backend-api/codex/responses', accountId: account.accountId });
    expect(upgrade?.headers['openai-beta']).toBe('responses_websockets=2026-02-06');
  });
});

describe('turns on an open socket', () => {
  it('answers response.create with the same event sequence as SSE, one JSON text frame per event', async () => {
    const ws = await connect();
    const { frames, closed } = await runTurn(ws, socketBody('over the socket'));

    expect(closed).toBe(false);
    expect(types(frames)).toEqual([
      'codex.rate_limits',
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...Array(6).fill('response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const text = frames.filter((f) => f.type === 'response.output_text.delta').map((f) => f.delta).join('');
    expect(text).toBe(`Echo from ${account.accountId}: over the socket`);
  });

  it('serves several turns in sequence on one socket and records each as a ws request', async () => {
    const ws = await connect();
    await runTurn(ws, socketBody('first'));
    const second = await runTurn(ws, socketBody('second'));

    expect(second.frames.at(-1)?.type).toBe('response.completed');
    const turns = fake.requests.filter((r) => r.endpoint === 'responses');
    expect(turns.map((r) => [r.transport, r.method, (r.body as Record<string, unknown>).type])).toEqual([
      ['ws', 'WS', 'response.create'],
      ['ws', 'WS', 'response.create'],
    ]);
  });

  it('resolves previous_response_id only against responses completed on the same connection', async () => {
    const ws = await connect();
    const first = await runTurn(ws, socketBody('first'));
    const anchor = completedId(first.frames);

    const continued = await runTurn(ws, socketBody('second', { previous_response_id: anchor }));
    expect(continued.frames.at(-1)?.type).toBe('response.completed');

    const elsewhere = await runTurn(await connect(), socketBody('second', { previous_response_id: anchor }));
    expect(elsewhere.frames).toEqual([
      {
        type: 'error',
        status: 400,
        error: {
          type: 'invalid_request_error',
          code: 'previous_response_not_found',
          message: `Previous response with id '${anchor}' not found.`,
          param: 'previous_response_id',
        },
      },
    ]);
  });

  it('rejects stream/background in a response.create with an error frame and keeps the socket open', async () => {
    const ws = await connect();
    const rejected = await runTurn(ws, { ...socketBody('hi'), stream: true });
    expect(rejected.frames).toEqual([{ type: 'error', status: 400, error: { type: 'invalid_request_error', message: 'Unsupported parameter: stream' } }]);

    const next = await runTurn(ws, socketBody('hi'));
    expect(next.frames.at(-1)?.type).toBe('response.completed');
  });

  it('sends a scripted 429 as an error frame with the reset metadata, then serves the next turn', async () => {
    const resetsAt = Math.floor(Date.now() / 1000) + 900;
    fake.script(account.accountId, { kind: 'usage_limit_reached', resetsAt });
    const ws = await connect();

    const limited = await runTurn(ws, socketBody('hi'));
    expect(limited.frames).toEqual([
      { type: 'error', status: 429, error: { type: 'usage_limit_reached', message: 'The usage limit has been reached', plan_type: 'plus', resets_at: resetsAt } },
    ]);
    const next = await runTurn(ws, socketBody('hi'));
    expect(next.frames.at(-1)?.type).toBe('response.completed');
  });

  it('drops the socket mid-turn on a scripted disconnect, with no terminal event and no close frame', async () => {
    fake.script(account.accountId, { kind: 'disconnect', afterEvents: 4 });
    const ws = await connect();
    const closeCode = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));

    const { frames, closed } = await runTurn(ws, socketBody('hi'));
    expect(closed).toBe(true);
    expect(types(frames)).toEqual(['codex.rate_limits', 'response.created', 'response.in_progress', 'response.output_item.added']);
    expect(await closeCode).toBe(1006);
  });
});

describe('what the fake records about connections and concurrency', () => {
  it('names the connection each request arrived on: every turn of a socket shares its upgrade’s', async () => {
    const ws = await connect();
    await runTurn(ws, socketBody('one'));
    await runTurn(ws, socketBody('two'));
    const other = await connect();
    await runTurn(other, socketBody('three'));
    const seen = fake.requests.filter((r) => r.endpoint === 'responses').map((r) => r.connection);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[2]).not.toBe(seen[0]);
    const upgrade = fake.requests.find((r) => r.endpoint === 'websocket');
    expect(upgrade?.connection).toBe(seen[0]);
  });

  it('counts the streams an account has open at once, and the most it ever had', async () => {
    fake.script(account.accountId, { kind: 'slow', delayMs: 50 }, { times: 3 });
    const sockets = await Promise.all([connect(), connect(), connect()]);
    const turns = sockets.map((ws) => runTurn(ws, socketBody('hello there')));
    await Promise.all(turns);
    expect(fake.streams(account.accountId)).toEqual({ open: 0, max: 3 });
    expect(fake.streams('unknown')).toEqual({ open: 0, max: 0 });
  });
});
