/**
 * Issue 8 acceptance 1–2, on real processes: three `codex-lb-proxy serve` replicas on one PostgreSQL,
 * each on its own loopback address, behind a front with no affinity (every turn goes to the next
 * replica), and the real Codex CLI. A session's turns land on a different replica each time, yet the
 * upstream sees them all on one connection and one account: the session's owner keeps its upstream
 * socket and the other replicas forward to it. Stopping or killing the owner moves the session on.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { startFakeUpstream, type AccountCredentials, type FakeUpstream, type RecordedRequest } from '../../fakes/fake-upstream.ts';
import { openSocket, readSse, responsesBody, socketBody, type Frame } from '../../fakes/upstream-client.ts';
import { freePort } from '../../harness/ports.ts';
import { startPostgres, type PostgresServer } from '../../harness/postgres.ts';
import { CodexSession } from '../proxy/support/codex-cli.ts';
import { startReplicaSet, type Replica, type ReplicaSet } from '../../harness/replica-set.ts';

let fake: FakeUpstream;
let postgres: PostgresServer;
let set: ReplicaSet;
let apiKey: string;
let accounts: AccountCredentials[];

beforeAll(async () => {
  fake = await startFakeUpstream();
  postgres = await startPostgres();
  set = await startReplicaSet({ upstreamUrl: fake.url, databaseUrl: await postgres.createDatabase('replicas') });
  accounts = [fake.addAccount({ plan: 'pro' }), fake.addAccount({ plan: 'pro' })];
  for (const account of accounts) await set.importAccount(account.authJson());
  apiKey = (await set.createApiKey()).key;
  await set.waitForRing(3);
});
afterEach(async () => {
  fake.clearScripts();
  // A test may have stopped a replica: the next one starts with all three again.
  for (const replica of set.replicas) if (!replica.running) await replica.start();
  await set.waitForRing(3);
});
afterAll(async () => {
  await set?.stop();
  await postgres?.stop();
  await fake?.close();
});

/** The upstream requests (turns) a session's Codex runs produced, from `since` on. */
function upstreamTurns(since: number): RecordedRequest[] {
  return fake.requests.filter((r) => r.seq > since && r.endpoint === 'responses');
}
const lastSeq = (): number => fake.requests.at(-1)?.seq ?? 0;

function expectEveryTurnOnAnotherReplica(fromHit: number): void {
  const replicas = set.front.turns().slice(fromHit).map((h) => h.replica);
  expect(replicas.length).toBeGreaterThanOrEqual(3);
  for (let i = 1; i < replicas.length; i++) expect(replicas[i], `turn ${i + 1} landed where turn ${i} did`).not.toBe(replicas[i - 1]);
  expect(new Set(replicas).size).toBe(3);
}

describe.each([
  ['HTTP SSE', false],
  ['the Responses WebSocket', true],
] as const)('a Codex CLI session over %s through three replicas', (_transport, websockets) => {
  it('completes three turns, each on another replica, all on one upstream connection and account', async () => {
    const since = lastSeq();
    const fromHit = set.front.turns().length;
    const codex = new CodexSession({ baseUrl: set.front.url, apiKey, websockets });
    const prompts = ['call exec_command {"cmd":"echo first-turn"}', 'second turn', 'third turn'];
    for (const prompt of prompts) {
      const run = await codex.turn(prompt);
      expect(run.code, run.output).toBe(0);
      if (!prompt.startsWith('call')) expect(run.stdout).toMatch(new RegExp(`Echo from [\\w-]+: ${prompt}`));
    }
    expect(codex.id).toBeDefined();
    expectEveryTurnOnAnotherReplica(fromHit);

    const turns = upstreamTurns(since);
    // Turn 1 is a tool call and its continuation; then one request per turn (plus, over WebSocket, Codex's warm-up).
    expect(turns.length).toBeGreaterThanOrEqual(4);
    expect(new Set(turns.map((t) => t.connection)).size).toBe(1);
    expect(new Set(turns.map((t) => t.accountId)).size).toBe(1);
    expect(turns.every((t) => t.transport === 'ws')).toBe(true);
    const continuation = turns.find((t) => typeof (t.body as Record<string, unknown>).previous_response_id === 'string');
    if (websockets) expect(continuation, 'the tool-call continuation resolved on the owner’s upstream socket').toBeDefined();
  });
});

