/**
 * Replicated-mode benchmark (`make bench`), every ratio from one run on this machine: two
 * `codex-lb-proxy serve` replicas on one PostgreSQL (127.0.0.1 and 127.0.0.2, the shared key), the
 * fake upstream in its own process, and this client.
 *
 *   1. Forwarding cost: time to the first event (`response.created`) of a turn sent to the session's
 *      owner (local) and of the same sessions' turns sent to the other replica (forwarded to the owner),
 *      interleaved, at 1, 10 and 100 sessions in flight; the added time is forwarded minus local.
 *   2. Memory per idle bridged session: RSS of both replicas after as many turns without a session (the
 *      control: same request work, nothing kept), and then after as many sessions each left holding its
 *      warm upstream socket.
 *   3. Sessions one replica holds on 2 cores: with the other replica stopped, idle sessions are added in
 *      steps while a probe measures turn latency on them; the run stops at the pod memory limit (1 GiB)
 *      or when the p99 time to first event passes 250 ms.
 *
 * Writes bench/results/bridge.md and bench/results/bridge.json (`--report` rewrites the .md from the .json).
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { sessionKeyOf } from '../../proxy/cluster/session-key.ts';
import { startPostgres } from '../../test/harness/postgres.ts';
import { startReplicaSet, type Replica, type ReplicaSet } from '../../test/harness/replica-set.ts';
import { summarize, type Summary } from './stats.ts';
import { timedStream } from './stream-client.ts';
import { rssMiB, startFake } from './targets.ts';

const LEVELS = [
  { sessions: 1, rounds: 40 },
  { sessions: 10, rounds: 12 },
  { sessions: 100, rounds: 4 },
];
const IDLE_SESSIONS = 3000;
const CAPACITY_STEPS = [1000, 2000, 4000, 8000, 12_000];
const MEMORY_LIMIT_MIB = 1024;
const P99_LIMIT_MS = 250;
const OPEN_CONCURRENCY = 50;

interface Session {
  id: string;
  owner: Replica;
  other: Replica;
}

interface LevelResult {
  sessions: number;
  local: Summary;
  forwarded: Summary;
  failures: number;
}

interface IdleMemory {
  sessions: number;
  beforeMiB: number;
  /** After as many turns without a session (nothing kept). */
  controlMiB: number;
  afterMiB: number;
  controlPerTurnKiB: number;
  perSessionKiB: number;
}

interface CapacityStep {
  sessions: number;
  rssMiB: number;
  ttfe: Summary;
  failures: number;
}

const body = JSON.stringify({
  model: 'gpt-5.4',
  instructions: 'Be brief.',
  input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }],
  stream: true,
  store: false,
});

let counter = 0;
const newSessionId = (): string => `bench-session-${process.pid}-${++counter}`;

async function inBatches<T>(total: number, concurrency: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) results.push(await run(next++));
    }),
  );
  return results;
}

class Bench {
  readonly #set: ReplicaSet;
  readonly #apiKey: { key: string; id: string };

  constructor(set: ReplicaSet, apiKey: { key: string; id: string }) {
    this.#set = set;
    this.#apiKey = apiKey;
  }

  /** A Codex CLI request's headers; without a session id for `undefined` (such a turn keeps nothing). */
  headers(id: string | undefined): Record<string, string> {
    return {
      authorization: `Bearer ${this.#apiKey.key}`,
      'content-type': 'application/json',
      accept: 'text/event-stream',
      'user-agent': 'codex_exec/0.169.0 (bench)',
      originator: 'codex_exec',
      ...(id === undefined ? {} : { 'thread-id': id, 'session-id': id }),
    };
  }

  /** One turn of session `id` on `replica`: ms to `response.created`, or NaN when it failed. */
  async turn(replica: Replica, id: string | undefined): Promise<number> {
    const timing = await timedStream(`${replica.url}/backend-api/codex/responses`, this.headers(id), body).catch(() => undefined);
    return timing && timing.status === 200 && timing.completed ? timing.createdMs : Number.NaN;
  }

  /** Opens sessions (one turn each, on the first running replica) and finds each one's owner. */
  async open(count: number): Promise<Session[]> {
    const running = this.#set.replicas.filter((r) => r.running);
    const entry = running[0] as Replica;
    const ids = Array.from({ length: count }, newSessionId);
    await inBatches(count, OPEN_CONCURRENCY, (i) => this.turn(entry, ids[i] as string));
    const owners = await this.#owners();
    return ids.map((id) => {
      const key = sessionKeyOf({ 'thread-id': id }, this.#apiKey.id)?.id as string;
      const owner = running.find((r) => r.instanceId === owners.get(key)) ?? entry;
      return { id, owner, other: running.find((r) => r !== owner) ?? owner };
    });
  }

  async #owners(): Promise<Map<string, string>> {
    const client = new pg.Client({ connectionString: this.#set.databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ session_key: string; owner_instance_id: string }>('SELECT session_key, owner_instance_id FROM http_bridge_sessions');
      return new Map(rows.map((r) => [r.session_key, r.owner_instance_id]));
    } finally {
      await client.end();
    }
  }

  /** Local and forwarded turns of the same sessions, in alternating rounds of one turn per session. */
  async level(sessions: number, rounds: number): Promise<LevelResult> {
    const open = await this.open(sessions);
    const local: number[] = [];
    const forwarded: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const forward = round % 2 === 1;
      const times = await Promise.all(open.map((s) => this.turn(forward ? s.other : s.owner, s.id)));
      (forward ? forwarded : local).push(...times);
    }
    const ok = (values: number[]): number[] => values.filter((v) => Number.isFinite(v));
    return { sessions, local: summarize(ok(local)), forwarded: summarize(ok(forwarded)), failures: local.length + forwarded.length - ok(local).length - ok(forwarded).length };
  }
}

