/**
 * Stalled and slow upstreams (README "Stalled upstreams"): an upstream attempt that sends no response
 * event within CODEX_LB_STREAM_FIRST_EVENT_TIMEOUT_SECONDS is abandoned, counted against its account,
 * and the turn fails over; with every account stalled the client gets a clear error; and a client of an
 * accepted but still silent upstream gets keepalives, so a slow-but-alive turn is never cut.
 *
 * Scripted stalls last forever (until the client goes): a turn that ends at all proves the deadline.
 */
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { ANY_ACCOUNT } from '../../fakes/fake-upstream.ts';
import { openSocket, runTurn, socketBody } from '../../fakes/upstream-client.ts';
import { CODEX_CLI_HEADERS, codexTurn, collectSse, json, post, streamedText, types } from './support/clients.ts';
import { DATABASE_KINDS, Databases } from './support/databases.ts';
import type { ProxyUnderTest } from './support/proxy-harness.ts';
import { proxySuite } from './support/suite.ts';

const dbs = new Databases();
afterAll(() => dbs.stop());

/** A short first-event deadline; keepalives faster than it, so some are due before it runs out. */
const FAST = { CODEX_LB_STREAM_FIRST_EVENT_TIMEOUT_SECONDS: '0.6', CODEX_LB_SSE_KEEPALIVE_INTERVAL_SECONDS: '0.1' };
const HTTP_UPSTREAM = { CODEX_LB_UPSTREAM_STREAM_TRANSPORT: 'http' };

