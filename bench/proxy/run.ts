/**
 * Proxy benchmark (`make bench`). Every measurement is taken three ways in the same run, each peer
 * in its own process on this machine:
 *   - direct: the client talks to the fake upstream itself (the baseline);
 *   - nginx:  nginx `proxy_pass` in front of the same upstream (a proxy doing nothing but bytes);
 *   - proxy:  `codex-lb-proxy serve` (SQLite, request logs and live usage on, as in Standalone).
 *
 *   1. latency at 1, 10 and 100 concurrent streams, upstream paced at one event per GAP_MS:
 *      time to response.created, time to first token, gap between output deltas — and what each
 *      proxy adds over direct;
 *   2. throughput: unpaced streams, events per second at 10 concurrent streams;
 *   3. memory: RSS with 1000 open streams.
 *
 * Writes bench/results/proxy.md and bench/results/proxy.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { openStream, timedStream, type StreamTiming } from './stream-client.ts';
import { summarize, type Summary } from './stats.ts';
import { ensureNginx, rssMiB, startFake, startNginx, startProxy, type FakeProcess, type NginxProcess, type ProxyProcess } from './targets.ts';

const GAP_MS = 20;
const LEVELS = [
  { concurrency: 1, streams: 15 },
  { concurrency: 10, streams: 40 },
  { concurrency: 100, streams: 200 },
];
const THROUGHPUT = { concurrency: 10, streams: 20, words: 400 };
const OPEN_STREAMS = 1000;

type TargetName = 'direct' | 'nginx' | 'proxy';

interface Target {
  name: TargetName;
  url: string;
  /** Headers a client of this target sends (the upstream's own credentials for direct and nginx). */
  headers(i: number): Record<string, string>;
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

function body(text: string): string {
  return JSON.stringify({
    model: 'gpt-5.4',
    instructions: 'Be brief.',
    input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text }] }],
    stream: true,
    store: false,
  });
}

async function inBatches<T>(total: number, concurrency: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        results.push(await run(i));
      }
    }),
  );
  return results;
}

