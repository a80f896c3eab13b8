/**
 * Interleaved A/B of the proxy's CPU per short stream: the proxy at a git revision (`--before`, default HEAD)
 * against this working tree, both in front of one fake upstream. 32 clients run short Codex streams against
 * one, then the other (which goes first alternating), for a few seconds each, pair after pair. Single runs of
 * run.ts swing by a quarter on a shared 2-core machine, too much to see a 5 % change; the two halves of a pair see the same machine. Prints
 * each pair and the median of the pairs' ratios (after / before), the figure bench/results/proxy-hot-path.md
 * quotes for a change.
 *
 * `node bench/proxy/ab.ts [--before <rev>] [--pairs 10] [--seconds 3]`
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { checkoutAt } from './checkout.ts';
import { percentile } from './stats.ts';
import { timedStream } from './stream-client.ts';
import { cpuMs, PROXY_CLIENT_HEADERS, SHORT_STREAM_BODY, startFake, startProxy, type ProxyProcess } from './targets.ts';
const { values } = parseArgs({ options: { before: { type: 'string', default: 'HEAD' }, pairs: { type: 'string', default: '10' }, seconds: { type: 'string', default: '3' } } });
const CONCURRENCY = 32;

/** The proxy's CPU per completed short stream (µs) over `seconds` of back-to-back streams. */
async function cpuPerStream(proxy: ProxyProcess, seconds: number): Promise<number> {
  const pid = proxy.proc.child.pid as number;
  const before = cpuMs(pid);
  const until = performance.now() + seconds * 1000;
  let completed = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < until) {
        const timing = await timedStream(`${proxy.url}/backend-api/codex/responses`, PROXY_CLIENT_HEADERS, SHORT_STREAM_BODY).catch(() => undefined);
        if (timing?.completed) completed += 1;
      }
    }),
  );
  return ((cpuMs(pid) - before) * 1000) / Math.max(1, completed);
}

const median = (values: readonly number[]): number => percentile([...values].sort((a, b) => a - b), 50);

async function main(): Promise<void> {
  const checkout = checkoutAt(values.before);
  const fake = await startFake(4);
  const before = await startProxy(fake, { root: checkout.root });
  const after = await startProxy(fake);
  try {
    await fake.script(undefined);
    // Warm-up: connections, JIT, each proxy's model of the pool.
    await cpuPerStream(before, 2);
    await cpuPerStream(after, 2);
    const ratios: number[] = [];
    const seconds = Number(values.seconds);
    console.log(`CPU per short stream, ${values.before} (before) against this working tree (after):`);
    for (let pair = 1; pair <= Number(values.pairs); pair++) {
      // Which runs first alternates: the first of a pair can run on a machine in a different state.
      const first = pair % 2 === 1 ? before : after;
      const second = first === before ? after : before;
      const firstCpu = await cpuPerStream(first, seconds);
      const secondCpu = await cpuPerStream(second, seconds);
      const [a, b] = first === before ? [firstCpu, secondCpu] : [secondCpu, firstCpu];
      ratios.push(b / a);
      console.log(`pair ${pair}: before ${a.toFixed(0)} µs, after ${b.toFixed(0)} µs, after / before ${(b / a).toFixed(3)}`);
    }
    console.log(`median of the pairs' ratios: ${median(ratios).toFixed(3)}`);
  } finally {
    await Promise.all([before.proc.stop(), after.proc.stop(), fake.proc.stop()]);
    checkout.remove();
  }
}

await main();
