/**
 * Short-stream throughput and where the proxy's CPU goes (issue 14 item 4): completed short Responses
 * streams per second at a fixed concurrency, direct against the fake upstream and through
 * `codex-lb-proxy serve` (interleaved repetitions in one run), with the proxy under `node --cpu-prof`.
 * The profile's self time is summed per function and per file; the report lists the largest.
 *
 * Writes bench/results/proxy-profile.md and keeps the raw .cpuprofile (open it in Chrome DevTools or
 * speedscope for a flame graph) under bench/results/profiles/.
 *
 * `node bench/proxy/profile.ts [--seconds 6] [--concurrency 32] [--repetitions 3]`
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { timedStream } from './stream-client.ts';
import { PROXY_CLIENT_HEADERS, SHORT_STREAM_BODY, startFake, startProxy, upstreamClientHeaders, type FakeProcess } from './targets.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({ options: { seconds: { type: 'string', default: '6' }, concurrency: { type: 'string', default: '32' }, repetitions: { type: 'string', default: '3' } } });
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const REPETITIONS = Number(values.repetitions);

interface Target {
  name: 'direct' | 'proxy';
  url: string;
  headers(i: number): Record<string, string>;
}

/** Streams completed per second with `CONCURRENCY` clients each running streams back to back for `SECONDS`. */
async function throughput(target: Target): Promise<{ perSecond: number; failed: number }> {
  const until = performance.now() + SECONDS * 1000;
  let completed = 0;
  let failed = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      for (let i = worker; performance.now() < until; i += CONCURRENCY) {
        const timing = await timedStream(`${target.url}/backend-api/codex/responses`, target.headers(i), SHORT_STREAM_BODY).catch(() => undefined);
        if (timing?.completed) completed += 1;
        else failed += 1;
      }
    }),
  );
  if (target.name === 'proxy') proxyStreams += completed + failed;
  return { perSecond: completed / ((performance.now() - started) / 1000), failed };
}

/** Streams the proxy served over the whole profile (warm-up included): the divisor of the busy time per stream. */
let proxyStreams = 0;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

/** Module loading and TypeScript stripping: startup, not serving (a long-running pod never pays it again). */
const isLoading = (url: string): boolean => url.startsWith('node:internal/modules/') || url.startsWith('node:internal/deps/amaro');

/**
 * Self samples per function and per file, as shares of the busy samples: idle time (the proxy idles while
 * the direct runs go) and samples under module loading (startup) are left out, so the shares are those of
 * serving requests.
 */
