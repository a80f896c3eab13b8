/**
 * The real Codex CLI completes turns through `codex-lb-proxy serve` against the fake upstream, over
 * HTTP SSE and over the Responses WebSocket, authenticated with a proxy API key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type AccountCredentials, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { codexExec } from './support/codex-cli.ts';
import { startServe, type ServeProcess } from './support/serve-process.ts';

let fake: FakeUpstream;
let serve: ServeProcess;
let account: AccountCredentials;
let apiKey: string;

beforeAll(async () => {
  fake = await startFakeUpstream();
  serve = await startServe(fake, { CODEX_LB_API_KEY_AUTH_ENABLED: 'true' });
  account = fake.addAccount({ plan: 'pro' });
  await serve.importAccount(account);
  const created = await fetch(`${serve.url}/internal/admin/api-keys`, {
    method: 'POST',
    headers: { authorization: 'Bearer e2e-admin-token', 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'codex-cli' }),
  });
  apiKey = ((await created.json()) as { key: string }).key;
});
afterAll(async () => {
  await serve?.stop();
  await fake?.close();
});

describe('Codex CLI through the proxy', () => {
  it('codex exec completes a turn over HTTP SSE', async () => {
    const run = await codexExec({ baseUrl: serve.url, prompt: 'Say hello through the proxy', apiKey });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Echo from ${account.accountId}: Say hello through the proxy`);
    const sent = fake.requests.filter((r) => r.endpoint === 'responses').at(-1)!;
    expect(sent.headers['user-agent']).toMatch(/^codex_exec\//);
    expect(sent.headers.authorization).not.toContain(apiKey);
    // A Codex session (thread-id) reaches the upstream on the session's own WebSocket: the session bridge.
    expect(sent.transport).toBe('ws');
    expect(sent.body).toMatchObject({ type: 'response.create', store: false, model: 'gpt-5.4' });
  });

  it('codex exec completes a turn over the Responses WebSocket', async () => {
    const before = fake.requests.length;
    const run = await codexExec({ baseUrl: serve.url, prompt: 'Say hello over a socket', apiKey, websockets: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Echo from ${account.accountId}: Say hello over a socket`);
    expect(fake.requests.slice(before).some((r) => r.endpoint === 'responses')).toBe(true);
  });

  it('codex exec runs a tool and continues the turn with previous_response_id over the Responses WebSocket', async () => {
    const before = fake.requests.length;
    const run = await codexExec({ baseUrl: serve.url, prompt: 'call exec_command {"cmd":"echo hi-from-tool"}', apiKey, websockets: true });
    expect(run.code).toBe(0);
    expect(run.output).toContain('hi-from-tool');
    const turns = fake.requests.slice(before).filter((r) => r.endpoint === 'responses');
    const continuation = turns.find((r) => typeof (r.body as Record<string, unknown>).previous_response_id === 'string');
    expect(continuation?.transport).toBe('ws');
    expect(run.stdout).toMatch(/tool call_\w+ returned/);
  });

  it('codex exec with a wrong key fails without reaching the upstream', async () => {
    const before = fake.requests.length;
    const run = await codexExec({ baseUrl: serve.url, prompt: 'Nope', apiKey: 'sk-clb-wrong' });
    expect(run.code).not.toBe(0);
    expect(fake.requests.slice(before).filter((r) => r.endpoint === 'responses')).toEqual([]);
  });
});
