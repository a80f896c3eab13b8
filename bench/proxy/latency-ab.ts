/**
 * Interleaved A/B of the proxy's added latency: the proxy at a git revision (`--before`, default HEAD) and the
 * working tree, both in front of one fake upstream paced like run.ts's latency step (one event every 20 ms,
 * 20-word answers), with direct connections to the fake as the baseline. Each round runs every level against
 * direct, before and after in turn (the order rotating from round to round), so the machine's drift hits all
 * three alike; the report gives, per level, the pooled p50 time to `response.created` of each, what each
 * proxy adds over direct, and the median over rounds of the after − before difference of their p50s. A single
 * run.ts run cannot tell a change of a millisecond from the machine's swing. `--database postgres` gives each
 * proxy a database of its own on one PostgreSQL server (test/harness/postgres.ts) instead of SQLite: the
 * Replicated mode's store, where a read on the request path is a round trip. `--api-keys` turns API-key auth on
 * in both (the operator's default), each client sending a key without limits made through the admin API.
 *
 * `node bench/proxy/latency-ab.ts [--before <rev>] [--rounds 6] [--levels 1,100] [--database sqlite|postgres] [--api-keys]`
 */
import { parseArgs } from 'node:util';
import { startPostgres, type PostgresServer } from '../../test/harness/postgres.ts';
import { checkoutAt } from './checkout.ts';
import { percentile } from './stats.ts';
import { inBatches, timedStream } from './stream-client.ts';
import { cpuMs, createApiKey, PROXY_CLIENT_HEADERS, startFake, startProxy, upstreamClientHeaders, type ProxyProcess } from './targets.ts';

const { values } = parseArgs({
  options: {
    before: { type: 'string', default: 'HEAD' },
    rounds: { type: 'string', default: '6' },
    levels: { type: 'string', default: '1,100' },
    database: { type: 'string', default: 'sqlite' },
    'api-keys': { type: 'boolean', default: false },
  },
});
if (values.database !== 'sqlite' && values.database !== 'postgres') throw new Error(`--database: sqlite or postgres, not ${values.database}`);
const ROUNDS = Number(values.rounds);
/** run.ts's latency levels. */
const LEVELS = [
  { concurrency: 1, streams: 15 },
  { concurrency: 100, streams: 200 },
].filter((level) => values.levels.split(',').includes(String(level.concurrency)));
const GAP_MS = 20;

const words = Array.from({ length: 20 }, (_, i) => `word${i}`).join(' ');
const BODY = JSON.stringify({ model: 'gpt-5.4', instructions: 'Be brief.', input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: words }] }], stream: true, store: false });

interface Target {
  name: string;
  url: string;
  headers(i: number): Record<string, string>;
  /** The proxy's process, whose CPU time per stream is reported. */
  pid?: number;
}

async function createdTimes(target: Target, concurrency: number, streams: number): Promise<number[]> {
  const timings = await inBatches(streams, concurrency, (i) => timedStream(`${target.url}/backend-api/codex/responses`, target.headers(i), BODY));
  return timings.filter((t) => t.status === 200 && t.completed).map((t) => t.createdMs);
}

const p50 = (samples: number[]): number => percentile([...samples].sort((a, b) => a - b), 50);

async function main(): Promise<void> {
  const checkout = checkoutAt(values.before);
  const fake = await startFake(4);
  const postgres: PostgresServer | undefined = values.database === 'postgres' ? await startPostgres() : undefined;
  const apiKeyAuth = values['api-keys'];
  const before = await startProxy(fake, { root: checkout.root, apiKeyAuth, ...(postgres && { databaseUrl: await postgres.createDatabase('before') }) });
  const after = await startProxy(fake, { apiKeyAuth, ...(postgres && { databaseUrl: await postgres.createDatabase('after') }) });
  const clientHeaders = async (proxy: ProxyProcess): Promise<Record<string, string>> =>
    apiKeyAuth ? { ...PROXY_CLIENT_HEADERS, authorization: `Bearer ${await createApiKey(proxy, { name: 'bench' })}` } : PROXY_CLIENT_HEADERS;
  const [beforeHeaders, afterHeaders] = [await clientHeaders(before), await clientHeaders(after)];
  const targets: Target[] = [
    { name: 'direct', url: fake.url, headers: (i) => upstreamClientHeaders(fake, i) },
    { name: 'before', url: before.url, headers: () => beforeHeaders, pid: before.proc.child.pid },
    { name: 'after', url: after.url, headers: () => afterHeaders, pid: after.proc.child.pid },
  ];
  try {
    await fake.script(undefined);
    for (const target of targets) await inBatches(200, 32, (i) => timedStream(`${target.url}/backend-api/codex/responses`, target.headers(i), BODY));
    await fake.script({ kind: 'slow', delayMs: GAP_MS });
    /** Every sample, and each round's p50, by target and level. */
    const samples = new Map<string, number[]>();
    const rounds = new Map<string, number[]>();
    /** The proxies' CPU time (ms) per target and level. */
    const cpu = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      const order = targets.map((_, i) => targets[(i + round) % targets.length] as Target);
      for (const { concurrency, streams } of LEVELS) {
        for (const target of order) {
          const key = `${target.name} ${concurrency}`;
          const cpuBefore = target.pid === undefined ? 0 : cpuMs(target.pid);
          const times = await createdTimes(target, concurrency, streams);
          if (target.pid !== undefined) cpu.set(key, (cpu.get(key) ?? 0) + cpuMs(target.pid) - cpuBefore);
          samples.set(key, [...(samples.get(key) ?? []), ...times]);
          rounds.set(key, [...(rounds.get(key) ?? []), p50(times)]);
        }
      }
      const summary = LEVELS.map(({ concurrency }) => `${concurrency}: ${targets.map((t) => `${t.name} ${(rounds.get(`${t.name} ${concurrency}`)?.at(-1) ?? NaN).toFixed(1)}`).join(' ')}`);
      console.log(`round ${round + 1} of ${ROUNDS}, p50 ms: ${summary.join('; ')}`);
    }
    console.log(`\nTime to response.created, p50 over ${ROUNDS} interleaved rounds; before = ${values.before}, after = the working tree:`);
    for (const { concurrency } of LEVELS) {
      const direct = p50(samples.get(`direct ${concurrency}`) ?? []);
      const line = targets.map((target) => {
        const value = p50(samples.get(`${target.name} ${concurrency}`) ?? []);
        return target.name === 'direct' ? `direct ${value.toFixed(1)} ms` : `${target.name} +${(value - direct).toFixed(1)} ms`;
      });
      const before = rounds.get(`before ${concurrency}`) ?? [];
      const after = rounds.get(`after ${concurrency}`) ?? [];
      const change = p50(after.map((value, i) => value - (before[i] ?? NaN)));
      const perStream = (name: string): string => `${(((cpu.get(`${name} ${concurrency}`) ?? NaN) * 1000) / (samples.get(`${name} ${concurrency}`)?.length ?? NaN)).toFixed(0)} µs`;
      console.log(`${concurrency} stream${concurrency === 1 ? '' : 's'}: ${line.join(', ')}; after − before, median of the rounds: ${change >= 0 ? '+' : ''}${change.toFixed(1)} ms; CPU per paced stream before ${perStream('before')}, after ${perStream('after')}`);
    }
  } finally {
    await Promise.all([before.proc.stop(), after.proc.stop(), fake.proc.stop()]);
    await postgres?.stop();
    checkout.remove();
  }
}

await main();