const rss = (replicas: Replica[]): number => replicas.reduce((sum, r) => sum + (r.pid ? rssMiB(r.pid) : 0), 0);
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 3000));

async function main(): Promise<void> {
  const loadBefore = loadavg()[0] ?? 0;
  const fake = await startFake(4);
  const postgres = await startPostgres();
  const set = await startReplicaSet({
    upstreamUrl: fake.url,
    databaseUrl: await postgres.createDatabase('bench'),
    count: 2,
    env: {
      CODEX_LB_HTTP_RESPONSES_SESSION_BRIDGE_MAX_SESSIONS: '100000',
      // The benchmark measures the bridge, not the per-account caps: 100 concurrent sessions on 4 accounts.
      CODEX_LB_PROXY_ACCOUNT_STREAM_LIMIT: '0',
      CODEX_LB_PROXY_ACCOUNT_RESPONSE_CREATE_LIMIT: '0',
      CODEX_LB_DATABASE_POOL_SIZE: '10',
    },
  });
  const results: { levels: LevelResult[]; idle?: IdleMemory; capacity: CapacityStep[]; capacityStop?: string } = {
    levels: [],
    capacity: [],
  };
  try {
    for (const file of await readdir(fake.authDir)) await set.importAccount(JSON.parse(await readFile(join(fake.authDir, file), 'utf8')));
    const bench = new Bench(set, await set.createApiKey());
    await set.waitForRing(2);
    await bench.level(10, 4); // warm-up: connections, JIT
    for (const { sessions, rounds } of LEVELS) {
      results.levels.push(await bench.level(sessions, rounds));
      console.log(`forwarding at ${sessions} sessions done`);
    }

    const both = set.replicas;
    await settle();
    const beforeMiB = rss(both);
    const entry = both[0] as Replica;
    await inBatches(IDLE_SESSIONS, OPEN_CONCURRENCY, () => bench.turn(entry, undefined));
    await settle();
    const controlMiB = rss(both);
    await bench.open(IDLE_SESSIONS);
    await settle();
    const afterMiB = rss(both);
    results.idle = {
      sessions: IDLE_SESSIONS,
      beforeMiB,
      controlMiB,
      afterMiB,
      controlPerTurnKiB: ((controlMiB - beforeMiB) * 1024) / IDLE_SESSIONS,
      perSessionKiB: ((afterMiB - controlMiB) * 1024) / IDLE_SESSIONS,
    };
    console.log('idle session memory done');

    // One replica alone: every new session is its own.
    await (set.replicas[1] as Replica).stop('SIGTERM');
    await set.waitForRing(1);
    const solo = set.replicas[0] as Replica;
    let held: Session[] = [];
    for (const target of CAPACITY_STEPS) {
      held = [...held, ...(await bench.open(target - held.length))];
      await settle();
      const probe = held.filter((_, i) => i % Math.ceil(held.length / 100) === 0).slice(0, 100);
      const times = await inBatches(probe.length, 10, (i) => bench.turn(solo, (probe[i] as Session).id));
      const ok = times.filter((t) => Number.isFinite(t));
      const step = { sessions: held.length, rssMiB: rss([solo]), ttfe: summarize(ok), failures: times.length - ok.length };
      results.capacity.push(step);
      console.log(`capacity ${step.sessions} sessions: ${step.rssMiB.toFixed(0)} MiB, p99 ${step.ttfe.p99.toFixed(1)} ms`);
      if (step.rssMiB >= MEMORY_LIMIT_MIB) {
        results.capacityStop = `RSS reached the ${MEMORY_LIMIT_MIB} MiB pod limit`;
        break;
      }
      if (step.ttfe.p99 > P99_LIMIT_MS || step.failures > 0) {
        results.capacityStop = `p99 time to first event passed ${P99_LIMIT_MS} ms or turns failed`;
        break;
      }
    }
    results.capacityStop ??= `the largest step tried (${CAPACITY_STEPS.at(-1)}) stayed within ${MEMORY_LIMIT_MIB} MiB and ${P99_LIMIT_MS} ms p99`;
  } finally {
    await set.stop();
    await postgres.stop();
    await fake.proc.stop();
  }

  const environment = {
    when: new Date().toISOString(),
    node: process.version,
    cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    // Other work on the machine while the benchmark ran (1-minute load average, before and after).
    load: `${loadBefore.toFixed(1)} → ${(loadavg()[0] ?? 0).toFixed(1)}`,
  };
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}bridge.json`, `${JSON.stringify({ environment, results }, null, 2)}\n`);
  await writeFile(`${dir}bridge.md`, report(environment, results));
  console.log(`wrote ${dir}bridge.md`);
}

const ms = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : 'n/a');
const plus = (v: number): string => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(2)} ms` : 'n/a');