function summarizeProfile(path: string): { functions: Array<[string, number]>; files: Array<[string, number]>; busy: number; startup: number; sampleUs: number } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[] };
  const parent = new Map<number, ProfileNode>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node);
  const loading = (node: ProfileNode): boolean => {
    for (let at: ProfileNode | undefined = node; at; at = parent.get(at.id)) if (isLoading(at.callFrame.url)) return true;
    return false;
  };
  let startup = 0;
  const serving = profile.nodes.filter((node) => {
    if ((node.hitCount ?? 0) === 0 || node.callFrame.functionName === '(idle)') return false;
    if (!loading(node)) return true;
    startup += node.hitCount ?? 0;
    return false;
  });
  const total = serving.reduce((sum, n) => sum + (n.hitCount ?? 0), 0) || 1;
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const node of serving) {
    const hits = node.hitCount ?? 0;
    const file = node.callFrame.url.replace(`file://${root}`, '').replace(/^node:/, 'node:') || '(native)';
    const fn = `${node.callFrame.functionName || '(anonymous)'} ${file}:${node.callFrame.lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits);
    const fileKey = file.includes('node_modules/') ? `node_modules/${file.split('node_modules/')[1]?.split('/').slice(0, file.includes('node_modules/@') ? 2 : 1).join('/')}` : file;
    byFile.set(fileKey, (byFile.get(fileKey) ?? 0) + hits);
  }
  const top = (m: Map<string, number>, n: number): Array<[string, number]> => [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => [k, v / total]);
  const sampleUs = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
  return { functions: top(byFunction, 25), files: top(byFile, 15), busy: total, startup, sampleUs };
}

async function main(): Promise<void> {
  const fake: FakeProcess = await startFake(4);
  const profileDir = mkdtempSync(join(tmpdir(), 'bench-cpuprof-'));
  const proxy = await startProxy(fake, { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] });
  const direct: Target = {
    name: 'direct',
    url: fake.url,
    headers: (i) => upstreamClientHeaders(fake, i),
  };
  const proxied: Target = { name: 'proxy', url: proxy.url, headers: () => ({ ...PROXY_CLIENT_HEADERS }) };
  const runs: Array<{ target: string; repetition: number; perSecond: number; failed: number }> = [];
  try {
    // Warm-up (JIT, connections, the pool cache): the profile then shows serving, not the first requests.
    await throughput(proxied);
    for (let r = 1; r <= REPETITIONS; r++) {
      for (const target of [direct, proxied]) {
        const result = await throughput(target);
        runs.push({ target: target.name, repetition: r, ...result });
        console.log(`${target.name} #${r}: ${result.perSecond.toFixed(0)} streams/s (${result.failed} failed)`);
      }
    }
  } finally {
    await proxy.proc.stop(20_000);
    await fake.proc.stop();
  }
  const file = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile'));
  const outDir = join(root, 'bench/results');
  mkdirSync(join(outDir, 'profiles'), { recursive: true });
  const mean = (name: string): number => {
    const values = runs.filter((r) => r.target === name).map((r) => r.perSecond);
    return values.reduce((a, b) => a + b, 0) / values.length;
  };
  const lines = [
    '# Proxy short-stream throughput and CPU profile',
    '',
    `Run ${new Date().toISOString()} on ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, Node ${process.version}: ${CONCURRENCY} concurrent clients, each running short Codex streams ("hi" → a few events) back to back for ${SECONDS} s; direct and proxy interleaved, ${REPETITIONS} repetitions. The proxy runs under \`--cpu-prof\` (which costs it some throughput) with the benchmark's settings (bench/proxy/targets.ts: SQLite, request logs and live usage on).`,
    '',
    '| repetition | direct streams/s | proxy streams/s | proxy / direct |',
    '|---|---|---|---|',
    ...Array.from({ length: REPETITIONS }, (_, i) => {
      const d = runs.find((r) => r.target === 'direct' && r.repetition === i + 1);
      const p = runs.find((r) => r.target === 'proxy' && r.repetition === i + 1);
      return `| ${i + 1} | ${d?.perSecond.toFixed(0)} | ${p?.perSecond.toFixed(0)} (${p?.failed} failed) | ${((p?.perSecond ?? 0) / (d?.perSecond ?? 1)).toFixed(2)}× |`;
    }),
    `| mean | ${mean('direct').toFixed(0)} | ${mean('proxy').toFixed(0)} | ${(mean('proxy') / mean('direct')).toFixed(2)}× |`,
    '',
  ];
  if (file) {
    const kept = join(outDir, 'profiles', 'proxy-short-streams.cpuprofile');
    copyFileSync(join(profileDir, file), kept);
    const summary = summarizeProfile(kept);
    lines.push(
      '## Where the proxy\'s CPU goes (self time, share of the busy samples while serving)',
      '',
      `${summary.busy} busy samples while serving ${proxyStreams} streams: ${((summary.busy * summary.sampleUs) / Math.max(1, proxyStreams)).toFixed(0)} µs of busy time per stream (sampled, so on a loaded machine it includes time the proxy waited to run inside a system call); ${summary.startup} more under module loading (startup) and all idle samples are left out. \`writev\` is the proxy's socket writes: on a loaded machine it also holds the time the proxy waits to run again after its write woke the client (the sampler counts it as writev).`,
      '',
      'By file or package:',
      '',
      '| file | self |',
      '|---|---|',
      ...summary.files.map(([name, share]) => `| \`${name}\` | ${(share * 100).toFixed(1)} % |`),
      '',
      'By function:',
      '',
      '| function | self |',
      '|---|---|',
      ...summary.functions.map(([name, share]) => `| \`${name}\` | ${(share * 100).toFixed(1)} % |`),
      '',
      'The raw profile is `bench/results/profiles/proxy-short-streams.cpuprofile` (a flame graph in Chrome DevTools → Performance, or speedscope).',
      '',
    );
  }
  writeFileSync(join(outDir, 'proxy-profile.md'), lines.join('\n'));
  console.log(lines.join('\n'));
}

await main();