describe.each(DATABASE_KINDS)('stalled upstreams (%s)', (kind) => {
  const suite = proxySuite();

  /** A proxy with `accounts` fake accounts; returns it and the proxy's account id for each fake account id. */
  async function start(accounts: number, env: Record<string, string>): Promise<{ p: ProxyUnderTest; ids: Map<string, string> }> {
    const p = await suite.start({ databaseUrl: await dbs.fresh(kind), env });
    const ids = new Map<string, string>();
    for (let i = 0; i < accounts; i++) {
      const account = suite.fake.addAccount({ plan: 'plus' });
      ids.set(account.accountId, await p.importAccount(account));
    }
    return { p, ids };
  }

  const tried = (): string[] => [...new Set(suite.fake.requests.filter((r) => r.endpoint === 'responses').map((r) => r.accountId ?? ''))];
  const errorCount = (p: ProxyUnderTest, ids: Map<string, string>, fakeId: string): number => p.runtime.snapshot().get(ids.get(fakeId) ?? '')?.errorCount ?? 0;

  it.each([
    { when: 'after answering 200', afterHeaders: true },
    { when: 'before answering at all', afterHeaders: false },
  ])('an upstream that stalls $when is abandoned at the deadline: another account serves the turn, the stalled one is charged', async ({ afterHeaders }) => {
    const { p, ids } = await start(2, { ...FAST, ...HTTP_UPSTREAM });
    suite.fake.script(ANY_ACCOUNT, { kind: 'stall', afterHeaders });
    const res = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'stalls once' });
    expect(res.status).toBe(200);
    const [stalled, server] = tried();
    expect(server).toBeDefined();
    const output = (await json(res)).output as Array<{ content: Array<{ text: string }> }>;
    expect(output[0]?.content[0]?.text).toBe(`Echo from ${server}: stalls once`);
    // Counted against the stalled account (error backoff), and no same-account retry of a stall.
    expect(errorCount(p, ids, stalled!)).toBe(1);
    expect(errorCount(p, ids, server!)).toBe(0);
    expect(suite.fake.requests.filter((r) => r.endpoint === 'responses')).toHaveLength(2);
  });

  it('every account stalled before any keepalive: an OpenAI error with a real status, naming the setting', async () => {
    const { p } = await start(2, { ...HTTP_UPSTREAM, CODEX_LB_STREAM_FIRST_EVENT_TIMEOUT_SECONDS: '0.3', CODEX_LB_SSE_KEEPALIVE_INTERVAL_SECONDS: '0' });
    suite.fake.script(ANY_ACCOUNT, { kind: 'stall', afterHeaders: true }, { sticky: true });
    const res = await post(`${p.url}/backend-api/codex/responses`, codexTurn('nobody answers'), CODEX_CLI_HEADERS);
    expect(res.status).toBe(502);
    expect(await json(res)).toEqual({
      error: {
        message: 'The upstream sent no response event within 0.3s (CODEX_LB_STREAM_FIRST_EVENT_TIMEOUT_SECONDS)',
        type: 'server_error',
        code: 'upstream_stalled',
      },
    });
    expect(tried()).toHaveLength(2);
  });

  it('a turn waiting for an upstream connection (all CODEX_LB_HTTP_CONNECTOR_LIMIT_PER_HOST in use) runs into its first-event deadline', async () => {
    const { p, ids } = await start(1, { ...HTTP_UPSTREAM, CODEX_LB_HTTP_CONNECTOR_LIMIT_PER_HOST: '1', CODEX_LB_STREAM_FIRST_EVENT_TIMEOUT_SECONDS: '0.6', CODEX_LB_SSE_KEEPALIVE_INTERVAL_SECONDS: '0' });
    // The first turn holds the only connection for seconds (13 events, 300 ms apart).
    suite.fake.script(ANY_ACCOUNT, { kind: 'slow', delayMs: 300 });
    const holding = await post(`${p.url}/backend-api/codex/responses`, codexTurn('holds the connection'), CODEX_CLI_HEADERS);
    expect(holding.status).toBe(200);
    const waiting = await post(`${p.url}/backend-api/codex/responses`, codexTurn('waits for it'), CODEX_CLI_HEADERS);
    expect(waiting.status).toBe(502);
    expect(((await json(waiting)).error as { code: string }).code).toBe('upstream_stalled');
    // It never reached the upstream, yet its account was charged with a stall.
    expect(suite.fake.requests.filter((r) => r.endpoint === 'responses')).toHaveLength(1);
    expect(errorCount(p, ids, [...ids.keys()][0]!)).toBe(1);
    expect(types(await collectSse(holding))).toContain('response.completed');
  });

  it('every account stalled after keepalives began: codex.keepalive events, then response.failed upstream_stalled', async () => {
    const { p } = await start(2, { ...FAST, ...HTTP_UPSTREAM });
    suite.fake.script(ANY_ACCOUNT, { kind: 'stall', afterHeaders: true }, { sticky: true });
    const res = await post(`${p.url}/backend-api/codex/responses`, codexTurn('nobody answers'), CODEX_CLI_HEADERS);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-codex-turn-state')).toMatch(/^http_turn_/);
    const messages = await collectSse(res);
    const kinds = types(messages);
    expect(kinds.filter((t) => t !== 'codex.keepalive')).toEqual(['response.failed']);
    expect(kinds.length).toBeGreaterThan(1);
    expect(messages.at(-1)?.data).toMatchObject({ response: { status: 'failed', error: { code: 'upstream_stalled', type: 'server_error' } } });
    expect(tried()).toHaveLength(2);
  });

  it('a rejection after keepalives began is still told: the upstream error as response.failed, its code intact', async () => {
    const { p } = await start(2, { ...FAST, ...HTTP_UPSTREAM });
    suite.fake.script(ANY_ACCOUNT, { kind: 'stall', afterHeaders: true });
    suite.fake.script(ANY_ACCOUNT, { kind: 'http_error', status: 400, body: { error: { message: 'Unsupported value', type: 'invalid_request_error', code: 'unsupported_value' } } });
    const res = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'rejected late', stream: true });
    expect(res.status).toBe(200);
    const messages = await collectSse(res);
    expect(messages.at(-1)?.data).toMatchObject({ type: 'response.failed', response: { error: { code: 'unsupported_value', message: 'Unsupported value' } } });
  });

  it('a chat stream whose every account stalls after keepalives ends with an error frame and [DONE]', async () => {
    const { p } = await start(1, { ...FAST, ...HTTP_UPSTREAM });
    suite.fake.script(ANY_ACCOUNT, { kind: 'stall', afterHeaders: true }, { sticky: true });
    const res = await post(`${p.url}/v1/chat/completions`, { model: 'gpt-5.4', messages: [{ role: 'user', content: 'hello?' }], stream: true });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.startsWith(': keepalive\n\n')).toBe(true);
    const frames = text.split('\n\n').filter((block) => block.startsWith('data: ')).map((block) => block.slice('data: '.length));
    expect(frames.at(-1)).toBe('[DONE]');
    expect(JSON.parse(frames.at(-2) ?? '{}')).toMatchObject({ error: { code: 'upstream_stalled', type: 'server_error' } });
  });

  it('a slow-but-alive upstream: keepalives while it thinks, then the whole turn, on the one account', async () => {
    const { p } = await start(2, { ...HTTP_UPSTREAM, CODEX_LB_STREAM_FIRST_EVENT_TIMEOUT_SECONDS: '30', CODEX_LB_SSE_KEEPALIVE_INTERVAL_SECONDS: '0.1' });
    suite.fake.script(ANY_ACCOUNT, { kind: 'stall', ms: 700, afterHeaders: true });
    const res = await post(`${p.url}/backend-api/codex/responses`, codexTurn('take your time'), CODEX_CLI_HEADERS);
    expect(res.status).toBe(200);
    const messages = await collectSse(res);
    const kinds = types(messages);
    expect(kinds[0]).toBe('codex.keepalive');
    expect(kinds.at(-1)).toBe('response.completed');
    expect(streamedText(messages)).toMatch(/: take your time$/);
    expect(tried()).toHaveLength(1);
  });

  it('the openai SDK streams a slow-but-alive turn to the end (comment keepalives are invisible to it)', async () => {
    const { p } = await start(1, { ...HTTP_UPSTREAM, CODEX_LB_STREAM_FIRST_EVENT_TIMEOUT_SECONDS: '30', CODEX_LB_SSE_KEEPALIVE_INTERVAL_SECONDS: '0.1' });
    suite.fake.script(ANY_ACCOUNT, { kind: 'stall', ms: 500, afterHeaders: true });
    const raw = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'peek', stream: true });
    expect(await raw.text()).toMatch(/^: keepalive\n\n/);
    suite.fake.script(ANY_ACCOUNT, { kind: 'stall', ms: 500, afterHeaders: true });
    const client = new OpenAI({ baseURL: `${p.url}/v1`, apiKey: 'unused-locally', maxRetries: 0 });
    const stream = await client.responses.create({ model: 'gpt-5.4', input: 'sdk waits', stream: true });
    let text = '';
    let last = '';
    for await (const event of stream) {
      if (event.type === 'response.output_text.delta') text += event.delta;
      last = event.type;
    }
    expect(last).toBe('response.completed');
    expect(text).toMatch(/: sdk waits$/);
  });

  it('the openai SDK gets the all-stalled error as an APIError with the code (no keepalive was due)', async () => {
    const { p } = await start(1, { ...HTTP_UPSTREAM, CODEX_LB_STREAM_FIRST_EVENT_TIMEOUT_SECONDS: '0.3' });
    suite.fake.script(ANY_ACCOUNT, { kind: 'stall' }, { sticky: true });
    const client = new OpenAI({ baseURL: `${p.url}/v1`, apiKey: 'unused-locally', maxRetries: 0 });
    const failure = await client.responses.create({ model: 'gpt-5.4', input: 'sdk stalled' }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(failure).toMatchObject({ status: 502, code: 'upstream_stalled' });
  });

  describe('over WebSocket', () => {
    it('a turn whose upstream stalls fails over to another account, with codex.keepalive frames meanwhile', async () => {
      const { p, ids } = await start(2, FAST);
      suite.fake.script(ANY_ACCOUNT, { kind: 'stall' });
      const opening = await openSocket(p.url, CODEX_CLI_HEADERS);
      if (!opening.ok) throw new Error(`upgrade refused: ${opening.status}`);
      const { frames } = await runTurn(opening.ws, socketBody('over the socket'));
      const [stalled, server] = tried();
      expect(frames[0]?.type).toBe('codex.keepalive');
      expect(frames.at(-1)?.type).toBe('response.completed');
      expect(frames.filter((f) => f.type === 'response.output_text.delta').map((f) => String(f.delta)).join('')).toBe(`Echo from ${server}: over the socket`);
      expect(errorCount(p, ids, stalled!)).toBe(1);
      // The socket carries the next turn as usual.
      const next = await runTurn(opening.ws, socketBody('again'));
      expect(next.frames.at(-1)?.type).toBe('response.completed');
      opening.ws.close();
    });

    it('every account stalled: an error frame naming the stall, and the socket stays open', async () => {
      const { p } = await start(2, { ...FAST, CODEX_LB_SSE_KEEPALIVE_INTERVAL_SECONDS: '0' });
      suite.fake.script(ANY_ACCOUNT, { kind: 'stall' }, { times: 2 });
      const opening = await openSocket(p.url, CODEX_CLI_HEADERS);
      if (!opening.ok) throw new Error(`upgrade refused: ${opening.status}`);
      const { frames } = await runTurn(opening.ws, socketBody('nobody'));
      expect(frames).toEqual([{ type: 'error', status: 502, error: expect.objectContaining({ code: 'upstream_stalled', type: 'server_error' }) as unknown }]);
      expect(tried()).toHaveLength(2);
      const next = await runTurn(opening.ws, socketBody('later'));
      expect(next.frames.at(-1)?.type).toBe('response.completed');
      opening.ws.close();
    });
  });
});