async function latency(target: Target, concurrency: number, streams: number): Promise<LatencyResult> {
  const payload = body(words(20));
  const timings = await inBatches(streams, concurrency, (i) =>
    timedStream(`${target.url}/backend-api/codex/responses`, target.headers(i), payload).catch(
      (): StreamTiming => ({ status: 0, firstByteMs: NaN, createdMs: NaN, firstDeltaMs: NaN, deltaGapsMs: [], events: 0, totalMs: NaN, completed: false }),
    ),
  );
  const ok = timings.filter((t) => t.status === 200 && t.completed);
  return {
    concurrency,
    streams,
    failures: streams - ok.length,
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

/** Opens OPEN_STREAMS slow streams, waits until each has its first event, samples RSS, then closes them. */
async function openStreamsRss(target: Target, pids: () => number[]): Promise<{ idleMiB: number; openMiB: number; opened: number }> {
  const idleMiB = pids().reduce((sum, pid) => sum + rssMiB(pid), 0);
  const controller = new AbortController();
  const payload = body(words(50));
  const streams = await Promise.all(
    Array.from({ length: OPEN_STREAMS }, (_, i) =>
      openStream(`${target.url}/backend-api/codex/responses`, target.headers(i), payload, controller.signal).catch(() => undefined),
    ),
  );
  const opened = streams.filter((s) => s !== undefined);
  await Promise.race([Promise.all(opened.map((s) => s.firstEvent)), new Promise((r) => setTimeout(r, 60_000))]);
  const openMiB = pids().reduce((sum, pid) => sum + rssMiB(pid), 0);
  controller.abort();
  await Promise.allSettled(opened.map((s) => s.done));
  return { idleMiB, openMiB, opened: opened.length };
}

function targetsFor(fake: FakeProcess, proxy: ProxyProcess, nginx: NginxProcess | undefined): Target[] {
  const upstreamHeaders = (i: number): Record<string, string> => {
    const account = fake.accounts[i % fake.accounts.length] as { accountId: string; accessToken: string };
    return {
      'content-type': 'application/json',
      accept: 'text/event-stream',
      authorization: `Bearer ${account.accessToken}`,
      'chatgpt-account-id': account.accountId,
      'user-agent': 'codex_cli_rs/0.169.0 (bench)',
    };
  };
  const targets: Target[] = [{ name: 'direct', url: fake.url, headers: upstreamHeaders }];
  if (nginx) targets.push({ name: 'nginx', url: nginx.url, headers: upstreamHeaders });
  targets.push({ name: 'proxy', url: proxy.url, headers: () => ({ 'content-type': 'application/json', 'user-agent': 'codex_cli_rs/0.169.0 (bench)' }) });
  return targets;
}

async function main(): Promise<void> {
  const nginxSetup = ensureNginx();
  const fake = await startFake(4);
  const proxy = await startProxy(fake);
  const nginx = 'binary' in nginxSetup ? await startNginx(nginxSetup.binary, fake.url) : undefined;
  const targets = targetsFor(fake, proxy, nginx);
  const results: {
    latency: Record<string, LatencyResult[]>;
    throughput: Record<string, Awaited<ReturnType<typeof throughput>>>;
    memory: Record<string, Awaited<ReturnType<typeof openStreamsRss>>>;
  } = { latency: {}, throughput: {}, memory: {} };
  try {
    // Warm-up: connections, JIT, the proxy's model of the pool.
    await fake.script(undefined);
    for (const target of targets) await inBatches(10, 5, (i) => timedStream(`${target.url}/backend-api/codex/responses`, target.headers(i), body('warm up')));

    await fake.script({ kind: 'slow', delayMs: GAP_MS });
    for (const { concurrency, streams } of LEVELS) {
      for (const target of targets) {
        (results.latency[target.name] ??= []).push(await latency(target, concurrency, streams));
        console.log(`latency ${target.name} c=${concurrency} done`);
      }
    }
    await fake.script(undefined);
    for (const target of targets) {
      results.throughput[target.name] = await throughput(target);
      console.log(`throughput ${target.name} done`);
    }
    await fake.script({ kind: 'slow', delayMs: 2000 });
    const proxyTarget = targets.find((t) => t.name === 'proxy') as Target;
    results.memory.proxy = await openStreamsRss(proxyTarget, () => [proxy.proc.child.pid as number]);
    console.log('memory proxy done');
    const nginxTarget = targets.find((t) => t.name === 'nginx');
    if (nginx && nginxTarget) {
      results.memory.nginx = await openStreamsRss(nginxTarget, () => nginx.pids());
      console.log('memory nginx done');
    }
  } finally {
    await proxy.proc.stop();
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
    proxyEnv: Object.fromEntries(Object.entries(proxy.env).filter(([k]) => k.startsWith('CODEX_LB_HTTP') || k.startsWith('CODEX_LB_USAGE'))),
    gapMs: GAP_MS,
    levels: LEVELS,
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

function report(environment: Record<string, unknown>, results: {
  latency: Record<string, LatencyResult[]>;
  throughput: Record<string, { eventsPerSecond: number; events: number; seconds: number; failures: number }>;
  memory: Record<string, { idleMiB: number; openMiB: number; opened: number }>;
}): string {
  const names = Object.keys(results.latency);
  const lines: string[] = [
    '# Proxy benchmark',
    '',
    `Run ${String(environment.when)} on ${String(environment.cpu)}, ${String(environment.memoryGiB)} GiB, Node ${String(environment.node)}.`,
    `Peers in separate processes on this machine: the fake upstream (test/fakes, **direct** = baseline), nginx ${environment.nginx ? `${String(environment.nginx)} \`proxy_pass\`` : '(skipped)'} and \`codex-lb-proxy serve\` (SQLite; request logs and live usage ingestion on) in front of it.`,
    environment.nginxNote ? `nginx column skipped: ${String(environment.nginxNote)}.` : '',
    `Proxy settings changed from defaults: ${JSON.stringify(environment.proxyEnv)} (one upstream connection per open stream; the poller is off so it does not add upstream traffic).`,
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
  lines.push('', `## Memory with ${OPEN_STREAMS} open streams`, '', '| process | RSS idle | RSS with streams open | per stream | streams opened |', '|---|---|---|---|---|');
  for (const [name, r] of Object.entries(results.memory)) {
    lines.push(`| ${name} | ${r.idleMiB.toFixed(0)} MiB | ${r.openMiB.toFixed(0)} MiB | ${(((r.openMiB - r.idleMiB) * 1024) / Math.max(1, r.opened)).toFixed(1)} KiB | ${r.opened} |`);
  }
  lines.push('', 'Numbers are from one run on a shared 2-core machine where the client, the upstream and the proxies compete for CPU; compare columns within a run, not across runs.', '');
  return lines.filter((line, i, all) => !(line === '' && all[i - 1] === '')).join('\n');
}

await main();