/** The owner row of the session whose first turn ran after `before` was read. */
async function ownerOfNewSession(before: Set<string>): Promise<{ sessionKey: string; owner: Replica }> {
  const row = (await set.sessionOwners()).find((r) => !before.has(r.sessionKey));
  if (!row) throw new Error('no owner row for the new session');
  return { sessionKey: row.sessionKey, owner: set.replica(row.owner) };
}

async function ownerNow(sessionKey: string): Promise<string | undefined> {
  return (await set.sessionOwners()).find((r) => r.sessionKey === sessionKey && r.live)?.owner;
}

/** Headers a Codex CLI request of session `id` carries (the client's own key for auth). */
function sessionHeaders(id: string): Record<string, string> {
  return { authorization: `Bearer ${apiKey}`, 'thread-id': id, 'session-id': id, 'user-agent': 'codex_exec/0.169.0 (Debian 12.0.0; x86_64)', originator: 'codex_exec' };
}

describe.each([
  ['HTTP SSE', false],
  ['the Responses WebSocket', true],
] as const)('when the owner of a Codex session over %s goes away', (_transport, websockets) => {
  it('stopped (SIGTERM) between turns: the next turn succeeds on a new owner, on the same account', async () => {
    const before = new Set((await set.sessionOwners()).map((r) => r.sessionKey));
    const codex = new CodexSession({ baseUrl: set.front.url, apiKey, websockets });
    expect((await codex.turn('before the owner stops')).code).toBe(0);
    const { sessionKey, owner } = await ownerOfNewSession(before);
    const account = upstreamTurns(0).at(-1)?.accountId;

    expect(await owner.stop('SIGTERM')).toBe(0);
    const since = lastSeq();
    const run = await codex.turn('after the owner stopped');
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('after the owner stopped');
    const newOwner = await ownerNow(sessionKey);
    expect(newOwner).toBeDefined();
    expect(newOwner).not.toBe(owner.instanceId);
    const turns = upstreamTurns(since);
    expect(turns.length).toBeGreaterThan(0);
    expect(new Set(turns.map((t) => t.accountId))).toEqual(new Set([account]));
  });

  it('stopped (SIGTERM) mid-turn: the turn still completes (the owner drains first), and the next turn moves on', async () => {
    const before = new Set((await set.sessionOwners()).map((r) => r.sessionKey));
    const codex = new CodexSession({ baseUrl: set.front.url, apiKey, websockets });
    expect((await codex.turn('first')).code).toBe(0);
    const { sessionKey, owner } = await ownerOfNewSession(before);
    const account = upstreamTurns(0).at(-1)?.accountId as string;
    const origin = set.replicas.find((r) => r !== owner) as Replica;

    fake.script(account, { kind: 'slow', delayMs: 150 });
    const turn = rawTurn(origin, codex.id as string, 'a long turn', websockets);
    await turn.started;
    const stopped = owner.stop('SIGTERM');
    const events = await turn.done;
    expect(events.at(-1)).toBe('response.completed');
    expect(await stopped).toBe(0);

    const run = await codex.turn('after the drained owner left');
    expect(run.code, run.output).toBe(0);
    expect(await ownerNow(sessionKey)).not.toBe(owner.instanceId);
  });

  it('killed (SIGKILL) mid-turn: the client gets a terminal error event, and the following turn succeeds', async () => {
    const before = new Set((await set.sessionOwners()).map((r) => r.sessionKey));
    const codex = new CodexSession({ baseUrl: set.front.url, apiKey, websockets });
    expect((await codex.turn('first')).code).toBe(0);
    const { sessionKey, owner } = await ownerOfNewSession(before);
    const account = upstreamTurns(0).at(-1)?.accountId as string;
    const origin = set.replicas.find((r) => r !== owner) as Replica;

    fake.script(account, { kind: 'slow', delayMs: 150 });
    const turn = rawTurn(origin, codex.id as string, 'cut short', websockets);
    await turn.started;
    await owner.stop('SIGKILL');
    const events = await turn.done;
    expect(events.at(-1)).toBe('response.failed');
    expect(turn.failure()).toMatchObject({ code: 'stream_incomplete' });

    // A continuation of a response only the killed owner's socket held fails closed; nothing else serves it.
    const continuation = await fetch(`${origin.url}/backend-api/codex/responses`, {
      method: 'POST',
      headers: { ...sessionHeaders(codex.id as string), 'content-type': 'application/json' },
      body: JSON.stringify(responsesBody('continue', { previous_response_id: 'resp_held_by_the_killed_owner' })),
    });
    expect(continuation.status).toBe(503);
    expect(continuation.headers.get('retry-after')).toBe('5');
    expect(((await continuation.json()) as { error: { code: string } }).error.code).toBe('bridge_owner_unreachable');

    const run = await codex.turn('after the owner was killed');
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toContain('after the owner was killed');
    expect(await ownerNow(sessionKey)).not.toBe(owner.instanceId);
  });
});

