/**
 * Proxy benchmark (`make bench`). Every measurement is taken three ways in the same run, each peer
 * in its own process on this machine:
 *   - direct: the client talks to the fake upstream itself (the baseline);
 *   - nginx:  nginx `proxy_pass` in front of the same upstream (a proxy doing nothing but bytes);
 *   - proxy:  `codex-lb-proxy serve` (SQLite, request logs and live usage on, as in Standalone).
 *
 *   1. short-stream throughput: SHORT.concurrency clients running short Codex streams back to back,
 *      completed streams per second (and the proxy's CPU time per stream, from /proc);
 *   2. latency at 1, 10 and 100 concurrent streams, upstream paced at one event per GAP_MS:
 *      time to response.created, time to first token, gap between output deltas — and what each
 *      proxy adds over direct;
 *   3. throughput: unpaced streams, events per second at 10 concurrent streams;
 *   4. memory: RSS with 1000 open streams, with a small and with a Codex-sized request body.
 * 1 and 2 run REPETITIONS times, the targets interleaved (direct, nginx, proxy, direct, …), so a change in the
 * machine's load hits all of them; latency samples are pooled over the repetitions.
 *
 * Writes bench/results/proxy.md and bench/results/proxy.json; the report checks issue 14's targets.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/harness/ports.ts';
import { collectGarbage } from './inspector.ts';
import { backToBack, inBatches, openStream, timedStream, type StreamTiming } from './stream-client.ts';
import { summarize, type Summary } from './stats.ts';
import { cpuMs, ensureNginx, PROXY_CLIENT_HEADERS, upstreamClientHeaders, rssMiB, startFake, startNginx, startNodeFloor, startProxy, type FakeProcess, type NginxProcess, type NodeFloorProcess, type ProxyProcess } from './targets.ts';

const GAP_MS = 20;
const LEVELS = [
  { concurrency: 1, streams: 15 },
  { concurrency: 10, streams: 40 },
  { concurrency: 100, streams: 200 },
];
const THROUGHPUT = { concurrency: 10, streams: 20, words: 400 };
const OPEN_STREAMS = 1000;
const REPETITIONS = 3;
const SHORT = { concurrency: 32, seconds: 5 };
/** Issue 14's targets for the proxy. */
const TARGETS = { shortStreamsPerSecond: 2500, shortStreamsVsDirect: 0.5, addedCreatedP50Ms: { 1: 0.5, 100: 20 } as Record<number, number>, perStreamKiB: 32 };

type TargetName = 'direct' | 'nginx' | 'node' | 'proxy';

interface Target {
  name: TargetName;
  url: string;
  /** Headers a client of this target sends (the upstream's own credentials for direct and nginx). */
  headers(i: number): Record<string, string>;
}

interface ShortStreamsResult {
  repetition: number;
  perSecond: number;
  failed: number;
  /** The target process's CPU time (user + system) per completed stream; Node targets only (proxy, node). */
  cpuUsPerStream?: number;
}

interface LatencyResult {
  concurrency: number;
  streams: number;
  failures: number;
  created: Summary;
  firstToken: Summary;
  firstByte: Summary;
  deltaGap: Summary;
}

function words(n: number): string {
  return Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
}

/** A Responses request; `history` earlier messages of 1 KiB each make it the size of a Codex turn late in a session. */
function body(text: string, history = 0): string {
  const earlier = Array.from({ length: history }, (_, i) => ({
    type: 'message',
    role: i % 2 === 0 ? 'user' : 'assistant',
    content: [{ type: i % 2 === 0 ? 'input_text' : 'output_text', text: `${words(120)} ${i}`.slice(0, 1000) }],
  }));
  return JSON.stringify({
    model: 'gpt-5.4',
    instructions: 'Be brief.',
    input: [...earlier, { type: 'message', role: 'user', content: [{ type: 'input_text', text }] }],
    stream: true,
    store: false,
  });
}

