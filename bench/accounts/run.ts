/**
 * Accounts benchmark (`make bench`, issue 9): 200 ChatGPTAccounts across 10 CodexLBs.
 *
 * A real kube-apiserver + controller-manager + kwok (cluster profile: the CodexLBs turn Ready), the
 * shipped operator CLI as a child process, and for each CodexLB a real `codex-lb-proxy serve` process
 * (SQLite) on loopback, which the operator reaches through `--admin-endpoint`. The fake ChatGPT upstream
 * issues the 200 accounts.
 *
 *   1. create → all Ready: the 200 Secrets and ChatGPTAccounts are created at once; time until every
 *      account reports Ready=True (Imported), with the admin calls that took;
 *   2. steady state: admin-API calls and API-server writes per minute while nothing changes, against
 *      the target of one status read per installation per period.
 *
 * Writes bench/results/accounts.md and bench/results/accounts.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startControlPlane } from '../../test/harness/controlplane/controlplane.ts';
import { ManagedProcess, waitFor } from '../../test/harness/process.ts';
import { freePort } from '../../test/harness/ports.ts';
import { startFakeUpstream } from '../../test/fakes/fake-upstream.ts';
import { startServe, type ServeProcess } from '../../test/e2e/proxy/support/serve-process.ts';
import { SECRET_ACCESS_LABEL, SECRET_ACCESS_VALUE } from '../../operator/api/common.ts';
import { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { KubeObject } from '../../operator/runtime/kube/types.ts';
import { waitForCrds } from '../../test/harness/controlplane/crds.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const NS = 'bench';
const INSTALLATIONS = 10;
const ACCOUNTS_PER_INSTALLATION = 20;
const PERIOD_SECONDS = 10;
const STEADY_SECONDS = 60;

interface Status {
  conditions?: Array<{ type: string; reason: string }>;
  readyReplicas?: number;
}
type Obj = KubeObject & { status?: Status; data?: Record<string, string> };

interface Results {
  createToReady: {
    accounts: number;
    installations: number;
    createSeconds: number;
    allReadySeconds: number;
    accountsPerSecond: number;
    adminCalls: number;
    imports: number;
    updates: number;
    stateReads: number;
  };
  steadyState: {
    periodSeconds: number;
    measuredSeconds: number;
    adminCallsPerMinute: number;
    statusReadsPerMinute: number;
    statusReadsPerInstallationPerPeriod: number;
    otherAdminCalls: number;
    apiServerWritesPerMinute: number;
    operatorRssMiB: number;
  };
}

async function metrics(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

function sum(text: string, pattern: RegExp): number {
  let total = 0;
  for (const line of text.split('\n')) if (pattern.test(line)) total += Number(line.split(' ').at(-1));
  return total;
}

const adminCalls = (text: string, operation = '[a-zA-Z]+') => sum(text, new RegExp(`^codexlb_operator_admin_requests_total\\{operation="${operation}"`));
const writes = (text: string) => sum(text, /^rest_client_requests_total\{method="(POST|PUT|PATCH|DELETE)"/);

async function readyAccounts(client: KubeClient): Promise<number> {
  const list = await client.list<Obj>('codexlb.io/v1alpha1', 'ChatGPTAccount', { namespace: NS });
  return list.items.filter((a) => a.status?.conditions?.some((c) => c.type === 'Ready' && c.reason === 'Imported')).length;
}

async function main(): Promise<void> {
  const cp = await startControlPlane({ profile: 'cluster' });
  const client = await KubeClient.fromKubeConfig(cp.kubeConfig());
  const fake = await startFakeUpstream();
  const serves: ServeProcess[] = [];
  let operator: ManagedProcess | undefined;
  const results: Partial<Results> = {};
  try {
    await cp.kubectl('apply', '--server-side', '-k', `${root}crds`);
    await waitForCrds(cp, ['codexlbs.codexlb.io', 'chatgptaccounts.codexlb.io', 'codexlbapikeys.codexlb.io']);
    await cp.kubectl('create', 'namespace', NS);
    await waitFor('default ServiceAccount', () => cp.kubectl('get', 'serviceaccount', 'default', '-n', NS));

    const lbs = Array.from({ length: INSTALLATIONS }, (_, i) => `lb-${i}`);
    const endpoints: string[] = [];
    for (const lb of lbs) {
      const serve = await startServe(fake, {}, { adminToken: null });
      serves.push(serve);
      endpoints.push(`--admin-endpoint=${NS}/${lb}=${serve.url}`);
    }
    const port = await freePort();
    operator = new ManagedProcess('operator', process.execPath, [
      `${root}operator/cli/main.ts`, 'run', `--kubeconfig=${cp.kubeconfigPath}`, '--no-leader-elect', `--probe-address=127.0.0.1:${port}`,
      '--workers=4', '--log-level=error', `--pool-status-seconds=${PERIOD_SECONDS}`, '--admin-endpoint-fallback=none', ...endpoints,
    ]);
    await waitFor('operator ready', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok ? true : undefined), { proc: operator, timeoutMs: 60_000 });

    // Installations first: each proxy gets the token the operator generated, as a pod mounts it.
    for (const lb of lbs) await client.create({ apiVersion: 'codexlb.io/v1alpha1', kind: 'CodexLB', metadata: { name: lb, namespace: NS }, spec: {} });
    for (const [i, serve] of serves.entries()) {
      const name = `${lbs[i]}-admin-token`;
      const secret = await waitFor(name, () => client.get<Obj>({ apiVersion: 'v1', kind: 'Secret', namespace: NS, name }));
      writeFileSync(serve.adminTokenFile, Buffer.from(secret.data?.token ?? '', 'base64').toString('utf8'));
    }
    await waitFor('every CodexLB Ready', async () => {
      const list = await client.list<Obj>('codexlb.io/v1alpha1', 'CodexLB', { namespace: NS });
      return list.items.filter((c) => (c.status?.readyReplicas ?? 0) >= 1).length === INSTALLATIONS ? true : undefined;
    }, { timeoutMs: 120_000, intervalMs: 250 });

    // 1. Create → all Ready.
    const objects: KubeObject[] = [];
    for (const lb of lbs) {
      for (let j = 0; j < ACCOUNTS_PER_INSTALLATION; j++) {
        const name = `${lb}-acct-${j}`;
        objects.push({
          apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS, labels: { [SECRET_ACCESS_LABEL]: SECRET_ACCESS_VALUE } }, type: 'Opaque',
          stringData: { 'auth.json': JSON.stringify(fake.addAccount().authJson()) },
        });
        objects.push({
          apiVersion: 'codexlb.io/v1alpha1', kind: 'ChatGPTAccount', metadata: { name, namespace: NS },
          spec: { codexLBRef: { name: lb }, credentials: { secretRef: { name } }, alias: name },
        });
      }
    }
    const total = INSTALLATIONS * ACCOUNTS_PER_INSTALLATION;
    const callsBefore = adminCalls(await metrics(port));
    const started = performance.now();
    for (let i = 0; i < objects.length; i += 50) await Promise.all(objects.slice(i, i + 50).map((o) => client.create(o)));
    const created = performance.now();
    await waitFor(`${total} accounts Ready`, async () => ((await readyAccounts(client)) === total ? true : undefined), { timeoutMs: 600_000, intervalMs: 250 });
    const allReady = performance.now();
    const afterCreate = await metrics(port);
    results.createToReady = {
      accounts: total,
      installations: INSTALLATIONS,
      createSeconds: (created - started) / 1000,
      allReadySeconds: (allReady - started) / 1000,
      accountsPerSecond: total / ((allReady - started) / 1000),
      adminCalls: adminCalls(afterCreate) - callsBefore,
      imports: adminCalls(afterCreate, 'importAccount'),
      updates: adminCalls(afterCreate, 'updateAccount'),
      stateReads: adminCalls(afterCreate, 'state'),
    };

    // 2. Steady state: let one period pass, then count over STEADY_SECONDS.
    await new Promise((r) => setTimeout(r, (PERIOD_SECONDS + 2) * 1000));
    const before = await metrics(port);
    const steadyStart = performance.now();
    await new Promise((r) => setTimeout(r, STEADY_SECONDS * 1000));
    const after = await metrics(port);
    const minutes = (performance.now() - steadyStart) / 60_000;
    const stateReads = adminCalls(after, 'state') - adminCalls(before, 'state');
    const periods = (minutes * 60) / PERIOD_SECONDS;
    results.steadyState = {
      periodSeconds: PERIOD_SECONDS,
      measuredSeconds: minutes * 60,
      adminCallsPerMinute: (adminCalls(after) - adminCalls(before)) / minutes,
      statusReadsPerMinute: stateReads / minutes,
      statusReadsPerInstallationPerPeriod: stateReads / INSTALLATIONS / periods,
      otherAdminCalls: adminCalls(after) - adminCalls(before) - stateReads,
      apiServerWritesPerMinute: (writes(after) - writes(before)) / minutes,
      operatorRssMiB: sum(after, /^process_resident_memory_bytes /) / 2 ** 20,
    };
  } finally {
    await operator?.stop();
    for (const serve of serves) await serve.stop();
    await fake.close();
    await client.close();
    await cp.stop();
  }

  const { createToReady: c, steadyState: s } = results as Results;
  const report = [
    '# Accounts benchmark',
    '',
    `Run ${new Date().toISOString()} on ${process.arch}, Node ${process.version}; real kube-apiserver v1.35 + controller-manager + kwok (cluster profile),`,
    `operator CLI as a child process (4 workers), one real \`codex-lb-proxy serve\` (SQLite) per CodexLB on loopback, reached with --admin-endpoint.`,
    '',
    '| measure | result | target |',
    '|---|---|---|',
    `| ${c.accounts} ChatGPTAccounts across ${c.installations} CodexLBs: create → all Ready | ${c.allReadySeconds.toFixed(1)} s (${c.accountsPerSecond.toFixed(0)} accounts/s; creating the objects took ${c.createSeconds.toFixed(1)} s) | |`,
    `| admin calls for that | ${c.adminCalls} (${c.imports} imports, ${c.updates} setting patches, ${c.stateReads} pool reads) | |`,
    `| steady state: admin calls per minute (period ${s.periodSeconds} s) | ${s.adminCallsPerMinute.toFixed(1)} | ≤ ${(INSTALLATIONS * 60) / s.periodSeconds} (one per installation per period) |`,
    `| steady state: status reads per installation per period | ${s.statusReadsPerInstallationPerPeriod.toFixed(2)} | ≤ 1 |`,
    `| steady state: other admin calls (imports, patches) | ${s.otherAdminCalls} | 0 |`,
    `| steady state: API-server writes per minute | ${s.apiServerWritesPerMinute.toFixed(1)} | 0 while the pool does not change |`,
    `| operator memory | RSS ${s.operatorRssMiB.toFixed(0)} MiB | |`,
    '',
    'Each account is imported once (one call), gets its alias applied once, and reads its installation\'s pool from the',
    'snapshot the pool monitor takes once per period; statuses are written only when the pool changes.',
    '',
  ].join('\n');
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  await writeFile(`${dir}accounts.json`, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(`${dir}accounts.md`, report);
  console.log(report);
}

await main();
