/**
 * What API-key auth costs the proxy per request. The operator turns it on by default, and then every request
 * looks its key up, and a key with a limit reserves budget before the request goes upstream and settles it after.
 * Three proxies in front of one fake upstream, measured in turns in the same run: without keys (the baseline),
 * with a key, and with a key under a daily token limit. `--before <rev>` adds the same three at another revision,
 * to show what a change bought.
 *
 *   1. CPU per short stream: 32 clients running short Codex streams back to back (the proxy's user + system time
 *      over the streams it completed);
 *   2. time to `response.created` at 100 concurrent streams, the upstream paced at one event per 20 ms (200
 *      streams per repetition, p50 over all repetitions), and what it adds over the fake upstream itself.
 *
 * Writes bench/results/proxy-api-keys.md and .json. `node bench/proxy/api-keys.ts [--repetitions 3] [--before <rev>]`
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkoutAt, type Checkout } from './checkout.ts';
import { percentile } from './stats.ts';
import { backToBack, inBatches, timedStream } from './stream-client.ts';
import { cpuMs, createApiKey, PROXY_CLIENT_HEADERS, SHORT_STREAM_BODY, startFake, startProxy, upstreamClientHeaders, type ProxyProcess } from './targets.ts';

const { values } = parseArgs({ options: { repetitions: { type: 'string', default: '3' }, before: { type: 'string' } } });
const REPETITIONS = Number(values.repetitions);
const SHORT = { concurrency: 32, seconds: 4 };
const BURST = { concurrency: 100, streams: 200, gapMs: 20 };
const PACED_BODY = JSON.stringify({
  model: 'gpt-5.4',
  instructions: 'Be brief.',
  input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: Array.from({ length: 20 }, (_, i) => `word${i}`).join(' ') }] }],
  stream: true,
  store: false,
});
/** A budget no run reaches: every request is reserved and settled, none refused. */
const LIMIT = { limitType: 'total_tokens', limitWindow: 'daily', maxValue: 1_000_000_000_000 };

type Variant = 'no key' | 'key' | 'key + limit';
const VARIANTS: readonly Variant[] = ['no key', 'key', 'key + limit'];

interface Target {
  name: string;
  revision: string;
  variant: Variant;
  url: string;
  headers(i: number): Record<string, string>;
  pid: number | undefined;
}

interface Result {
  name: string;
  revision: string;
  variant: Variant;
  cpuUsPerStream: number[];
  createdP50Ms: number;
  failed: number;
}

async function proxyTarget(fake: Awaited<ReturnType<typeof startFake>>, variant: Variant, revision: string, checkout?: Checkout): Promise<Target & { proxy: ProxyProcess }> {
  const proxy = await startProxy(fake, { apiKeyAuth: variant !== 'no key', ...(checkout ? { root: checkout.root } : {}) });
  const key = variant === 'no key' ? undefined : await createApiKey(proxy, { name: 'bench', ...(variant === 'key + limit' ? { limits: [LIMIT] } : {}) });
  const headers = key === undefined ? { ...PROXY_CLIENT_HEADERS } : { ...PROXY_CLIENT_HEADERS, authorization: `Bearer ${key}` };
  return { name: `${variant} (${revision})`, revision, variant, url: proxy.url, headers: () => headers, pid: proxy.proc.child.pid, proxy };
}

async function cpuPerShortStream(target: Target): Promise<{ cpuUs: number; failed: number }> {
  const pid = target.pid as number;
  const before = cpuMs(pid);
  const { completed, failed } = await backToBack(`${target.url}/backend-api/codex/responses`, (i) => target.headers(i), SHORT_STREAM_BODY, SHORT);
  return { cpuUs: ((cpuMs(pid) - before) * 1000) / Math.max(1, completed), failed };
}

async function burstCreatedMs(target: Target): Promise<{ created: number[]; failed: number }> {
  const timings = await inBatches(BURST.streams, BURST.concurrency, (i) =>
    timedStream(`${target.url}/backend-api/codex/responses`, target.headers(i), PACED_BODY).catch(() => undefined),
  );
  const created = timings.flatMap((t) => (t?.status === 200 && t.completed && !Number.isNaN(t.createdMs) ? [t.createdMs] : []));
  return { created, failed: timings.length - created.length };
}

const p50 = (values: readonly number[]): number => percentile([...values].sort((a, b) => a - b), 50);
const mean = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