interface RawTurn {
  /** Resolves once the first event reached the client. */
  started: Promise<void>;
  /** Event types, in order, when the turn ended (terminal event, or the connection closed). */
  done: Promise<string[]>;
  /** The error of a final `response.failed`. */
  failure(): Record<string, unknown> | undefined;
}

/** One turn of session `id` sent straight to `replica`, as the Codex CLI would send it, watched event by event. */
function rawTurn(replica: Replica, id: string, text: string, websockets: boolean): RawTurn {
  let markStarted!: () => void;
  const started = new Promise<void>((resolve) => (markStarted = resolve));
  const payloads: Array<Record<string, unknown>> = [];
  const done = websockets ? socketTurn(replica, id, text, payloads, markStarted) : sseTurn(replica, id, text, payloads, markStarted);
  return {
    started,
    done,
    failure: () => (payloads.at(-1)?.response as { error?: Record<string, unknown> } | undefined)?.error,
  };
}

async function sseTurn(replica: Replica, id: string, text: string, payloads: Array<Record<string, unknown>>, started: () => void): Promise<string[]> {
  const res = await fetch(`${replica.url}/backend-api/codex/responses`, {
    method: 'POST',
    headers: { ...sessionHeaders(id), 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify(responsesBody(text)),
  });
  const types: string[] = [];
  try {
    for await (const message of readSse(res.body)) {
      const type = message.event ?? String(message.data.type);
      if (type === 'codex.keepalive') continue;
      types.push(type);
      payloads.push(message.data);
      started();
    }
  } catch (err) {
    types.push(`error: ${(err as Error).message}`);
  }
  return types;
}

async function socketTurn(replica: Replica, id: string, text: string, payloads: Array<Record<string, unknown>>, started: () => void): Promise<string[]> {
  const opening = await openSocket(replica.url, sessionHeaders(id));
  if (!opening.ok) return [`http ${opening.status}`];
  const ws: WebSocket = opening.ws;
  const types: string[] = [];
  await new Promise<void>((resolve) => {
    ws.on('message', (data: Buffer) => {
      const frame = JSON.parse(data.toString('utf8')) as Frame;
      if (frame.type === 'codex.keepalive') return;
      types.push(frame.type);
      payloads.push(frame);
      started();
      if (['response.completed', 'response.failed', 'response.incomplete', 'error'].includes(frame.type)) resolve();
    });
    ws.once('close', () => resolve());
    ws.send(JSON.stringify({ type: 'response.create', ...socketBody(text) }));
  });
  ws.close();
  return types;
}

describe('ring membership', () => {
  it('a replica without an advertise URL refuses to start while others are live', async () => {
    const joined = await set.tryJoin({ instanceId: 'replica-x', host: '127.0.0.9', advertise: null });
    expect(joined.code).toBe(1);
    expect(joined.output).toContain('CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_ADVERTISE_BASE_URL is unset but other replicas are live (replica-0, replica-1, replica-2)');
  });

  it('a replica advertising localhost refuses to start while others are live', async () => {
    const port = await freePort();
    const joined = await set.tryJoin({ instanceId: 'replica-x', host: '127.0.0.1', port, advertise: `http://localhost:${port}` });
    expect(joined.code).toBe(1);
    expect(joined.output).toMatch(/ADVERTISE_BASE_URL http:\/\/localhost:\d+ names no particular machine but other replicas are live/);
  });

  it('a replica whose advertise URL reaches another replica refuses to start', async () => {
    const joined = await set.tryJoin({ instanceId: 'replica-x', host: '127.0.0.9', advertise: set.replicas[1]?.url ?? '' });
    expect(joined.code).toBe(1);
    expect(joined.output).toContain(`${set.replicas[1]?.url} reaches another codex-lb process, not this one`);
  });

  it('a stopped replica leaves the ring at once: the others see two members without waiting for its heartbeat to age', async () => {
    const victim = set.replicas[2] as Replica;
    expect(await victim.stop('SIGTERM')).toBe(0);
    await set.waitForRing(2);
  });
});
