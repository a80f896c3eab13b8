/**
 * The ten behaviours a naive rewrite gets wrong (reference/proxy-contract.md §15), one test each,
 * against the suite.fake upstream on both databases.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ANY_ACCOUNT, type AccountCredentials } from '../../fakes/fake-upstream.ts';
import { waitFor } from '../../harness/process.ts';
import { CODEX_CLI_HEADERS, codexTurn, collectSse, json, post, streamedText } from './support/clients.ts';
import { DATABASE_KINDS, Databases } from './support/databases.ts';
import type { ProxyUnderTest } from './support/proxy-harness.ts';
import { proxySuite } from './support/suite.ts';

const dbs = new Databases();
afterAll(() => dbs.stop());

describe.each(DATABASE_KINDS)('the ten traps of §15 (%s)', (kind) => {
  const suite = proxySuite();

  /** A proxy whose pool holds one fresh account per plan given; returns them with their proxy ids. */
  async function pool(plans: Array<'plus' | 'pro'>, env: Record<string, string> = {}): Promise<{ proxy: ProxyUnderTest; accounts: AccountCredentials[]; ids: string[] }> {
    const started = await suite.start({ databaseUrl: await dbs.fresh(kind), env });
    const accounts = plans.map((plan) => suite.fake.addAccount({ plan }));
    const ids: string[] = [];
    for (const account of accounts) ids.push(await started.importAccount(account));
    return { proxy: started, accounts, ids };
  }

  async function accountRow(p: ProxyUnderTest, id: string): Promise<Record<string, unknown>> {
    const rows = (await p.dataLayer.dataSource.query(`SELECT * FROM accounts WHERE id = '${id}'`)) as Array<Record<string, unknown>>;
    return rows[0] ?? {};
  }

  const servedBy = (text: string): string | undefined => /^Echo from ([^:]+):/.exec(text)?.[1];
  const responsesTo = (accountId: string): number => suite.fake.requests.filter((r) => r.endpoint === 'responses' && r.accountId === accountId).length;

  it('trap 1: never commits 200 + SSE before the upstream accepted — a rejection is a real HTTP error, and the next account is tried first', async () => {
    const { proxy: p, accounts } = await pool(['plus']);
    suite.fake.script(accounts[0]!.accountId, { kind: 'usage_limit_reached', resetsInSeconds: 600 });
    const rejected = await post(`${p.url}/backend-api/codex/responses`, codexTurn('hi'), CODEX_CLI_HEADERS);
    expect(rejected.status).toBe(429);
    expect(rejected.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await json(rejected)).toMatchObject({ error: { type: 'usage_limit_reached', code: 'usage_limit_reached', resets_at: expect.any(Number) } });

    const second = suite.fake.addAccount({ plan: 'plus' });
    await p.importAccount(second);
    const served = await post(`${p.url}/backend-api/codex/responses`, codexTurn('hi'), CODEX_CLI_HEADERS);
    expect(served.status).toBe(200);
    expect(servedBy(streamedText(await collectSse(served)))).toBe(second.accountId);
  });

  it('trap 2: never fails over once bytes were sent, and never replays account-owned state on another account', async () => {
    const { proxy: p, accounts } = await pool(['plus', 'plus']);
    suite.fake.script(ANY_ACCOUNT, { kind: 'disconnect', afterEvents: 4 });
    const cut = await collectSse(await post(`${p.url}/backend-api/codex/responses`, codexTurn('cut'), CODEX_CLI_HEADERS));
    expect(cut.at(-1)?.data).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { code: 'stream_incomplete' } } });
    expect(suite.fake.requests.filter((r) => r.endpoint === 'responses')).toHaveLength(1);

    const session = { ...CODEX_CLI_HEADERS, session_id: 'conversation-1' };
    const first = streamedText(await collectSse(await post(`${p.url}/backend-api/codex/responses`, codexTurn('turn 1'), session)));
    const owner = servedBy(first) as string;
    const other = accounts.find((a) => a.accountId !== owner)!.accountId;
    suite.fake.script(owner, { kind: 'usage_limit_reached', resetsInSeconds: 900 });
    const withReasoning = codexTurn('turn 2', {
      input: [
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'turn 1' }] },
        { type: 'reasoning', summary: [], encrypted_content: 'gAAAAA-owned-by-the-first-account' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'turn 2' }] },
      ],
    });
    // The cut request above may have gone to either account; only what follows counts.
    const otherBefore = responsesTo(other);
    const refused = await post(`${p.url}/backend-api/codex/responses`, withReasoning, session);
    expect(refused.status).toBe(429);
    expect(responsesTo(other)).toBe(otherBefore);
  });

  it('trap 3: header fidelity — client credentials and network path stripped, Codex fingerprint and ChatGPT-Account-Id for SDK clients', async () => {
    const { proxy: p, accounts } = await pool(['plus'], { CODEX_LB_API_KEY_AUTH_ENABLED: 'true' });
    const { key } = await p.dataLayer.apiKeyAdmin.create({ name: 'sdk' });
    const res = await post(
      `${p.url}/v1/responses`,
      { model: 'gpt-5.4', input: 'headers' },
      {
        authorization: `Bearer ${key}`,
        'user-agent': 'OpenAI/JS 7.55.0',
        'x-stainless-lang': 'js',
        'x-stainless-os': 'Linux',
        'x-forwarded-for': '203.0.113.7',
        'x-forwarded-proto': 'https',
        'cf-connecting-ip': '203.0.113.7',
        'x-real-ip': '203.0.113.7',
        'chatgpt-account-id': 'spoofed-workspace',
      },
    );
    expect(res.status).toBe(200);
    await res.json();
    const sent = suite.fake.requests.at(-1)!;
    expect(sent.headers.authorization).toBe(`Bearer ${suite.fake.account(accounts[0]!.accountId).accessToken}`);
    expect(sent.rawHeaders.filter(([name]) => name.toLowerCase() === 'chatgpt-account-id')).toEqual([['ChatGPT-Account-Id', accounts[0]!.accountId]]);
    expect(sent.headers['user-agent']).toMatch(/^codex_cli_rs\/\S+ \(Mac OS 26\.5\.0; arm64\) iTerm\.app\/3\.6\.10$/);
    expect(sent.headers.originator).toBe('codex_cli_rs');
    expect(Object.keys(sent.headers).filter((h) => /^(x-stainless-|x-forwarded-|cf-|x-real-ip)/.test(h))).toEqual([]);
    expect(JSON.stringify(sent.headers)).not.toContain(key);

    const native = await post(`${p.url}/backend-api/codex/responses`, codexTurn('native'), { ...CODEX_CLI_HEADERS, authorization: `Bearer ${key}` });
    await native.text();
    const nativeSent = suite.fake.requests.at(-1)!;
    expect(nativeSent.headers['user-agent']).toBe(CODEX_CLI_HEADERS['user-agent']);
    expect(nativeSent.rawHeaders.filter(([name]) => name.toLowerCase() === 'chatgpt-account-id').map(([name]) => name)).toEqual(['chatgpt-account-id']);
    expect(nativeSent.headers['x-codex-installation-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('trap 4: body normalization — the backend gets store:false, stream:true, hoisted instructions, no stripped fields, no synthesized tools', async () => {
    const { proxy: p } = await pool(['plus']);
    const res = await post(`${p.url}/v1/responses`, {
      model: 'gpt-5.4',
      store: true,
      temperature: 0.7,
      top_p: 0.9,
      max_output_tokens: 64,
      metadata: { a: 'b' },
      user: 'someone',
      truncation: 'auto',
      service_tier: 'fast',
      input: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'normalize me' },
      ],
    });
    expect(res.status).toBe(200);
    await res.json();
    const sent = suite.fake.requests.at(-1)!.body as Record<string, unknown>;
    expect(sent).toMatchObject({ store: false, stream: true, instructions: 'You are terse.', service_tier: 'priority' });
    for (const field of ['temperature', 'top_p', 'max_output_tokens', 'metadata', 'user', 'truncation', 'tools']) expect(sent).not.toHaveProperty(field);
    expect(sent.input).toEqual([{ role: 'user', content: 'normalize me' }]);
    expect(sent.prompt_cache_key).toEqual(expect.any(String));
  });

  it('trap 5: classifies usage limits as rate limits, quota as quota, 5xx as transient — each account marked accordingly', async () => {
    const { proxy: p, accounts, ids } = await pool(['plus']);
    const only = accounts[0]!.accountId;
    const resetsAt = Math.floor(Date.now() / 1000) + 7200;
    suite.fake.script(only, { kind: 'usage_limit_reached', resetsAt });
    expect((await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'x' })).status).toBe(429);
    expect(await accountRow(p, ids[0]!)).toMatchObject({ status: 'rate_limited' });
    expect(Number((await accountRow(p, ids[0]!)).reset_at)).toBe(resetsAt * 1000);

    await p.dataLayer.accounts.applyEvent(ids[0]!, { type: 'reimported' });
    suite.fake.script(only, { kind: 'insufficient_quota' });
    expect((await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'x' })).status).toBe(429);
    expect(await accountRow(p, ids[0]!)).toMatchObject({ status: 'quota_exceeded' });

    await p.dataLayer.accounts.applyEvent(ids[0]!, { type: 'reimported' });
    suite.fake.script(only, { kind: 'server_error', status: 500 }, { times: 4 });
    const failed = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'x' });
    expect(failed.status).toBe(500);
    expect(await json(failed)).toMatchObject({ error: { code: 'server_error' } });
    expect(await accountRow(p, ids[0]!)).toMatchObject({ status: 'active' });
  });

  it('trap 6: reset-time parsing — "try again in 6m0s" blocks six minutes, tiny resets get the 30 s floor, and a passed reset re-enables at selection time', async () => {
    const { proxy: p, accounts, ids } = await pool(['plus']);
    const only = accounts[0]!.accountId;
    const before = Date.now();
    suite.fake.script(only, { kind: 'rate_limit_exceeded', tryAgainIn: '6m0s' });
    expect((await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'x' })).status).toBe(429);
    const sixMinutes = Number((await accountRow(p, ids[0]!)).reset_at) - before;
    expect(sixMinutes).toBeGreaterThanOrEqual(360_000);
    expect(sixMinutes).toBeLessThan(370_000);

    await p.dataLayer.accounts.applyEvent(ids[0]!, { type: 'reimported' });
    suite.fake.script(only, { kind: 'usage_limit_reached', resetsInSeconds: 2 });
    const floorStart = Date.now();
    expect((await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'x' })).status).toBe(429);
    expect(Number((await accountRow(p, ids[0]!)).reset_at) - floorStart).toBeGreaterThanOrEqual(29_000);

    await p.dataLayer.dataSource.query(`UPDATE accounts SET reset_at = ${Date.now() - 1000} WHERE id = '${ids[0]!}'`);
    const recovered = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'after reset' });
    expect(recovered.status).toBe(200);
  });

  it('trap 7: refresh-token rotation — twenty requests hitting a revoked token cause exactly one refresh, and every request succeeds', async () => {
    const { proxy: p, accounts, ids } = await pool(['plus']);
    const only = accounts[0]!.accountId;
    suite.fake.revokeAccessTokens(only, 'token_invalidated');
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: `race ${i}` }).then((r) => r.status)),
    );
    expect(results).toEqual(Array(20).fill(200));
    expect(suite.fake.requests.filter((r) => r.endpoint === 'refresh')).toHaveLength(1);
    expect(await accountRow(p, ids[0]!)).toMatchObject({ status: 'active' });
  });

  it('trap 8: sticky semantics — a prompt_cache_key keeps its account, survives a temporary rate limit without rebinding; a session header is followed', async () => {
    const { proxy: p } = await pool(['plus', 'plus', 'plus']);
    const ask = async (headers: Record<string, string>, body: Record<string, unknown>): Promise<string | undefined> => {
      const answer = await json(await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', ...body }, headers));
      const output = answer.output as Array<{ content: Array<{ text: string }> }> | undefined;
      return servedBy(output?.[0]?.content[0]?.text ?? '');
    };
    const cached = { input: 'same prefix', prompt_cache_key: 'project-alpha' };
    const owner = await ask({}, cached);
    for (let i = 0; i < 4; i++) expect(await ask({}, cached)).toBe(owner);

    suite.fake.script(owner!, { kind: 'rate_limit_exceeded', tryAgainIn: '20s' });
    const fallback = await ask({}, cached);
    expect(fallback).not.toBe(owner);
    const rows = (await p.dataLayer.dataSource.query("SELECT account_id FROM sticky_sessions WHERE kind = 'prompt_cache'")) as Array<{ account_id: string }>;
    expect(rows.map((r) => r.account_id.startsWith(owner!))).toEqual([true]);

    const session = { ...CODEX_CLI_HEADERS, session_id: 'codex-session-9' };
    const turn = async (text: string): Promise<string | undefined> =>
      servedBy(streamedText(await collectSse(await post(`${p.url}/backend-api/codex/responses`, codexTurn(text), session))));
    const sessionOwner = await turn('one');
    expect(await turn('two')).toBe(sessionOwner);
    expect(await turn('three')).toBe(sessionOwner);
  });

  it('trap 9: stream framing — canonical SSE blocks, keepalives while the upstream thinks, a failure event when it stops short', async () => {
    const { proxy: p } = await pool(['plus'], { CODEX_LB_SSE_KEEPALIVE_INTERVAL_SECONDS: '0.1' });
    suite.fake.script(ANY_ACCOUNT, { kind: 'stall', ms: 700, afterHeaders: true });
    const raw = await (await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'slow', stream: true })).text();
    expect(raw).toContain(': keepalive\n\n');
    for (const block of raw.split('\n\n').filter((b) => b !== '' && !b.startsWith(':'))) {
      expect(block).toMatch(/^event: [a-z_.]+\ndata: \{.*\}$/);
    }

    suite.fake.script(ANY_ACCOUNT, { kind: 'stall', ms: 700, afterHeaders: true });
    const native = await (await post(`${p.url}/backend-api/codex/responses`, codexTurn('slow'), CODEX_CLI_HEADERS)).text();
    expect(native).toContain('event: codex.keepalive\ndata: {"type":"codex.keepalive"}\n\n');

    suite.fake.script(ANY_ACCOUNT, { kind: 'disconnect', afterEvents: 5 });
    const chat = await (await post(`${p.url}/v1/chat/completions`, { model: 'gpt-5.4', stream: true, messages: [{ role: 'user', content: 'cut' }] })).text();
    const frames = chat.split('\n\n').filter(Boolean);
    expect(frames.at(-1)).toBe('data: [DONE]');
    expect(JSON.parse(frames.at(-2)!.replace(/^data: /, ''))).toEqual({
      error: { message: 'Responses stream ended before a terminal event', type: 'server_error', code: 'upstream_stream_truncated' },
    });
  });

  it('trap 10: 429 usage_limit_reached only when every eligible account is exhausted, with the earliest reset', async () => {
    const { proxy: p, accounts } = await pool(['plus', 'pro']);
    const now = Math.floor(Date.now() / 1000);
    suite.fake.script(accounts[0]!.accountId, { kind: 'usage_limit_reached', resetsAt: now + 5000 });
    suite.fake.script(accounts[1]!.accountId, { kind: 'usage_limit_reached', resetsAt: now + 1200 });
    const exhausted = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'x' });
    expect(exhausted.status).toBe(429);
    expect(Number(exhausted.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await json(exhausted)).toMatchObject({ error: { type: 'usage_limit_reached', code: 'usage_limit_reached', resets_at: now + 1200 } });
    await p.close();

    const { proxy: q, accounts: mixed, ids } = await pool(['plus', 'plus']);
    await q.dataLayer.accounts.applyEvent(ids[0]!, { type: 'rate_limited', resetAt: new Date((now + 3000) * 1000) });
    suite.fake.script(mixed[1]!.accountId, { kind: 'server_error', status: 503 }, { times: 4 });
    const notExhausted = await post(`${q.url}/v1/responses`, { model: 'gpt-5.4', input: 'x' });
    expect(notExhausted.status).toBe(503);
    expect(await json(notExhausted)).toMatchObject({ error: { code: 'server_is_overloaded' } });
  });

  it('records live usage from upstream headers and codex.rate_limits events on the serving account', async () => {
    const { proxy: p, accounts, ids } = await pool(['plus']);
    suite.fake.setUsage(accounts[0]!.accountId, { primary: { usedPercent: 42 }, secondary: { usedPercent: 17 } });
    await (await post(`${p.url}/backend-api/codex/responses`, codexTurn('usage'), CODEX_CLI_HEADERS)).text();
    const row = await waitFor('usage on the account', async () => {
      const found = await accountRow(p, ids[0]!);
      return Number(found.primary_used_percent) === 42 ? found : undefined;
    });
    expect(Number(row.secondary_used_percent)).toBe(17);
  });
});