async function main(): Promise<void> {
  const checkout = values.before === undefined ? undefined : checkoutAt(values.before);
  const fake = await startFake(4);
  const targets: Array<Target & { proxy: ProxyProcess }> = [];
  try {
    for (const variant of VARIANTS) targets.push(await proxyTarget(fake, variant, 'this tree'));
    if (checkout && values.before !== undefined) for (const variant of VARIANTS) targets.push(await proxyTarget(fake, variant, values.before, checkout));
    const direct: Target = { name: 'direct', revision: '', variant: 'no key', url: fake.url, headers: (i) => upstreamClientHeaders(fake, i), pid: undefined };

    await fake.script(undefined);
    for (const target of targets) await cpuPerShortStream(target); // warm-up: connections, JIT, the pool model
    const cpu = new Map<string, number[]>();
    const created = new Map<string, number[]>();
    const failed = new Map<string, number>();
    for (let repetition = 1; repetition <= REPETITIONS; repetition++) {
      await fake.script(undefined);
      for (const target of targets) {
        const run = await cpuPerShortStream(target);
        cpu.set(target.name, [...(cpu.get(target.name) ?? []), run.cpuUs]);
        failed.set(target.name, (failed.get(target.name) ?? 0) + run.failed);
      }
      await fake.script({ kind: 'slow', delayMs: BURST.gapMs });
      for (const target of [direct, ...targets]) {
        const run = await burstCreatedMs(target);
        created.set(target.name, [...(created.get(target.name) ?? []), ...run.created]);
        failed.set(target.name, (failed.get(target.name) ?? 0) + run.failed);
      }
      console.log(`repetition ${repetition} done`);
    }

    const directP50 = p50(created.get('direct') ?? []);
    const results: Result[] = targets.map((t) => ({
      name: t.name,
      revision: t.revision,
      variant: t.variant,
      cpuUsPerStream: cpu.get(t.name) ?? [],
      createdP50Ms: p50(created.get(t.name) ?? []),
      failed: failed.get(t.name) ?? 0,
    }));
    await report(results, directP50);
  } finally {
    await Promise.all([...targets.map((t) => t.proxy.proc.stop()), fake.proc.stop()]);
    checkout?.remove();
  }
}

async function report(results: readonly Result[], directP50: number): Promise<void> {
  const baseline = (revision: string): Result | undefined => results.find((r) => r.revision === revision && r.variant === 'no key');
  const rows = results.map((r) => {
    const base = baseline(r.revision) as Result;
    const cpu = mean(r.cpuUsPerStream);
    return `| ${r.revision} | ${r.variant} | ${cpu.toFixed(0)} µs (${r.cpuUsPerStream.map((v) => v.toFixed(0)).join(' / ')}) | ${(cpu / mean(base.cpuUsPerStream)).toFixed(2)}× | ${r.createdP50Ms.toFixed(1)} ms | +${(r.createdP50Ms - directP50).toFixed(1)} ms | ${r.failed} |`;
  });
  const load = loadavg().map((v) => v.toFixed(2)).join(' / ');
  const md = [
    '# Proxy with API-key auth',
    '',
    `Run ${new Date().toISOString()} by \`node bench/proxy/api-keys.ts${['', ...process.argv.slice(2)].join(' ')}\`; load average at the end ${load} (1 / 5 / 15 min).`,
    'The proxy (SQLite, request logs on) without API-key auth, with a key, and with a key under a daily token limit (reserved before the',
    'request goes upstream, settled after), each its own process in front of one fake upstream, measured in turns; ' +
      `${REPETITIONS} repetitions. CPU: the proxy's user + system time per completed short stream (${SHORT.concurrency} clients, ${SHORT.seconds} s, mean of the repetitions and each). ` +
      `Time to \`response.created\`: p50 at ${BURST.concurrency} concurrent streams paced at one event per ${BURST.gapMs} ms, all repetitions pooled; "added" is over the fake upstream itself (${directP50.toFixed(1)} ms).`,
    '',
    '| revision | API keys | CPU per short stream | vs no key | to response.created p50, 100 streams | added | failed |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
  const out = fileURLToPath(new URL('../results/', import.meta.url));
  await mkdir(out, { recursive: true });
  await writeFile(`${out}proxy-api-keys.md`, md);
  await writeFile(`${out}proxy-api-keys.json`, `${JSON.stringify({ directCreatedP50Ms: directP50, results }, null, 2)}\n`);
  console.log(md);
}

await main();