/** SHORT.concurrency clients, each running short streams ("hi") back to back for SHORT.seconds. */
async function shortStreams(target: Target, repetition: number, pid: number | undefined): Promise<ShortStreamsResult> {
  const cpuBefore = pid === undefined ? 0 : cpuMs(pid);
  const { completed, failed, seconds } = await backToBack(`${target.url}/backend-api/codex/responses`, (i) => target.headers(i), body('hi'), SHORT);
  const result: ShortStreamsResult = { repetition, perSecond: completed / seconds, failed };
  if (pid !== undefined) result.cpuUsPerStream = ((cpuMs(pid) - cpuBefore) * 1000) / Math.max(1, completed);
  return result;
}

async function latency(target: Target, concurrency: number, streams: number): Promise<StreamTiming[]> {
  const payload = body(words(20));
  return inBatches(streams, concurrency, (i) =>
    timedStream(`${target.url}/backend-api/codex/responses`, target.headers(i), payload).catch(
      (): StreamTiming => ({ status: 0, firstByteMs: NaN, createdMs: NaN, firstDeltaMs: NaN, deltaGapsMs: [], events: 0, totalMs: NaN, completed: false }),
    ),
  );
}

/** The pooled timings of every repetition of one level. */
function latencyResult(concurrency: number, timings: readonly StreamTiming[]): LatencyResult {
  const ok = timings.filter((t) => t.status === 200 && t.completed);
  return {
    concurrency,
    streams: timings.length,
    failures: timings.length - ok.length,
    created: summarize(ok.map((t) => t.createdMs)),
    firstToken: summarize(ok.map((t) => t.firstDeltaMs)),
    firstByte: summarize(ok.map((t) => t.firstByteMs)),
    deltaGap: summarize(ok.flatMap((t) => t.deltaGapsMs)),
  };
}

async function throughput(target: Target): Promise<{ eventsPerSecond: number; events: number; seconds: number; failures: number }> {
  const payload = body(words(THROUGHPUT.words));
  const started = performance.now();
  const timings = await inBatches(THROUGHPUT.streams, THROUGHPUT.concurrency, (i) => timedStream(`${target.url}/backend-api/codex/responses`, target.headers(i), payload));
  const seconds = (performance.now() - started) / 1000;
  const events = timings.reduce((n, t) => n + t.events, 0);
  return { eventsPerSecond: events / seconds, events, seconds, failures: timings.filter((t) => !t.completed).length };
}

interface MemoryResult {
  idleMiB: number;
  /** RSS with WARM_STREAMS open (a process already serving). */
  warmMiB: number;
  /** RSS with WARM_STREAMS + OPEN_STREAMS open. */
  openMiB: number;
  opened: number;
}

/** Earlier messages (1 KiB each) in the large-body memory step's requests: ~100 KiB, a Codex turn well into a session. */
const LARGE_BODY_MESSAGES = 100;

/** Streams opened before the measured ones (see openStreamsRss). */
const WARM_STREAMS = 200;

/**
 * RSS idle, with WARM_STREAMS slow streams open, and with OPEN_STREAMS more: warm → open is what each further
 * stream costs a process already serving. `settle` runs before each sample (the proxy: a full garbage
 * collection, so garbage in V8's young generation is not counted as memory the streams hold).
 */
async function openStreamsRss(target: Target, pids: () => number[], settle: () => Promise<void> = async () => undefined, payload = body(words(50))): Promise<MemoryResult> {
  const rss = async (): Promise<number> => {
    await settle();
    return pids().reduce((sum, pid) => sum + rssMiB(pid), 0);
  };
  const idleMiB = await rss();
  const controller = new AbortController();
  const open = async (count: number, offset: number): Promise<Array<{ firstEvent: Promise<void>; done: Promise<void> }>> => {
    const streams = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        openStream(`${target.url}/backend-api/codex/responses`, target.headers(offset + i), payload, controller.signal).catch(() => undefined),
      ),
    );
    const opened = streams.filter((s) => s !== undefined);
    await Promise.race([Promise.all(opened.map((s) => s.firstEvent)), new Promise((r) => setTimeout(r, 60_000))]);
    return opened;
  };
  const warm = await open(WARM_STREAMS, 0);
  const warmMiB = await rss();
  const measured = await open(OPEN_STREAMS, WARM_STREAMS);
  const openMiB = await rss();
  controller.abort();
  await Promise.allSettled([...warm, ...measured].map((s) => s.done));
  return { idleMiB, warmMiB, openMiB, opened: measured.length };
}

