/**
 * The session bridge on one replica (reference/proxy-contract.md §11.1) and the route other replicas
 * forward a session's turns to (§11.4): a Codex session's turns share one upstream socket, one at a time,
 * within a bounded queue and a bounded number of sessions, closed after the idle TTL; the forward route
 * takes only forwards signed with the shared key, addressed to this replica, and each only once.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { bodyDigest, ForwardSigner, type ForwardClaims } from '../../../proxy/cluster/bridge-auth.ts';
import { Forwarder, OwnerRefused } from '../../../proxy/cluster/bridge/forwarder.ts';
import type { TurnRequest } from '../../../proxy/cluster/bridge/turn-request.ts';
import { claimHeaders, encodeContext, type ForwardContext } from '../../../proxy/cluster/bridge/wire.ts';
import type { RingMember } from '../../../proxy/cluster/ring-store.ts';
import { createLogger } from '../../../proxy/observability/logger.ts';
import { ANY_ACCOUNT } from '../../fakes/fake-upstream.ts';
import { sessionKeyOf } from '../../../proxy/cluster/session-key.ts';
import { codexTurn, collectSse, CODEX_CLI_HEADERS, json, post } from './support/clients.ts';
import { Databases } from './support/databases.ts';
import type { ProxyUnderTest } from './support/proxy-harness.ts';
import { proxySuite } from './support/suite.ts';

const dbs = new Databases();
afterAll(() => dbs.stop());

describe('session bridge', () => {
  const suite = proxySuite();

  async function start(env: Record<string, string>): Promise<{ url: string; accountId: string }> {
    const p = await suite.start({ databaseUrl: await dbs.fresh('sqlite'), env });
    const account = suite.fake.addAccount({ plan: 'pro' });
    await p.importAccount(account);
    return { url: p.url, accountId: account.accountId };
  }

  const stream = (url: string, text: string, headers: Record<string, string> = {}): Promise<Response> =>
    post(`${url}/backend-api/codex/responses`, codexTurn(text), { ...CODEX_CLI_HEADERS, ...headers });
  const upstreamTurns = () => suite.fake.requests.filter((r) => r.endpoint === 'responses');

  it('runs one turn of a session at a time: a second concurrent turn waits and then reuses the session’s upstream socket', async () => {
    const { url, accountId } = await start({});
    suite.fake.script(accountId, { kind: 'slow', delayMs: 30 }, { times: 2 });
    const session = { 'thread-id': 'thread-1', 'session-id': 'thread-1' };
    const [a, b] = await Promise.all([stream(url, 'turn a', session), stream(url, 'turn b', session)]);
    await Promise.all([collectSse(a), collectSse(b)]);
    expect(suite.fake.streams(accountId).max).toBe(1);
    const turns = suite.fake.requests.filter((r) => r.endpoint === 'responses');
    expect(turns).toHaveLength(2);
    expect(new Set(turns.map((t) => t.connection)).size).toBe(1);
  });

  it('refuses a turn beyond the session’s queue limit with 429 bridge_queue_full', async () => {
    const { url, accountId } = await start({ CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_QUEUE_LIMIT: '0' });
    suite.fake.script(accountId, { kind: 'slow', delayMs: 50 });
    const session = { 'thread-id': 'thread-2' };
    const running = await stream(url, 'the running turn of this session', session);
    const refused = await stream(url, 'queued', session);
    expect(refused.status).toBe(429);
    expect((await json(refused)).error).toMatchObject({ code: 'bridge_queue_full' });
    await collectSse(running);
  });

  it('holds at most CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_MAX_SESSIONS sessions: a new one evicts an idle one, and is refused while all are busy', async () => {
    const { url, accountId } = await start({ CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_MAX_SESSIONS: '1' });
    suite.fake.script(accountId, { kind: 'slow', delayMs: 50 });
    const busy = await stream(url, 'a turn that keeps its session busy for a while', { 'thread-id': 'thread-a' });
    const refused = await stream(url, 'another session', { 'thread-id': 'thread-b' });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect((await json(refused)).error).toMatchObject({ type: 'rate_limit_error', code: 'capacity_exhausted_active_sessions' });
    await collectSse(busy);
    const admitted = await stream(url, 'another session, now that the first is idle', { 'thread-id': 'thread-b' });
    expect(admitted.status).toBe(200);
    await collectSse(admitted);
    // Its upstream socket is a new one: the idle session it replaced closed its own.
    const turns = suite.fake.requests.filter((r) => r.endpoint === 'responses');
    expect(turns.map((t) => t.connection)[0]).not.toBe(turns.at(-1)?.connection);
  });

  it('closes an idle session’s upstream socket after the idle TTL: the next turn opens a new one', async () => {
    const { url } = await start({ CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_CODEX_IDLE_TTL_SECONDS: '0.3' });
    const session = { 'thread-id': 'thread-idle' };
    await collectSse(await stream(url, 'before the pause', session));
    await collectSse(await stream(url, 'right after', session));
    await sleep(1000);
    await collectSse(await stream(url, 'after the idle TTL', session));
    const connections = upstreamTurns().map((t) => t.connection);
    expect(connections[0]).toBe(connections[1]);
    expect(connections[2]).not.toBe(connections[1]);
  });

  it('with CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_ENABLED=false serves a session’s turns over HTTP upstream, one request each', async () => {
    const { url } = await start({ CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_ENABLED: 'false' });
    const session = { 'thread-id': 'thread-off' };
    await collectSse(await stream(url, 'one', session));
    await collectSse(await stream(url, 'two', session));
    expect(upstreamTurns().map((t) => t.transport)).toEqual(['http', 'http']);
  });
});

describe('the forward route (POST /internal/bridge/responses)', () => {
  const suite = proxySuite();

  async function member(): Promise<{ p: ProxyUnderTest; accountId: string }> {
    const p = await suite.start({ databaseUrl: await dbs.fresh('sqlite'), cluster: true, env: { CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_ID: 'replica-a' } });
    const account = suite.fake.addAccount({ plan: 'pro' });
    await p.importAccount(account);
    return { p, accountId: account.accountId };
  }

  /** A forward of one turn of session `thread` to `target`, signed with `key`. */
  function forward(
    p: ProxyUnderTest,
    options: { key: Buffer; target?: string; claims?: Partial<ForwardClaims>; context?: Partial<ForwardContext> },
  ): { headers: Record<string, string>; body: string } {
    const body = JSON.stringify(codexTurn('forwarded hello'));
    const context: ForwardContext = {
      route: 'codex',
      apiKeyId: null,
      requestId: randomUUID(),
      budgetMs: 60_000,
      firstEventTimeoutMs: 10_000,
      surfaceStaleAnchor: false,
      ownerEpoch: null,
      ...options.context,
    };
    const claims: ForwardClaims = {
      origin: 'replica-b',
      target: options.target ?? p.settings.sessionBridgeInstanceId,
      timestamp: Date.now(),
      nonce: randomUUID(),
      sessionKey: sessionKeyOf({ 'thread-id': 'thread-fwd' }, undefined)?.id as string,
      context: encodeContext(context),
      bodyDigest: bodyDigest(body),
      ...options.claims,
    };
    const headers = { ...CODEX_CLI_HEADERS, 'thread-id': 'thread-fwd', 'content-type': 'application/json', ...claimHeaders(claims, new ForwardSigner(options.key).sign(claims)) };
    return { headers, body };
  }

  const send = (p: ProxyUnderTest, request: { headers: Record<string, string>; body: string }): Promise<Response> => post(`${p.url}/internal/bridge/responses`, request.body, request.headers);

  /** Another replica's Forwarder, signing with `key`, aimed at `p`. */
  function forwarderTo(p: ProxyUnderTest, key: Buffer): { forwarder: Forwarder; target: RingMember } {
    const forwarder = new Forwarder({ self: 'replica-b', signer: new ForwardSigner(key), connectTimeoutMs: 2000, maxEventBytes: 1 << 20, logger: createLogger({ format: 'json', level: 'error' }) });
    return { forwarder, target: { instanceId: p.settings.sessionBridgeInstanceId, endpoint: p.url, processId: 'p', draining: false } };
  }

  /** A Codex turn of session `thread` as the forwarding replica's router hands it to its Forwarder. */
  function forwardedTurn(text: string, thread: string): TurnRequest {
    return {
      body: codexTurn(text),
      headers: { ...CODEX_CLI_HEADERS, 'thread-id': thread },
      requestId: randomUUID(),
      plan: { sticky: undefined, previousResponseId: undefined },
      encryptedReasoning: false,
      signal: new AbortController().signal,
      firstEventTimeoutMs: 10_000,
      idleTimeoutMs: 60_000,
      deadline: Date.now() + 60_000,
      route: 'codex',
      apiKeyId: undefined,
      bridgeable: true,
    };
  }

  it('serves a forward signed with the shared key: the upstream’s events verbatim, and which account served it', async () => {
    const { p, accountId } = await member();
    const res = await send(p, forward(p, { key: p.dataLayer.bridgeKey }));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-codex-bridge-account-id')).toMatch(/\S+/);
    // The serving account's usage headers travel to the origin, which answers its client with them.
    expect(res.headers.get('x-codex-primary-used-percent')).toMatch(/^\d/);
    const events = await collectSse(res);
    expect(events.map((e) => e.event)).toContain('codex.rate_limits');
    expect(events.at(-1)?.event).toBe('response.completed');
    expect(upstream(suite).map((r) => r.accountId)).toEqual([accountId]);
  });

  it('forwards a Codex-sized turn whole: the owner checks the digest over the bytes received, the upstream gets them all', async () => {
    const { p } = await member();
    const { forwarder, target } = forwarderTo(p, p.dataLayer.bridgeKey);
    const text = 'a long conversation '.repeat(10_000);
    const stream = await forwarder.open(target, { kind: 'thread', id: sessionKeyOf({ 'thread-id': 'thread-long' }, undefined)?.id as string }, forwardedTurn(text, 'thread-long'));
    const types: string[] = [];
    for (let next = await stream.pump.next(10_000); next.kind === 'event'; next = await stream.pump.next(10_000)) types.push(next.event.type);
    stream.finish({ kind: 'success' });
    await forwarder.close();
    expect(types.at(-1)).toBe('response.completed');
    expect(JSON.stringify(upstream(suite).at(-1)?.body)).toContain(text);
  });

  it('refuses a forward without the marker, with another key’s signature, or replayed — before anything goes upstream', async () => {
    const { p } = await member();
    const unmarked = await post(`${p.url}/internal/bridge/responses`, codexTurn('x'), CODEX_CLI_HEADERS);
    expect(unmarked.status).toBe(400);
    expect((await json(unmarked)).error).toMatchObject({ code: 'bridge_forward_invalid', message: 'Internal bridge forward marker is required' });

    const forged = await send(p, forward(p, { key: Buffer.alloc(32, 7) }));
    expect(forged.status).toBe(400);
    expect((await json(forged)).error).toMatchObject({ code: 'bridge_forward_invalid', message: 'Internal bridge forward signature is invalid' });

    const stale = await send(p, forward(p, { key: p.dataLayer.bridgeKey, claims: { timestamp: Date.now() - 10 * 60_000 } }));
    expect((await json(stale)).error).toMatchObject({ code: 'bridge_forward_invalid' });

    const once = forward(p, { key: p.dataLayer.bridgeKey });
    await collectSse(await send(p, once));
    const replayed = await send(p, once);
    expect(replayed.status).toBe(400);
    expect((await json(replayed)).error).toMatchObject({ message: 'Internal bridge forward was already received' });
    expect(upstream(suite)).toHaveLength(1);
  });

  it('answers a forward meant for another replica with 503 bridge_owner_forward_failed (the sender serves it elsewhere)', async () => {
    const { p } = await member();
    const misdirected = await send(p, forward(p, { key: p.dataLayer.bridgeKey, target: 'replica-z' }));
    expect(misdirected.status).toBe(503);
    expect((await json(misdirected)).error).toMatchObject({ code: 'bridge_owner_forward_failed' });
    expect(upstream(suite)).toHaveLength(0);
  });

  it('while draining refuses a new session with 503 bridge_drain_active — which a sender reads as “serve it yourself” — but serves the sessions it holds', async () => {
    const { p } = await member();
    const key = p.dataLayer.bridgeKey;
    await collectSse(await send(p, forward(p, { key })));
    p.services.drain.start({ shutdown: false });
    const held = await send(p, forward(p, { key }));
    expect(held.status).toBe(200);
    await collectSse(held);

    const otherSession = sessionKeyOf({ 'thread-id': 'another-thread' }, undefined)?.id as string;
    const refused = await send(p, forward(p, { key, claims: { sessionKey: otherSession } }));
    expect(refused.status).toBe(503);
    expect((await json(refused)).error).toMatchObject({ code: 'bridge_drain_active' });

    const { forwarder, target } = forwarderTo(p, key);
    await expect(forwarder.open(target, { kind: 'thread', id: otherSession }, forwardedTurn('to a draining owner', 'another-thread'))).rejects.toBeInstanceOf(OwnerRefused);
    await forwarder.close();
    expect(p.services.drain.stop()).toBe(true);
  });

  it('bounds a stalled upstream once, on the owner: keepalives to the origin, then the turn from another account', async () => {
    const p = await suite.start({
      databaseUrl: await dbs.fresh('sqlite'),
      cluster: true,
      env: { CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_ID: 'replica-a', CODEX_LB_SSE_KEEPALIVE_INTERVAL_SECONDS: '0.1' },
    });
    for (const account of [suite.fake.addAccount({ plan: 'pro' }), suite.fake.addAccount({ plan: 'pro' })]) await p.importAccount(account);
    suite.fake.script(ANY_ACCOUNT, { kind: 'stall' });
    const request = forward(p, { key: p.dataLayer.bridgeKey, context: { firstEventTimeoutMs: 600 } });
    const res = await send(p, request);
    expect(res.status).toBe(200);
    // Committed by a keepalive before any account had produced an event: no account header.
    expect(res.headers.get('x-codex-bridge-account-id')).toBeNull();
    const text = await res.text();
    expect(text.startsWith(': keepalive\n\n')).toBe(true);
    expect(text).toContain('event: response.completed\n');
    const [stalled, server] = [...new Set(upstream(suite).map((r) => r.accountId))];
    expect(server).toBeDefined();
    expect(text).toContain(`Echo from ${server}: forwarded hello`);
    expect(stalled).not.toBe(server);
  });

  it('a forward whose every account stalls ends in response.failed upstream_stalled after the keepalives', async () => {
    const p = await suite.start({
      databaseUrl: await dbs.fresh('sqlite'),
      cluster: true,
      env: { CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_INSTANCE_ID: 'replica-a', CODEX_LB_SSE_KEEPALIVE_INTERVAL_SECONDS: '0.1' },
    });
    await p.importAccount(suite.fake.addAccount({ plan: 'pro' }));
    suite.fake.script(ANY_ACCOUNT, { kind: 'stall' }, { sticky: true });
    const res = await send(p, forward(p, { key: p.dataLayer.bridgeKey, context: { firstEventTimeoutMs: 400 } }));
    expect(res.status).toBe(200);
    const events = await collectSse(res);
    expect(events.map((e) => e.event)).toEqual(['response.failed']);
    expect(events[0]?.data).toMatchObject({ response: { error: { code: 'upstream_stalled' } } });
  });

  it('does not exist on a proxy that is not part of a ring', async () => {
    const p = await suite.start({ databaseUrl: await dbs.fresh('sqlite') });
    expect((await post(`${p.url}/internal/bridge/responses`, codexTurn('x'), { 'x-codex-bridge-forwarded': '1' })).status).toBe(404);
  });
});

function upstream(suite: ReturnType<typeof proxySuite>) {
  return suite.fake.requests.filter((r) => r.endpoint === 'responses');
}
