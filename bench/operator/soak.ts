/**
 * Operator soak (`make bench-soak`; not part of `make test` or `make bench`): the shipped CLI as a child process,
 * with leader election on (it renews its Lease every 2 s, as in production), manages 620 CodexLBs on a real
 * kube-apiserver for SOAK_MINUTES (default 30) with a full resync every minute. It samples the process's memory
 * each minute and checks, through resourceVersions, that nothing of the 620 installations was written during the
 * window. Writes bench/results/operator-soak.md and .json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '../../test/harness/controlplane/controlplane.ts';
import { ManagedProcess, waitFor } from '../../test/harness/process.ts';
import { freePort } from '../../test/harness/ports.ts';
import { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { KubeObject } from '../../operator/runtime/kube/types.ts';
import { waitForCrds } from '../../test/harness/controlplane/crds.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const COUNT = 620;
const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const WARMUP_SECONDS = 120;
const RESYNC_SECONDS = 60;
const ns = 'soak';
const KINDS = 'codexlbs,statefulsets,services,configmaps,serviceaccounts,secrets,persistentvolumeclaims';

async function metric(port: number, pattern: RegExp): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text.split('\n').filter((l) => pattern.test(l)).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}

interface Sample {
  minute: number;
  rssMiB: number;
  heapUsedMiB: number;
  reconciles: number;
  writes: number;
}

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const num = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  const den = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

async function main(): Promise<void> {
  const cp = await startControlPlane({ profile: 'api' });
  const client = await KubeClient.fromKubeConfig(cp.kubeConfig());
  let proc: ManagedProcess | undefined;
  try {
    await cp.kubectl('apply', '--server-side', '-k', `${root}crds`);
    await waitForCrds(cp, ['codexlbs.codexlb.io']);
    await cp.kubectl('create', 'namespace', ns);
    await cp.kubectl('create', 'namespace', 'codex-lb-system');
    const names = Array.from({ length: COUNT }, (_, i) => `lb-${i}`);
    for (let i = 0; i < names.length; i += 25) {
      await Promise.all(names.slice(i, i + 25).map((name) => client.create({ apiVersion: 'codexlb.io/v1alpha1', kind: 'CodexLB', metadata: { name, namespace: ns }, spec: {} })));
    }

    const port = await freePort();
    proc = new ManagedProcess('operator', process.execPath, [
      `${root}operator/cli/main.ts`, 'run', `--kubeconfig=${cp.kubeconfigPath}`,
      '--leader-election-namespace=codex-lb-system', `--probe-address=127.0.0.1:${port}`,
      `--resync-seconds=${RESYNC_SECONDS}`, '--workers=4', '--log-level=error',
    ]);
    await waitFor('operator ready', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok ? true : undefined), { proc, timeoutMs: 120_000 });
    const started = performance.now();
    await waitFor(`${COUNT} statuses`, async () => {
      const list = await client.list<KubeObject & { status?: { observedGeneration?: number } }>('codexlb.io/v1alpha1', 'CodexLB', { namespace: ns });
      return list.items.filter((cr) => cr.status?.observedGeneration !== undefined).length === COUNT ? true : undefined;
    }, { timeoutMs: 900_000, intervalMs: 1000, proc });
    const coldStartSeconds = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, WARMUP_SECONDS * 1000));

    const versions = async () => new Map(
      (JSON.parse(await cp.kubectl('get', KINDS, '-n', ns, '-o', 'json')) as { items: KubeObject[] }).items.map((o) => [`${o.kind}/${o.metadata.name}`, o.metadata.resourceVersion]),
    );
    const lease = async () => (JSON.parse(await cp.kubectl('get', 'lease', 'codex-lb-operator', '-n', 'codex-lb-system', '-o', 'json')) as { spec: { holderIdentity: string; renewTime: string; leaseTransitions?: number } }).spec;
    const before = await versions();
    const leaseBefore = await lease();
    const samples: Sample[] = [];
    const sample = async (minute: number) => {
      samples.push({
        minute,
        rssMiB: (await metric(port, /^process_resident_memory_bytes /)) / 2 ** 20,
        heapUsedMiB: (await metric(port, /^nodejs_heap_size_used_bytes /)) / 2 ** 20,
        reconciles: await metric(port, /^controller_runtime_reconcile_total\{/),
        writes: await metric(port, /^rest_client_requests_total\{method="(POST|PUT|PATCH|DELETE)"/),
      });
      console.log(JSON.stringify(samples.at(-1)));
    };
    await sample(0);
    for (let minute = 1; minute <= MINUTES; minute++) {
      await new Promise((r) => setTimeout(r, 60_000));
      await sample(minute);
    }
    const after = await versions();
    const leaseAfter = await lease();
    const changed = [...before].filter(([id, rv]) => after.get(id) !== rv).map(([id]) => id);

    const [first] = samples;
    const last = samples.at(-1);
    if (!first || !last) throw new Error('no memory samples');
    const results = {
      codexlbs: COUNT,
      objectsWatched: before.size,
      coldStartSeconds,
      minutes: MINUTES,
      resyncSeconds: RESYNC_SECONDS,
      reconciles: last.reconciles - first.reconciles,
      writeRequests: last.writes - first.writes,
      leaseRenewalsExpected: Math.round((MINUTES * 60) / 2),
      leaseHolderUnchanged: leaseBefore.holderIdentity === leaseAfter.holderIdentity && (leaseBefore.leaseTransitions ?? 0) === (leaseAfter.leaseTransitions ?? 0),
      objectsChanged: changed,
      rssMiB: { start: first.rssMiB, end: last.rssMiB, min: Math.min(...samples.map((s) => s.rssMiB)), max: Math.max(...samples.map((s) => s.rssMiB)) },
      heapUsedMiB: { start: first.heapUsedMiB, end: last.heapUsedMiB, min: Math.min(...samples.map((s) => s.heapUsedMiB)), max: Math.max(...samples.map((s) => s.heapUsedMiB)) },
      heapSlopeMiBPerHour: slope(samples.map((s) => [s.minute / 60, s.heapUsedMiB])),
      rssSlopeMiBPerHour: slope(samples.map((s) => [s.minute / 60, s.rssMiB])),
      samples,
    };
    const f = (n: number) => n.toFixed(1);
    const report = [
      '# Operator soak',
      '',
      `Run ${new Date().toISOString()} on ${process.arch}, Node ${process.version}; real kube-apiserver v1.35 + etcd (api profile); the operator CLI as a child process with leader election on (Lease renewed every 2 s), 4 workers, a full resync every ${RESYNC_SECONDS} s. Not part of \`make test\`: \`make bench-soak\` (SOAK_MINUTES, default 30).`,
      '',
      '| measure | result |',
      '|---|---|',
      `| CodexLBs managed | ${COUNT} (${before.size} objects in their namespace), all with status after ${f(coldStartSeconds)} s |`,
      `| window | ${MINUTES} min after a ${WARMUP_SECONDS / 60}-min warm-up: ${results.reconciles} reconciles |`,
      `| objects of the installations written in the window | ${changed.length} (resourceVersions compared before and after) |`,
      `| write requests in the window | ${results.writeRequests} (Lease renewals every 2 s: ≈ ${results.leaseRenewalsExpected}); the Lease kept its holder: ${results.leaseHolderUnchanged} |`,
      `| JS heap used | ${f(results.heapUsedMiB.start)} → ${f(results.heapUsedMiB.end)} MiB (min ${f(results.heapUsedMiB.min)}, max ${f(results.heapUsedMiB.max)}); trend ${f(results.heapSlopeMiBPerHour)} MiB/h |`,
      `| RSS | ${f(results.rssMiB.start)} → ${f(results.rssMiB.end)} MiB (min ${f(results.rssMiB.min)}, max ${f(results.rssMiB.max)}); trend ${f(results.rssSlopeMiBPerHour)} MiB/h |`,
      '',
      'Per-minute samples are in operator-soak.json.',
      '',
    ].join('\n');
    const dir = fileURLToPath(new URL('../results/', import.meta.url));
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}operator-soak.json`, `${JSON.stringify(results, null, 2)}\n`);
    await writeFile(`${dir}operator-soak.md`, report);
    console.log(report);
  } finally {
    await proc?.stop(10_000);
    await client.close();
    await cp.stop();
  }
}

await main();