function targetsFor(fake: FakeProcess, proxy: ProxyProcess, nginx: NginxProcess | undefined, floor: NodeFloorProcess): Target[] {
  const upstreamHeaders = (i: number): Record<string, string> => upstreamClientHeaders(fake, i);
  const targets: Target[] = [{ name: 'direct', url: fake.url, headers: upstreamHeaders }];
  if (nginx) targets.push({ name: 'nginx', url: nginx.url, headers: upstreamHeaders });
  targets.push({ name: 'node', url: floor.url, headers: upstreamHeaders });
  targets.push({ name: 'proxy', url: proxy.url, headers: () => ({ ...PROXY_CLIENT_HEADERS }) });
  return targets;
}

interface Results {
  shortStreams: Record<string, ShortStreamsResult[]>;
  latency: Record<string, LatencyResult[]>;
  throughput: Record<string, Awaited<ReturnType<typeof throughput>>>;
  memory: Record<string, MemoryResult>;
  /** The same with a Codex-sized request body (LARGE_BODY_MESSAGES earlier messages). */
  memoryLargeBody: Record<string, MemoryResult>;
}

async function main(): Promise<void> {
  const nginxSetup = ensureNginx();
  const fake = await startFake(4);
  // The inspector (loopback only) lets the memory step force a full garbage collection before each sample.
  const inspectorPort = await freePort();
  const proxy = await startProxy(fake, { nodeArgs: [`--inspect=127.0.0.1:${inspectorPort}`] });
  const floorInspectorPort = await freePort();
  const floor = await startNodeFloor(fake, { nodeArgs: [`--inspect=127.0.0.1:${floorInspectorPort}`] });
  const nginx = 'binary' in nginxSetup ? await startNginx(nginxSetup.binary, fake.url) : undefined;
  const targets = targetsFor(fake, proxy, nginx, floor);
  const results: Results = { shortStreams: {}, latency: {}, throughput: {}, memory: {}, memoryLargeBody: {} };
  const cpuPids: Partial<Record<TargetName, number>> = { proxy: proxy.proc.child.pid as number, node: floor.proc.child.pid as number };
  try {
    // Warm-up: connections, JIT, the proxy's model of the pool.
    await fake.script(undefined);
    for (const target of targets) await inBatches(200, 32, (i) => timedStream(`${target.url}/backend-api/codex/responses`, target.headers(i), body('warm up')));

    for (let repetition = 1; repetition <= REPETITIONS; repetition++) {
      for (const target of targets) {
        const result = await shortStreams(target, repetition, cpuPids[target.name]);
        (results.shortStreams[target.name] ??= []).push(result);
        console.log(`short streams ${target.name} #${repetition}: ${result.perSecond.toFixed(0)}/s (${result.failed} failed)`);
      }
    }

    await fake.script({ kind: 'slow', delayMs: GAP_MS });
    const timings = new Map<string, StreamTiming[]>();
    for (let repetition = 1; repetition <= REPETITIONS; repetition++) {
      for (const { concurrency, streams } of LEVELS) {
        for (const target of targets) {
          const key = `${target.name} ${concurrency}`;
          timings.set(key, [...(timings.get(key) ?? []), ...(await latency(target, concurrency, streams))]);
        }
        console.log(`latency c=${concurrency} #${repetition} done`);
      }
    }
    for (const target of targets) results.latency[target.name] = LEVELS.map(({ concurrency }) => latencyResult(concurrency, timings.get(`${target.name} ${concurrency}`) ?? []));
    await fake.script(undefined);
    for (const target of targets) {
      results.throughput[target.name] = await throughput(target);
      console.log(`throughput ${target.name} done`);
    }
    await fake.script({ kind: 'slow', delayMs: 2000 });
    // Node processes are sampled after a forced full GC; nginx has no garbage to settle.
    const sampled: Array<{ name: TargetName; pids: () => number[]; settle?: () => Promise<void> }> = [
      { name: 'proxy', pids: () => [proxy.proc.child.pid as number], settle: () => collectGarbage(inspectorPort) },
      { name: 'node', pids: () => [floor.proc.child.pid as number], settle: () => collectGarbage(floorInspectorPort) },
    ];
    if (nginx) sampled.push({ name: 'nginx', pids: () => nginx.pids() });
    const large = body('hi', LARGE_BODY_MESSAGES);
    for (const { name, pids, settle } of sampled) {
      const target = targets.find((t) => t.name === name) as Target;
      results.memory[name] = await openStreamsRss(target, pids, settle);
      results.memoryLargeBody[name] = await openStreamsRss(target, pids, settle, large);
      console.log(`memory ${name} done`);
    }
  } finally {
    await proxy.proc.stop();
    await floor.proc.stop();
    await nginx?.proc.stop();
    await fake.proc.stop();
  }

  const environment = {
    when: new Date().toISOString(),
    node: process.version,
    cpu: `${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    nginx: nginx?.version ?? null,
    nginxNote: 'unavailable' in nginxSetup ? nginxSetup.unavailable : null,
    proxyEnv: Object.fromEntries(Object.entries(proxy.env).filter(([k]) => k.startsWith('CODEX_LB_HTTP') || k.startsWith('CODEX_LB_USAGE') || k.startsWith('CODEX_LB_PROXY_'))),
    // The machine is shared: a load average near or above its core count makes the figures of this run noisy.
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
    gapMs: GAP_MS,
    levels: LEVELS,
    repetitions: REPETITIONS,
    shortStreams: SHORT,
    throughputSetup: THROUGHPUT,
    openStreams: OPEN_STREAMS,
  };
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}proxy.json`, `${JSON.stringify({ environment, results }, null, 2)}\n`);
  await writeFile(`${dir}proxy.md`, report(environment, results));
  console.log(`wrote ${dir}proxy.md`);
}

