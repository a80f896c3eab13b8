/**
 * The real Codex CLI against stalled and slow upstreams (README "Stalled upstreams"), over HTTP SSE and
 * the Responses WebSocket. The CLI runs with its own retries off, so what it shows is what the proxy did
 * on its one request: fail over a stall, keep a slow turn alive past the CLI's idle timeout, or say
 * clearly that every account stalled.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ANY_ACCOUNT, startFakeUpstream, type AccountCredentials, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { codexExec } from './support/codex-cli.ts';
import { startServe, type ServeProcess } from './support/serve-process.ts';

let fake: FakeUpstream;
let serve: ServeProcess;
let accounts: AccountCredentials[];

beforeAll(async () => {
  fake = await startFakeUpstream();
  serve = await startServe(fake, { CODEX_LB_STREAM_FIRST_EVENT_TIMEOUT_SECONDS: '3', CODEX_LB_SSE_KEEPALIVE_INTERVAL_SECONDS: '0.2' });
  accounts = [fake.addAccount({ plan: 'pro' }), fake.addAccount({ plan: 'pro' })];
  for (const account of accounts) await serve.importAccount(account);
});
afterAll(async () => {
  await serve?.stop();
  await fake?.close();
});

/** The CLI gives up after 1 s without an event, and never retries on its own. */
const IMPATIENT = { stream_idle_timeout_ms: 1000, stream_max_retries: 0, request_max_retries: 0 };

describe.each([
  ['HTTP SSE', false],
  ['the Responses WebSocket', true],
] as const)('Codex CLI over %s with stalled upstreams', (_transport, websockets) => {
  afterEach(() => fake.clearScripts());
  /** Upstream turns from `before` on; over a WebSocket the CLI first sends a prewarm (`generate: false`), not counted. */
  const turnsSince = (before: number) =>
    fake.requests.slice(before).filter((r) => r.endpoint === 'responses' && (r.body as Record<string, unknown>).generate !== false);

  it('a turn whose upstream thinks for longer than the CLI’s idle timeout completes: keepalives hold it open', async () => {
    const before = fake.requests.length;
    fake.script(ANY_ACCOUNT, { kind: 'stall', ms: 2500 }, { sticky: true });
    const run = await codexExec({ baseUrl: serve.url, prompt: 'Think slowly', apiKey: 'unused-locally', websockets, provider: IMPATIENT });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/Echo from \S+: Think slowly/);
    expect(turnsSince(before)).toHaveLength(1);
  });

  it('a turn whose first account stalls is served by the other one', async () => {
    const before = fake.requests.length;
    fake.script(ANY_ACCOUNT, { kind: 'stall' });
    const run = await codexExec({ baseUrl: serve.url, prompt: 'Stalled once', apiKey: 'unused-locally', websockets, provider: IMPATIENT });
    expect(run.code, run.output).toBe(0);
    // The stall hits the first request (over a WebSocket, the prewarm); the session then stays on the account that answered.
    const sent = fake.requests.slice(before).filter((r) => r.endpoint === 'responses');
    const [stalled, server] = [sent[0]?.accountId, sent.at(-1)?.accountId];
    expect(stalled).not.toBe(server);
    expect(run.stdout).toContain(`Echo from ${server}: Stalled once`);
  });

  it('a turn whose every account stalls ends with the proxy’s stall error, not silence', async () => {
    fake.script(ANY_ACCOUNT, { kind: 'stall' }, { sticky: true });
    const run = await codexExec({ baseUrl: serve.url, prompt: 'Nobody answers', apiKey: 'unused-locally', websockets, provider: IMPATIENT });
    expect(run.code).not.toBe(0);
    expect(run.output).toContain('The upstream sent no response event within 3s');
  });
});
