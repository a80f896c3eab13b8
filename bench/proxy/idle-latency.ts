/**
 * One stream at a time, unpaced: time to `response.created` (p50) direct, through the Node floor and through
 * the proxy — back to back, and after the proxy has been idle for 5 ms. Shows what a Node hop costs on this
 * machine when it is woken for each request (the latency bench paces events 20 ms apart, so every event wakes
 * an idle proxy); bench/results/proxy-hot-path.md, "Where the one-stream latency goes", quotes it.
 *
 * `node bench/proxy/idle-latency.ts [--streams 500] [--runs 2]`
 */
import { parseArgs } from 'node:util';
import { percentile } from './stats.ts';
import { timedStream } from './stream-client.ts';
import { PROXY_CLIENT_HEADERS, SHORT_STREAM_BODY, startFake, startNodeFloor, startProxy, upstreamClientHeaders } from './targets.ts';

const { values } = parseArgs({ options: { streams: { type: 'string', default: '500' }, runs: { type: 'string', default: '2' } } });
const STREAMS = Number(values.streams);
const p50 = (values: number[]): number => percentile(values.sort((a, b) => a - b), 50);

/** `response.created` p50 (ms) over `count` streams, each after `idleMs` of nothing. */
async function createdP50(url: string, headers: () => Record<string, string>, count: number, idleMs = 0): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    if (idleMs > 0) await new Promise((resolve) => setTimeout(resolve, idleMs));
    times.push((await timedStream(`${url}/backend-api/codex/responses`, headers(), SHORT_STREAM_BODY)).createdMs);
  }
  return p50(times);
}

async function main(): Promise<void> {
  const fake = await startFake(4);
  const floor = await startNodeFloor(fake);
  const proxy = await startProxy(fake);
  let sent = 0;
  const direct = (): Record<string, string> => upstreamClientHeaders(fake, sent++);
  const targets = [
    { name: 'direct', url: fake.url, headers: direct },
    { name: 'Node floor', url: floor.url, headers: direct },
    { name: 'proxy', url: proxy.url, headers: () => ({ ...PROXY_CLIENT_HEADERS }) },
  ];
  try {
    await fake.script(undefined);
    for (const target of targets) await createdP50(target.url, target.headers, 500);
    console.log('| run | target | back to back | after 5 ms idle |\n|---|---|---|---|');
    for (let run = 1; run <= Number(values.runs); run++) {
      for (const target of targets) {
        const backToBack = await createdP50(target.url, target.headers, STREAMS);
        const afterIdle = await createdP50(target.url, target.headers, Math.ceil(STREAMS * 0.6), 5);
        console.log(`| ${run} | ${target.name} | ${backToBack.toFixed(2)} ms | ${afterIdle.toFixed(2)} ms |`);
      }
    }
  } finally {
    await Promise.all([proxy.proc.stop(), floor.proc.stop(), fake.proc.stop()]);
  }
}

await main();