const ms = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : 'n/a');
const plus = (v: number): string => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(1)} ms` : 'n/a');
const ratio = (a: number, b: number): string => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}×` : 'n/a');

const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);
/** What each of the measured streams added to the RSS of a process already serving WARM_STREAMS. */
const perStreamKiB = (r: MemoryResult | undefined): number => (r ? ((r.openMiB - r.warmMiB) * 1024) / Math.max(1, r.opened) : NaN);
/** The same from idle, young-generation growth included. */
const fromIdleKiB = (r: MemoryResult): number => ((r.openMiB - r.idleMiB) * 1024) / Math.max(1, r.opened + WARM_STREAMS);

/**
 * Issue 14's targets: the proxy's figure from this run and its verdict, and the same figure for the Node floor
 * (what Node's HTTP stack alone costs on this machine, bench/proxy/node-floor.ts).
 */
function verdicts(results: Results): string[] {
  const direct = mean((results.shortStreams.direct ?? []).map((r) => r.perSecond));
  const rate = (name: TargetName): number => mean((results.shortStreams[name] ?? []).map((r) => r.perSecond));
  const added = (name: TargetName, concurrency: number): number => {
    const index = LEVELS.findIndex((level) => level.concurrency === concurrency);
    return (results.latency[name]?.[index]?.created.p50 ?? NaN) - (results.latency.direct?.[index]?.created.p50 ?? NaN);
  };
  const verdict = (met: boolean): string => (met ? 'met' : '**missed**');
  const memory = perStreamKiB(results.memory.proxy);
  return [
    '| target | proxy | | Node floor |',
    '|---|---|---|---|',
    `| short streams ≥ ${TARGETS.shortStreamsPerSecond}/s or ≥ ${TARGETS.shortStreamsVsDirect}× direct | ${rate('proxy').toFixed(0)}/s, ${ratio(rate('proxy'), direct)} direct | ${verdict(rate('proxy') >= TARGETS.shortStreamsPerSecond || rate('proxy') >= TARGETS.shortStreamsVsDirect * direct)} | ${rate('node').toFixed(0)}/s, ${ratio(rate('node'), direct)} direct |`,
    ...[1, 100].map(
      (c) =>
        `| added time to response.created p50 at ${c} stream${c === 1 ? '' : 's'} ≤ ${TARGETS.addedCreatedP50Ms[c]} ms | ${plus(added('proxy', c))} | ${verdict(added('proxy', c) <= (TARGETS.addedCreatedP50Ms[c] ?? 0))} | ${plus(added('node', c))} |`,
    ),
    `| memory per open stream at ${OPEN_STREAMS} streams ≤ ${TARGETS.perStreamKiB} KiB | ${memory.toFixed(1)} KiB | ${verdict(memory <= TARGETS.perStreamKiB)} | ${perStreamKiB(results.memory.node).toFixed(1)} KiB |`,
  ];
}