function report(
  environment: Record<string, unknown>,
  results: { levels: LevelResult[]; idle?: IdleMemory; capacity: CapacityStep[]; capacityStop?: string },
): string {
  const lines = [
    '# Replicated-mode benchmark',
    '',
    `Run ${String(environment.when)} on ${String(environment.cpu)}, ${String(environment.memoryGiB)} GiB, Node ${String(environment.node)}; 1-minute load average ${String(environment.load)} (other work shares the machine).`,
    'Two `codex-lb-proxy serve` replicas (127.0.0.1, 127.0.0.2) on one PostgreSQL, the fake upstream and this client, each in its own process on this machine (2 shared cores). API-key auth on; per-account caps off (the bridge is measured, not the caps).',
    '',
    '## Forwarding: time to first event, local vs forwarded turn',
    '',
    'Each session first runs one turn (its owner claims it and opens its upstream socket). Then rounds alternate: every session sends one turn to its owner (**local**), then one to the other replica, which forwards it to the owner (**forwarded**). Time to `response.created` as the client sees it; the upstream is not paced. Both paths hold the turn until the upstream accepted it and read the owner row; the forwarded one adds a signed hop between replicas and back.',
    '',
    '| sessions in flight | local p50 / p99 | forwarded p50 / p99 | added by forwarding p50 / p99 | failed |',
    '|---|---|---|---|---|',
  ];
  for (const r of results.levels) {
    lines.push(`| ${r.sessions} | ${ms(r.local.p50)} / ${ms(r.local.p99)} | ${ms(r.forwarded.p50)} / ${ms(r.forwarded.p99)} | ${plus(r.forwarded.p50 - r.local.p50)} / ${plus(r.forwarded.p99 - r.local.p99)} | ${r.failures} |`);
  }
  if (results.idle) {
    const idle = results.idle;
    lines.push(
      '',
      '## Memory per idle bridged session',
      '',
      `RSS of both replicas: before; after ${idle.sessions} turns without a session id (the control: the same request work, nothing kept afterwards); after ${idle.sessions} sessions, each left idle with its upstream WebSocket open (the state a Codex session keeps between turns). Per session = growth in the second step / sessions.`,
      '',
      '| sessions | RSS before | after the control turns | after the sessions | control growth per turn | per idle session |',
      '|---|---|---|---|---|---|',
      `| ${idle.sessions} | ${idle.beforeMiB.toFixed(0)} MiB | ${idle.controlMiB.toFixed(0)} MiB | ${idle.afterMiB.toFixed(0)} MiB | ${idle.controlPerTurnKiB.toFixed(1)} KiB | ${idle.perSessionKiB.toFixed(1)} KiB |`,
    );
  }
  lines.push(
    '',
    '## Sessions one replica holds (2 cores)',
    '',
    `The other replica stopped; idle sessions are added in steps, and at each step 100 of them take a turn (10 at a time). Stops at the ${MEMORY_LIMIT_MIB} MiB pod limit or when the p99 passes ${P99_LIMIT_MS} ms.`,
    '',
    '| idle sessions held | RSS | turn: time to first event p50 / p99 | failed |',
    '|---|---|---|---|',
  );
  for (const step of results.capacity) lines.push(`| ${step.sessions} | ${step.rssMiB.toFixed(0)} MiB | ${ms(step.ttfe.p50)} / ${ms(step.ttfe.p99)} | ${step.failures} |`);
  const [first, last] = [results.capacity[0], results.capacity.at(-1)];
  if (first && last && last.sessions > first.sessions) {
    const slope = ((last.rssMiB - first.rssMiB) * 1024) / (last.sessions - first.sessions);
    lines.push(
      '',
      `RSS growth per added idle session on this warmed replica (${first.sessions} → ${last.sessions} sessions): **${slope.toFixed(1)} KiB** — the retained cost of a session once the heap has grown to its working size (the control-corrected figure above also carries the garbage of the turns that opened the sessions).`,
    );
  }
  lines.push('', `Stopped because ${results.capacityStop ?? 'n/a'}.`, '', 'Compare columns within this run, not across runs: the client, the upstream, PostgreSQL and the replicas share two cores.', '');
  return lines.join('\n');
}

if (process.argv.includes('--report')) {
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  const saved = JSON.parse(await readFile(`${dir}bridge.json`, 'utf8')) as { environment: Record<string, unknown>; results: Parameters<typeof report>[1] };
  await writeFile(`${dir}bridge.md`, report(saved.environment, saved.results));
} else {
  await main();
}
