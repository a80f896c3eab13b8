/**
 * Operator benchmark (`make bench`). Runs the shipped CLI as a child process against a real
 * kube-apiserver + etcd (api profile: no pods are needed to measure applying children), and
 * compares with a baseline measured in the same run: a plain loop server-side applying the same
 * rendered objects, i.e. the least work any controller must do.
 *
 *   1. create → all children applied: one CodexLB at a time (p50/p95), vs the baseline apply
 *   2. cold start with 100 and 500 CodexLBs: operator start → every CodexLB has a status
 *   3. write requests per steady-state resync (must be 0)
 *   4. operator RSS after managing 500 CodexLBs
 *
 * Writes bench/results/operator.md and bench/results/operator.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startControlPlane, type ControlPlane } from '../../test/harness/controlplane/controlplane.ts';
import { ManagedProcess, waitFor } from '../../test/harness/process.ts';
import { freePort } from '../../test/harness/ports.ts';
import type { CodexLB } from '../../operator/api/crds.ts';
import { admitOffline } from '../../operator/api/defaults.ts';
import { offlineInput } from '../../operator/render/offline.ts';
import { renderCodexLB } from '../../operator/render/codexlb.ts';
import { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { KubeObject } from '../../operator/runtime/kube/types.ts';
import { waitForCrds } from '../../test/harness/controlplane/crds.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const RESYNC_SECONDS = 5;

function codexLB(namespace: string, name: string): KubeObject {
  return { apiVersion: 'codexlb.io/v1alpha1', kind: 'CodexLB', metadata: { name, namespace }, spec: {} };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function metric(port: number, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) {
    const m = pattern.exec(line);
    if (m) total += Number(line.split(' ').at(-1));
  }
  return total;
}

const writes = (port: number) => metric(port, /^rest_client_requests_total\{method="(POST|PUT|PATCH|DELETE)"/);
const reconciles = (port: number) => metric(port, /^controller_runtime_reconcile_total\{/);

async function startOperatorProcess(cp: ControlPlane): Promise<{ proc: ManagedProcess; port: number }> {
  const port = await freePort();
  const proc = new ManagedProcess('operator', process.execPath, [
    `${root}operator/cli/main.ts`,
    'run',
    `--kubeconfig=${cp.kubeconfigPath}`,
    '--no-leader-elect',
    `--probe-address=127.0.0.1:${port}`,
    `--resync-seconds=${RESYNC_SECONDS}`,
    '--workers=4',
    '--log-level=error',
  ]);
  await waitFor('operator ready', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined), { proc, timeoutMs: 60_000 });
  return { proc, port };
}

async function statusCount(client: KubeClient, namespace: string): Promise<number> {
  const list = await client.list<KubeObject & { status?: { observedGeneration?: number } }>('codexlb.io/v1alpha1', 'CodexLB', { namespace });
  return list.items.filter((cr) => cr.status?.observedGeneration !== undefined).length;
}

async function createMany(client: KubeClient, namespace: string, count: number): Promise<void> {
  const names = Array.from({ length: count }, (_, i) => `lb-${i}`);
  for (let i = 0; i < names.length; i += 25) {
    await Promise.all(names.slice(i, i + 25).map((name) => client.create(codexLB(namespace, name))));
  }
}

interface Results {
  createToApplied: { operatorP50Ms: number; operatorP95Ms: number; baselineP50Ms: number; ratioP50: number };
  coldStart100: { seconds: number; codexlbsPerSecond: number };
  coldStart500: { seconds: number; codexlbsPerSecond: number };
  steadyState: { reconciles: number; writes: number; writesPerResyncPerCodexLB: number };
  operatorRssMiB: number;
  operatorHeapUsedMiB: number;
  managedCodexLBs: number;
}

async function main(): Promise<void> {
  const cp = await startControlPlane({ profile: 'api' });
  const client = await KubeClient.fromKubeConfig(cp.kubeConfig());
  const results: Partial<Results> = {};
  try {
    await cp.kubectl('apply', '--server-side', '-k', `${root}crds`);
    await waitForCrds(cp, ['codexlbs.codexlb.io']);
    for (const ns of ['latency', 'baseline', 'cold100', 'cold500']) await cp.kubectl('create', 'namespace', ns);

    // 1. Baseline: server-side apply of the rendered children of one CodexLB, nothing else.
    const baseline: number[] = [];
    for (let i = 0; i < 20; i++) {
      const cr = admitOffline({ ...codexLB('baseline', `b-${i}`), metadata: { name: `b-${i}`, namespace: 'baseline', uid: 'x' } } as unknown as CodexLB);
      const objects = renderCodexLB(offlineInput(cr, '0.0.0')).map((o) => ({ ...o, metadata: { ...o.metadata, ownerReferences: undefined } }));
      const started = performance.now();
      for (const obj of objects) await client.apply(obj as KubeObject);
      baseline.push(performance.now() - started);
    }

    // 1. Operator: create → status written (children are applied before the status).
    let op = await startOperatorProcess(cp);
    const latency: number[] = [];
    for (let i = 0; i < 20; i++) {
      const started = performance.now();
      await client.create(codexLB('latency', `l-${i}`));
      await waitFor('status', async () => ((await statusCount(client, 'latency')) === i + 1 ? true : undefined), { intervalMs: 5, timeoutMs: 30_000 });
      latency.push(performance.now() - started);
    }
    results.createToApplied = {
      operatorP50Ms: percentile(latency, 50),
      operatorP95Ms: percentile(latency, 95),
      baselineP50Ms: percentile(baseline, 50),
      ratioP50: percentile(latency, 50) / percentile(baseline, 50),
    };
    await op.proc.stop();

    // 2. Cold start: CodexLBs exist before the operator starts.
    for (const count of [100, 500]) {
      const ns = `cold${count}`;
      await createMany(client, ns, count);
      const started = performance.now();
      op = await startOperatorProcess(cp);
      await waitFor(`${count} statuses`, async () => ((await statusCount(client, ns)) === count ? true : undefined), { timeoutMs: 600_000, intervalMs: 250 });
      const seconds = (performance.now() - started) / 1000;
      results[count === 100 ? 'coldStart100' : 'coldStart500'] = { seconds, codexlbsPerSecond: count / seconds };
      if (count === 500) {
        // 3. Steady state: let several resyncs pass and count writes.
        await new Promise((r) => setTimeout(r, 3000));
        const writesBefore = await writes(op.port);
        const reconcilesBefore = await reconciles(op.port);
        await new Promise((r) => setTimeout(r, RESYNC_SECONDS * 3 * 1000));
        const resyncReconciles = (await reconciles(op.port)) - reconcilesBefore;
        const resyncWrites = (await writes(op.port)) - writesBefore;
        results.steadyState = { reconciles: resyncReconciles, writes: resyncWrites, writesPerResyncPerCodexLB: resyncWrites / Math.max(1, resyncReconciles) };
        // 4. Memory of the operator process managing everything created so far.
        const rss = await metric(op.port, /^process_resident_memory_bytes /);
        results.operatorRssMiB = rss / 2 ** 20;
        results.operatorHeapUsedMiB = (await metric(op.port, /^nodejs_heap_size_used_bytes /)) / 2 ** 20;
        results.managedCodexLBs = 20 + 100 + 500;
      }
      await op.proc.stop();
    }
  } finally {
    await client.close();
    await cp.stop();
  }

  const r = results as Results;
  const report = [
    '# Operator benchmark',
    '',
    `Run ${new Date().toISOString()} on ${process.arch}, Node ${process.version}; real kube-apiserver v1.35 + etcd (api profile), operator as a child process (4 workers).`,
    '',
    '| measure | operator | baseline (plain SSA loop) | ratio |',
    '|---|---|---|---|',
    `| create → children applied, p50 | ${r.createToApplied.operatorP50Ms.toFixed(1)} ms | ${r.createToApplied.baselineP50Ms.toFixed(1)} ms | ${r.createToApplied.ratioP50.toFixed(2)}× |`,
    `| create → children applied, p95 | ${r.createToApplied.operatorP95Ms.toFixed(1)} ms | | |`,
    `| cold start, 100 CodexLBs | ${r.coldStart100.seconds.toFixed(1)} s (${r.coldStart100.codexlbsPerSecond.toFixed(0)}/s) | | |`,
    `| cold start, 500 CodexLBs | ${r.coldStart500.seconds.toFixed(1)} s (${r.coldStart500.codexlbsPerSecond.toFixed(0)}/s) | | |`,
    `| writes per steady-state resync | ${r.steadyState.writes} writes over ${r.steadyState.reconciles} reconciles | | |`,
    `| operator memory, ${r.managedCodexLBs} CodexLBs | RSS ${r.operatorRssMiB.toFixed(0)} MiB, JS heap used ${r.operatorHeapUsedMiB.toFixed(0)} MiB | | |`,
    '',
    'The baseline applies the same rendered objects with one server-side apply each and does nothing else;',
    'the operator additionally resolves Secrets, plans migrations, checks drift and writes status.',
    '',
  ].join('\n');
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}operator.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`${dir}operator.md`, report);
  console.log(report);
}

await main();
