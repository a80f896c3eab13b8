/**
 * Issue 8 acceptance 3, on real processes: 50 concurrent Codex sessions spread over three replicas by a
 * no-affinity front, two accounts, and a per-account stream cap of 4. The cap is cluster-wide — each
 * replica enforces its share of it among the live replicas — so the upstream never sees more than 4
 * concurrent streams on an account, and every client either completes or is told to come back
 * (429/503 with Retry-After); none hangs.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANY_ACCOUNT, startFakeUpstream, type AccountCredentials, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { readSse, responsesBody } from '../../fakes/upstream-client.ts';
import { startPostgres, type PostgresServer } from '../../harness/postgres.ts';
import { startReplicaSet, type ReplicaSet } from '../../harness/replica-set.ts';

const STREAM_CAP = 4;
const SESSIONS = 50;

let fake: FakeUpstream;
let postgres: PostgresServer;
let set: ReplicaSet;
let apiKey: string;
let accounts: AccountCredentials[];

beforeAll(async () => {
  fake = await startFakeUpstream();
  postgres = await startPostgres();
  set = await startReplicaSet({ upstreamUrl: fake.url, databaseUrl: await postgres.createDatabase('caps'), env: { CODEX_LB_PROXY_ACCOUNT_STREAM_LIMIT: String(STREAM_CAP) } });
  accounts = [fake.addAccount({ plan: 'pro' }), fake.addAccount({ plan: 'pro' })];
  for (const account of accounts) await set.importAccount(account.authJson());
  apiKey = (await set.createApiKey()).key;
  await set.waitForRing(3);
});
afterAll(async () => {
  await set?.stop();
  await postgres?.stop();
  await fake?.close();
});

type Outcome = { kind: 'completed' } | { kind: 'refused'; status: number; retryAfter: string | null; code: string } | { kind: 'other'; detail: string };

/** One turn of a fresh Codex session through the front. */
async function sessionTurn(i: number): Promise<Outcome> {
  const id = randomUUID();
  const res = await fetch(`${set.front.url}/backend-api/codex/responses`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'thread-id': id, 'session-id': id, 'content-type': 'application/json', 'user-agent': 'codex_exec/0.169.0', originator: 'codex_exec' },
    body: JSON.stringify(responsesBody(`session ${i} says hello`)),
    // "None hangs": a turn takes about a second; the admission wait is 10 s.
    signal: AbortSignal.timeout(90_000),
  });
  if (res.status !== 200) {
    const body = (await res.json()) as { error?: { code?: string } };
    return { kind: 'refused', status: res.status, retryAfter: res.headers.get('retry-after'), code: body.error?.code ?? '' };
  }
  let last = '';
  for await (const message of readSse(res.body)) last = message.event ?? String(message.data.type);
  return last === 'response.completed' ? { kind: 'completed' } : { kind: 'other', detail: last };
}

describe('per-account stream caps across three replicas', () => {
  it(`${SESSIONS} concurrent sessions never put more than ${STREAM_CAP} streams on an account; every client completes or is told when to retry`, async () => {
    fake.script(ANY_ACCOUNT, { kind: 'slow', delayMs: 60 }, { sticky: true });
    const outcomes = await Promise.all(Array.from({ length: SESSIONS }, (_, i) => sessionTurn(i)));

    for (const account of accounts) {
      const streams = fake.streams(account.accountId);
      expect(streams.max, `account ${account.accountId}`).toBeLessThanOrEqual(STREAM_CAP);
      expect(streams.open).toBe(0);
    }
    expect(outcomes.filter((o) => o.kind === 'other')).toEqual([]);
    const refused = outcomes.filter((o) => o.kind === 'refused');
    for (const refusal of refused) {
      expect([429, 503]).toContain(refusal.status);
      expect(Number(refusal.retryAfter)).toBeGreaterThan(0);
    }
    expect(outcomes.filter((o) => o.kind === 'completed').length).toBeGreaterThan(0);
    // The turns went through all three replicas (the front rotates), and were served by their sessions' owners.
    expect(new Set(set.front.turns().map((h) => h.replica)).size).toBe(3);
  });
});