function report(environment: Record<string, unknown>, results: Results): string {
  const names = Object.keys(results.latency);
  const load = environment.loadAverage as number[];
  const lines: string[] = [
    '# Proxy benchmark',
    '',
    `Run ${String(environment.when)} on ${String(environment.cpu)}, ${String(environment.memoryGiB)} GiB, Node ${String(environment.node)}; load average at the end ${load.join(' / ')} (1 / 5 / 15 min: above ~2.5 on this 2-core machine other work competed with the run).`,
    `Peers in separate processes on this machine: the fake upstream (test/fakes, **direct** = baseline), and in front of it nginx ${environment.nginx ? `${String(environment.nginx)} \`proxy_pass\`` : '(skipped)'}, the **Node floor** (\`node\`: bench/proxy/node-floor.ts, a \`node:http\` server that parses and re-serialises the JSON body and copies the answer's bytes through an undici Pool — the least a Node proxy that reads bodies does) and \`codex-lb-proxy serve\` (SQLite; request logs and live usage ingestion on).`,
    environment.nginxNote ? `nginx column skipped: ${String(environment.nginxNote)}.` : '',
    `Proxy settings changed from defaults: ${JSON.stringify(environment.proxyEnv)} (one upstream connection per open stream; no per-account stream caps, which would hold all but 28 streams of the fake's 4 accounts; the poller is off so it does not add upstream traffic).`,
    `Short streams and latency ran ${REPETITIONS} times, the targets interleaved; latency samples are pooled over the repetitions.`,
    '',
    '## Issue 14 targets',
    '',
    ...verdicts(results),
    '',
    `## Short streams (${SHORT.concurrency} clients, each running short Codex streams — "hi", 13 events — back to back for ${SHORT.seconds} s)`,
    '',
    `| repetition | ${names.map((name) => `${name} streams/s`).join(' | ')} | proxy / direct | proxy CPU per stream | node CPU per stream |`,
    `|---|${names.map(() => '---|').join('')}---|---|---|`,
    ...Array.from({ length: REPETITIONS }, (_, i) => {
      const at = (name: string): ShortStreamsResult | undefined => results.shortStreams[name]?.[i];
      const cells = names.map((name) => `${at(name)?.perSecond.toFixed(0) ?? 'n/a'}${at(name)?.failed ? ` (${at(name)?.failed} failed)` : ''}`);
      const cpu = (name: TargetName): string => `${at(name)?.cpuUsPerStream?.toFixed(0) ?? 'n/a'} µs`;
      return `| ${i + 1} | ${cells.join(' | ')} | ${ratio(at('proxy')?.perSecond ?? NaN, at('direct')?.perSecond ?? NaN)} | ${cpu('proxy')} | ${cpu('node')} |`;
    }),
    (() => {
      const avg = (name: string): number => mean((results.shortStreams[name] ?? []).map((r) => r.perSecond));
      const cpu = (name: TargetName): string => `${mean((results.shortStreams[name] ?? []).map((r) => r.cpuUsPerStream ?? NaN)).toFixed(0)} µs`;
      return `| mean | ${names.map((name) => avg(name).toFixed(0)).join(' | ')} | ${ratio(avg('proxy'), avg('direct'))} | ${cpu('proxy')} | ${cpu('node')} |`;
    })(),
    '',
    'CPU per stream: the process\'s user + system time (/proc) over the streams it completed; it varies less with the machine\'s other work than streams per second do. Proxy minus node is what the proxy\'s own work costs per stream.',
    '',
    `## Latency (upstream paced: one event every ${GAP_MS} ms; 20-word answers)`,
    '',
    'Time to `response.created` (the first event a client acts on), time to the first output delta, and the gap between output deltas. "added" is the median minus the direct median measured in this run.',
    '',
    '| concurrency | target | to response.created p50 / p99 | added p50 | first token p50 / p99 | added p50 | delta gap p50 / p99 | added p50 | failed |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const [index, level] of LEVELS.entries()) {
    const direct = results.latency.direct?.[index];
    for (const name of names) {
      const r = results.latency[name]?.[index];
      if (!r || !direct) continue;
      lines.push(
        `| ${level.concurrency} | ${name} | ${ms(r.created.p50)} / ${ms(r.created.p99)} | ${name === 'direct' ? '' : plus(r.created.p50 - direct.created.p50)} | ${ms(r.firstToken.p50)} / ${ms(r.firstToken.p99)} | ${name === 'direct' ? '' : plus(r.firstToken.p50 - direct.firstToken.p50)} | ${ms(r.deltaGap.p50)} / ${ms(r.deltaGap.p99)} | ${name === 'direct' ? '' : plus(r.deltaGap.p50 - direct.deltaGap.p50)} | ${r.failures} |`,
      );
    }
  }
  lines.push(
    '',
    'First raw byte: the proxy deliberately holds the response until the upstream\'s first real event (it must be able to fail over or answer with a real HTTP error before committing a 200), so its first byte is the `response.created` event; nginx and direct start with the upstream\'s `codex.rate_limits` event one gap earlier.',
    '',
    `## Throughput (unpaced, ${THROUGHPUT.words}-word answers, ${THROUGHPUT.concurrency} concurrent streams, ${THROUGHPUT.streams} streams)`,
    '',
    '| target | events/s | vs direct | streams failed |',
    '|---|---|---|---|',
  );
  const directRate = results.throughput.direct?.eventsPerSecond ?? NaN;
  for (const [name, r] of Object.entries(results.throughput)) {
    lines.push(`| ${name} | ${Math.round(r.eventsPerSecond)} | ${ratio(r.eventsPerSecond, directRate)} | ${r.failures} |`);
  }
  lines.push(
    '',
    `## Memory with ${OPEN_STREAMS} open streams`,
    '',
    `RSS idle, with ${WARM_STREAMS} slow streams open, and with ${OPEN_STREAMS} more. The Node processes' samples (proxy, node) are taken right after a full garbage collection (forced through their inspectors, bench/proxy/inspector.ts), so they count what the streams keep alive, not the garbage V8's young generation held at that moment. "per stream" is what each of the ${OPEN_STREAMS} added to a process already serving; "from idle" spreads the growth from idle over all ${WARM_STREAMS + OPEN_STREAMS} streams.`,
    '',
    `| process | RSS idle | with ${WARM_STREAMS} | with ${WARM_STREAMS + OPEN_STREAMS} | per stream | from idle | measured streams opened |`,
    '|---|---|---|---|---|---|---|',
  );
  for (const [name, r] of Object.entries(results.memory)) {
    lines.push(`| ${name} | ${r.idleMiB.toFixed(0)} MiB | ${r.warmMiB.toFixed(0)} MiB | ${r.openMiB.toFixed(0)} MiB | ${perStreamKiB(r).toFixed(1)} KiB | ${fromIdleKiB(r).toFixed(1)} KiB | ${r.opened} |`);
  }
  lines.push(
    '',
    `With a Codex-sized request body (${(Buffer.byteLength(body('hi', LARGE_BODY_MESSAGES)) / 1024).toFixed(0)} KiB: ${LARGE_BODY_MESSAGES} earlier messages), measured the same way right after: what a proxy keeps of each open stream's request.`,
    '',
    `| process | with ${WARM_STREAMS} | with ${WARM_STREAMS + OPEN_STREAMS} | per stream | measured streams opened |`,
    '|---|---|---|---|---|',
  );
  for (const [name, r] of Object.entries(results.memoryLargeBody)) {
    lines.push(`| ${name} | ${r.warmMiB.toFixed(0)} MiB | ${r.openMiB.toFixed(0)} MiB | ${perStreamKiB(r).toFixed(1)} KiB | ${r.opened} |`);
  }
  lines.push('', 'Numbers are from one run on a shared 2-core machine where the client, the upstream and the proxies compete for CPU; compare columns within a run, not across runs.', '');
  return lines.filter((line, i, all) => !(line === '' && all[i - 1] === '')).join('\n');
}

await main();
